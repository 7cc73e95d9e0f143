/**
 * Full-pipeline throughput (issue 3): `sma-cross` on synthetic 1-minute candles through gate, risk,
 * breaker, simulated venue, ledger and journal, next to a plain typed-array loop doing the same
 * trades on the same data. Also prints peak RSS for the 10-year (≈ 5.3 M bars) run.
 * Last line: bars_per_s=<N> plain_loop_bars_per_s=<M> bars=<count> vs_plain_pct=<N/M in %> (issue 9's target: ≥ 35)
 */
import {BacktestConfigSchema, executeBacktest} from '../src/app/backtest-runner.js';
import {allocateBarColumns} from '../src/core/index.js';
import {loadStrategy} from '../src/decision/index.js';

const BARS = Number(process.env.BENCH_BARS ?? 5_256_000); // 10 years of 1m candles
const MINUTE = 60_000;
const START = Date.UTC(2016, 0, 1);
const FAST = Number(process.env.BENCH_FAST ?? 20);
const SLOW = Number(process.env.BENCH_SLOW ?? 50);
const QTY = 0.01;
const TAKER = 0.0005;

/** Deterministic random-walk candles (mulberry32), prices on a 0.1 tick, and 8-hourly funding. */
function syntheticMarket(n: number) {
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tick = (p: number) => Math.round(p * 10) / 10;
  const cols = allocateBarColumns(n);
  let price = 30_000;
  for (let i = 0; i < n; i++) {
    const open = tick(price);
    // A random walk pulled gently back towards 30,000 (log-space mean reversion), so ten years of
    // minutes stay in a realistic band instead of drifting to where min-notional refuses orders.
    const pull = -0.00001 * Math.log(open / 30_000);
    const close = tick(open * Math.exp(pull + (random() - 0.5) * 0.004));
    cols.openTime[i] = START + i * MINUTE;
    cols.open[i] = open;
    cols.close[i] = close;
    cols.high[i] = tick(Math.max(open, close) * (1 + random() * 0.001));
    cols.low[i] = tick(Math.min(open, close) * (1 - random() * 0.001));
    cols.volume[i] = 1 + random() * 50;
    price = close;
  }
  const fundingCount = Math.floor((n * MINUTE) / (8 * 3_600_000));
  const funding = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', length: fundingCount, time: new Float64Array(fundingCount), rate: new Float64Array(fundingCount), markPrice: new Float64Array(fundingCount).fill(NaN)};
  for (let k = 0; k < fundingCount; k++) {
    funding.time[k] = START + (k + 1) * 8 * 3_600_000;
    funding.rate[k] = (random() - 0.4) * 0.0002;
  }
  return {bars: {key: {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m' as const}, ...cols}, funding};
}

/**
 * The same strategy and costs as a bare loop: SMA cross, fill at next open, taker fee, funding.
 * Its SMAs are plain windowed sums (O(period) a bar, oldest first), the reference issue 9 set;
 * the pipeline's are exact running sums rounded once, so the two can read an exact tie of the
 * averages differently and trade a few times differently (both counts are printed).
 */
function plainLoop(bars: ReturnType<typeof syntheticMarket>['bars'], funding: ReturnType<typeof syntheticMarket>['funding'], cash: number) {
  const {open, close, openTime} = bars;
  const equity = new Float64Array(bars.length);
  let prevFast = NaN;
  let prevSlow = NaN;
  let qty = 0;
  let entry = 0;
  let wallet = cash;
  let pending = 0;
  let f = 0;
  let fills = 0;
  for (let i = 0; i < bars.length; i++) {
    while (f < funding.length && funding.time[f] < openTime[i]) f++;
    if (f < funding.length && funding.time[f] < openTime[i] + MINUTE) {
      if (qty !== 0) wallet -= qty * open[i] * funding.rate[f];
      f++;
    }
    if (pending !== 0) {
      fills++;
      const price = open[i];
      wallet -= Math.abs(pending) * price * TAKER;
      if (qty !== 0 && Math.sign(pending) !== Math.sign(qty)) {
        const closing = Math.min(Math.abs(pending), Math.abs(qty));
        wallet += closing * (price - entry) * Math.sign(qty);
        qty += Math.sign(pending) * closing;
        const rest = Math.abs(pending) - closing;
        if (rest > 0) {
          qty = Math.sign(pending) * rest;
          entry = price;
        }
      } else {
        entry = (entry * Math.abs(qty) + price * Math.abs(pending)) / (Math.abs(qty) + Math.abs(pending));
        qty += pending;
      }
      pending = 0;
    }
    // Windowed sums, oldest first.
    let sumFast = 0;
    let sumSlow = 0;
    if (i >= FAST - 1) for (let k = i - FAST + 1; k <= i; k++) sumFast += close[k];
    if (i >= SLOW - 1) for (let k = i - SLOW + 1; k <= i; k++) sumSlow += close[k];
    const fast = i >= FAST - 1 ? sumFast / FAST : NaN;
    const slow = i >= SLOW - 1 ? sumSlow / SLOW : NaN;
    equity[i] = wallet + qty * (close[i] - entry);
    if (prevFast === prevFast && prevSlow === prevSlow) {
      if (prevFast <= prevSlow && fast > slow && qty <= 0) pending = QTY - qty;
      else if (prevFast >= prevSlow && fast < slow && qty >= 0) pending = -QTY - qty;
    }
    prevFast = fast;
    prevSlow = slow;
  }
  return {equity: equity[bars.length - 1], fills};
}

async function main(): Promise<void> {
  const {bars, funding} = syntheticMarket(BARS);
  const cash = 1_000_000;
  const config = BacktestConfigSchema.parse({
    strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', cash, leverage: 3, takerFee: TAKER,
    slippage: {kind: 'fixed', bps: 0}, funding: true, params: {fast: FAST, slow: SLOW, qty: QTY},
    risk: {maxLeverage: 3}, accuracyHorizonBars: 12,
    // Every breaker rule is evaluated on every bar, but a random walk must not trip the loss-streak rule:
    // the plain loop has no breaker and both loops must do the same trades.
    breaker: {lossStreak: {trades: 1_000_000}},
  });
  const strategy = await loadStrategy('sma-cross');
  const t0 = performance.now();
  const run = await executeBacktest(config, strategy, {bars, mark: null, funding, firstIndex: SLOW});
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const plain = plainLoop(bars, funding, cash);
  const plainEquity = plain.equity;
  const plainSeconds = (performance.now() - t1) / 1000;
  const engineEquity = run.engine.recorder.equity[bars.length - 1];
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`pipeline: ${BARS.toLocaleString('en-US')} bars in ${run.loopSeconds.toFixed(2)} s of per-bar loop, ${seconds.toFixed(2)} s end to end ` +
    `(with config, data hashing and allocation: ${Math.round(BARS / seconds).toLocaleString('en-US')} bars/s); ` +
    `${run.ledger.tradeCount} round trips, ${run.journal.length} journal events`);
  console.log(`plain typed-array loop: ${plainSeconds.toFixed(3)} s`);
  let fills = 0;
  for (const e of run.journal) if (e.type === 'fill') fills++;
  console.log(`final equity: pipeline ${engineEquity.toFixed(6)}, plain loop ${plainEquity.toFixed(6)} (difference ${(engineEquity - plainEquity).toExponential(2)}); fills: pipeline ${fills}, plain loop ${plain.fills}`);
  console.log(`peak RSS: ${peakRssMb.toFixed(0)} MB`);
  // Loop against loop: the plain loop's figure excludes making its data too.
  const pct = (100 * plainSeconds) / run.loopSeconds;
  console.log(`bars_per_s=${Math.round(BARS / run.loopSeconds)} plain_loop_bars_per_s=${Math.round(BARS / plainSeconds)} bars=${BARS} vs_plain_pct=${pct.toFixed(1)}`);
}

await main();
