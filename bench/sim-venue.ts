/**
 * SimulatedVenue.sync() throughput over 5 M synthetic 1m bars with a position held the whole
 * time (the common case in a backtest: funding cursor check + liquidation check per bar).
 * Target (issue): ≥ 20 M bars/s. Compared with a plain typed-array loop doing the same checks.
 */
import {allocateBarColumns, type BarColumns, type FundingSeries} from '../src/core/index.js';
import {instrumentFor, SimulatedVenue} from '../src/sim/index.js';

const N = Number(process.env.BENCH_BARS ?? 5_000_000);
const TF = 60_000;
const START = Date.UTC(2020, 0, 1);
const SYMBOL = 'BTC/USDT:USDT';

function syntheticBars(n: number): BarColumns {
  const bars = allocateBarColumns(n);
  for (let i = 0; i < n; i++) {
    const p = Math.round((30_000 + 1_000 * Math.sin(i / 5_000) + 200 * Math.sin(i / 77)) * 10) / 10;
    bars.openTime[i] = START + i * TF;
    bars.open[i] = p;
    bars.high[i] = p + 5.1;
    bars.low[i] = p - 4.9;
    bars.close[i] = p + 0.3;
    bars.volume[i] = 10 + (i % 7);
  }
  return bars;
}

function syntheticFunding(n: number): FundingSeries {
  const count = Math.floor((n * TF) / (8 * 3_600_000));
  const time = new Float64Array(count);
  const rate = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    time[k] = START + (k + 1) * 8 * 3_600_000 + (k % 3); // a few ms of jitter
    rate[k] = 0.0001 * Math.sin(k);
  }
  return {exchange: 'binanceusdm', symbol: SYMBOL, length: count, time, rate, markPrice: new Float64Array(count).fill(Number.NaN)};
}

function run(bars: BarColumns, funding: FundingSeries, enter = true): {seconds: number; events: number; wallet: number} {
  const venue = new SimulatedVenue({
    symbol: SYMBOL, bars, timeframeMs: TF, funding, instrument: instrumentFor(SYMBOL), initialBalance: 100_000,
    leverage: 5, marginMode: 'isolated', slippage: {kind: 'fixed', bps: 1}, fundingEnabled: true,
  });
  venue.sync(0);
  if (enter) venue.submit({id: 1, clientOrderId: 'bench-1', symbol: SYMBOL, side: 'buy', type: 'market', qty: 0.5, reduceOnly: false, reason: 'entry', createdMs: 0});
  let events = 0;
  const t0 = performance.now();
  for (let i = 1; i < bars.length; i++) events += venue.sync(i).length;
  const seconds = (performance.now() - t0) / 1000;
  if (venue.position().qty !== (enter ? 0.5 : 0)) throw new Error('the position should be held throughout');
  return {seconds, events, wallet: venue.walletBalance()};
}

/** The same per-bar work as a bare loop: funding cursor compare + liquidation compare. */
function baseline(bars: BarColumns, funding: FundingSeries, lp: number): {seconds: number; hits: number} {
  const t0 = performance.now();
  let cursor = 0;
  let hits = 0;
  for (let i = 1; i < bars.length; i++) {
    if (cursor < funding.length && funding.time[cursor] < bars.openTime[i] + TF) {
      cursor++;
      hits++;
    }
    if (bars.low[i] <= lp) hits++;
  }
  return {seconds: (performance.now() - t0) / 1000, hits};
}

const bars = syntheticBars(N);
const funding = syntheticFunding(N);
run(syntheticBars(200_000), syntheticFunding(200_000)); // warm-up (JIT)
const best = [run(bars, funding), run(bars, funding), run(bars, funding)].sort((a, b) => a.seconds - b.seconds)[0];
const plain = [baseline(bars, funding, 24_000), baseline(bars, funding, 24_000)].sort((a, b) => a.seconds - b.seconds)[0];
const flat = [run(bars, funding, false), run(bars, funding, false)].sort((a, b) => a.seconds - b.seconds)[0];
const rate = Math.round((N - 1) / best.seconds);
const plainRate = Math.round((N - 1) / plain.seconds);
console.log(`sim venue sync: ${(N - 1).toLocaleString('en-US')} bars with a position in ${best.seconds.toFixed(3)} s = ${rate.toLocaleString('en-US')} bars/s (${best.events} events: funding)`);
console.log(`sim venue sync, flat and no orders: ${Math.round((N - 1) / flat.seconds).toLocaleString('en-US')} bars/s`);
console.log(`plain typed-array loop (same checks): ${plainRate.toLocaleString('en-US')} bars/s; venue/plain = ${(rate / plainRate).toFixed(2)}`);
console.log(`sim_venue_bars_per_s=${rate} plain_bars_per_s=${plainRate} target_bars_per_s=20000000 ${rate >= 20_000_000 ? 'PASS' : 'FAIL'}`);
