/**
 * Portfolio throughput (issue 11 §3): a 10-symbol 1h portfolio over 5 years through the full
 * pipeline (indicators, decision, risk with account-wide limits, gate and breakers, the
 * multi-symbol venue with funding and cross margin, ledger, journal), against the same symbols
 * run one at a time as single-symbol backtests of the same strategy on the same candles.
 * Synthetic candles (the shipped sample has two symbols): seeded random walks with 8-hourly
 * funding, some symbols listed later and a few missing bars, so the merged timeline has gaps.
 * Both figures count symbol-bars per second of the per-bar loop (wall time), measured in this one
 * process, in rounds (the single-symbol loops, then the portfolio); the last line gives both rates
 * of the round with the median ratio (the machine is shared: a round's two figures see similar load).
 * Last line: symbol_bars_per_s=<N> single_symbol_bars_per_s=<M> symbols=<K>
 */
import {cpus, loadavg} from 'node:os';
import {type BacktestData, BacktestConfigSchema, executeBacktest} from '../src/app/backtest-runner.js';
import {builtinInstrument} from '../src/app/instrument-resolution.js';
import {allocateBarColumns, DEFAULT_EXCHANGE} from '../src/core/index.js';
import {loadStrategy} from '../src/decision/index.js';
import {mulberry32} from '../src/ml/sharpe-compare.js';

const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 10);
const YEARS = Number(process.env.BENCH_YEARS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const STRATEGY = process.env.BENCH_STRATEGY ?? 'sma-cross';
/** For profiling one side: 'portfolio' or 'single' (the ratio is then meaningless). */
const ONLY = process.env.BENCH_ONLY ?? '';
const HOUR = 3_600_000;
const START = Date.UTC(2020, 0, 1);
const BARS = Math.round((YEARS * 365 * 24 * HOUR) / HOUR);
const NAMES = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'AVAX', 'LINK', 'DOT', 'LTC', 'TRX', 'MATIC', 'ATOM', 'NEAR', 'APT'];

/** Symbol k: a walk from its own level; symbols 3, 6, 9 list half a year to a year later; every fourth misses 0.1 % of its bars. */
function symbolData(k: number): BacktestData {
  const symbol = `${NAMES[k]}/USDT:USDT`;
  const rnd = mulberry32(1000 + k);
  const level = k === 0 ? 30_000 : k === 1 ? 2_000 : 5 + 40 * rnd();
  const late = k % 3 === 0 && k > 0 ? Math.round((k / 9) * 8760) : 0;
  const times: number[] = [];
  for (let i = late; i < BARS; i++) if (!(k % 4 === 2 && rnd() < 0.001)) times.push(START + i * HOUR);
  const n = times.length;
  const c = allocateBarColumns(n);
  const tick = level > 1_000 ? 0.1 : 0.001;
  const round = (p: number) => Math.round(p / tick) * tick;
  let price = level;
  for (let i = 0; i < n; i++) {
    const open = round(price);
    const close = round(open * Math.exp(-0.0005 * Math.log(open / level) + (rnd() - 0.5) * 0.012));
    c.openTime[i] = times[i];
    c.open[i] = open;
    c.close[i] = close;
    c.high[i] = round(Math.max(open, close) * (1 + rnd() * 0.003));
    c.low[i] = round(Math.min(open, close) * (1 - rnd() * 0.003));
    c.volume[i] = 100 + rnd() * 5_000;
    price = close;
  }
  const settlements = Math.floor((times[n - 1] - times[0]) / (8 * HOUR));
  const funding = {exchange: DEFAULT_EXCHANGE, symbol, length: settlements, time: new Float64Array(settlements), rate: new Float64Array(settlements), markPrice: new Float64Array(settlements).fill(NaN)};
  for (let f = 0; f < settlements; f++) {
    funding.time[f] = times[0] + (f + 1) * 8 * HOUR;
    funding.rate[f] = (rnd() - 0.4) * 0.0002;
  }
  // The built-in specs are BTC's and ETH's: the other symbols trade on ETH's under their own name.
  const instrument = {...builtinInstrument(DEFAULT_EXCHANGE, k === 0 ? 'BTC/USDT:USDT' : 'ETH/USDT:USDT'), symbol};
  return {bars: {key: {exchange: DEFAULT_EXCHANGE, symbol, timeframe: '1h'}, ...c}, mark: null, funding, firstIndex: 100, instrument};
}

const base = {
  strategy: STRATEGY, timeframe: '1h', cash: 10_000_000, leverage: 3, funding: true, slippage: {kind: 'fixed', bps: 2},
  params: STRATEGY === 'sma-cross' ? {fast: 20, slow: 50} : {},
  risk: {maxLeverage: 3, maxGrossLeverage: 3, maxPositions: SYMBOLS},
  // Every breaker rule is evaluated at every slot; a random walk must not trip the loss-streak rule and stop trading.
  breaker: {lossStreak: {trades: 1_000_000}, staleData: {enabled: false}},
};

async function main(): Promise<void> {
  const datas = Array.from({length: SYMBOLS}, (_, k) => symbolData(k));
  // About 10 000 USDT a position on every symbol, whatever its price level.
  const symbols = datas.map((d) => ({symbol: d.bars.key.symbol, params: STRATEGY === 'sma-cross' ? {qty: Math.max(0.001, Math.round(10_000 / d.bars.close[0]))} : {}}));
  const symbolBars = datas.reduce((n, d) => n + d.bars.length, 0);
  const strategy = await loadStrategy(STRATEGY);
  const portfolioConfig = BacktestConfigSchema.parse({...base, symbols});
  const singleConfigs = symbols.map((s) => BacktestConfigSchema.parse({...base, symbols: [s]}));
  const portfolioRates: number[] = [];
  const singleRates: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  let last = {slots: 0, trades: 0, journal: 0, seconds: 0, missing: 0};
  const cpu = (from: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(from);
    return (d.user + d.system) / 1e6;
  };
  // Round 0 warms the JIT up and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    let singleSeconds = 0;
    const c0 = process.cpuUsage();
    for (let k = 0; k < SYMBOLS && ONLY !== 'portfolio'; k++) singleSeconds += (await executeBacktest(singleConfigs[k], strategy, [datas[k]])).loopSeconds;
    const singleCpu = cpu(c0);
    const t0 = performance.now();
    const c1 = process.cpuUsage();
    const run = await executeBacktest(ONLY === 'single' ? singleConfigs[0] : portfolioConfig, strategy, ONLY === 'single' ? [datas[0]] : datas);
    const portfolioCpu = cpu(c1);
    last = {
      slots: run.timeline.length, trades: run.ledger.trades.length, journal: run.journal.length, seconds: (performance.now() - t0) / 1000,
      missing: run.engine.missingBars().reduce((n, m) => n + m.bars, 0),
    };
    const p = symbolBars / run.loopSeconds;
    const q = symbolBars / singleSeconds;
    console.log(`round ${round}${round === 0 ? ' (warm-up)' : ''}: portfolio ${fmt(p)} symbol-bars/s (loop ${run.loopSeconds.toFixed(3)} s), ` +
      `single-symbol ${fmt(q)} bars/s (${SYMBOLS} loops, ${singleSeconds.toFixed(3)} s); ratio ${(p / q).toFixed(3)}, ` +
      `CPU time end to end ${portfolioCpu.toFixed(2)} s vs ${singleCpu.toFixed(2)} s`);
    if (round === 0) continue;
    portfolioRates.push(p);
    singleRates.push(q);
    ratios.push(p / q);
    cpuRatios.push(singleCpu / portfolioCpu);
  }
  // The round with the median ratio: both figures of the last line come from the same round, side by side.
  const k = ratios.indexOf(median(ratios));
  const portfolio = portfolioRates[k];
  const single = singleRates[k];
  console.log(`${STRATEGY}: ${SYMBOLS} symbols × ${YEARS} years of 1h = ${fmt(symbolBars)} symbol-bars on ${fmt(last.slots)} slots (${last.missing} missing bars skipped); ` +
    `${fmt(last.trades)} round trips, ${fmt(last.journal)} journal events; end to end ${last.seconds.toFixed(2)} s`);
  console.log(`median round of ${ROUNDS} (round ${k + 1}): portfolio / single-symbol ${(portfolio / single).toFixed(3)} (target ≥ 0.70); ` +
    `medians of the rates ${(median(portfolioRates) / median(singleRates)).toFixed(3)}; ` +
    `CPU-time ratio end to end ${median(cpuRatios).toFixed(3)}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`symbol_bars_per_s=${Math.round(portfolio)} single_symbol_bars_per_s=${Math.round(single)} symbols=${SYMBOLS}`);
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await main();
