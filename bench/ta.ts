/**
 * TA throughput over synthetic candles: each streaming indicator, the composite analyzer (with and
 * without candlestick patterns), and a plain typed-array EMA loop on the same data as the floor.
 * Target (issue): composite ≥ 200 k bars/s. Run: `npm run build && node dist/bench/ta.js`
 * (BENCH_BARS overrides the 1,000,000 bars).
 */
import {allocateBarColumns, type BarColumns, createBarView, type SignalSlot} from '../src/core/index.js';
import {adx, atr, bollingerPercentB, createTaAnalyzer, ema, macdHistogram, rsi, sma} from '../src/signals/ta/index.js';

const BARS = Number(process.env.BENCH_BARS ?? 1_000_000);
const RUNS = 3;

/** Deterministic random walk with slowly switching drift, so trends, ranges and patterns all occur. */
function syntheticBars(n: number): BarColumns {
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const bars = allocateBarColumns(n);
  let price = 30_000;
  let drift = 0;
  for (let i = 0; i < n; i++) {
    if (i % 500 === 0) drift = (rand() - 0.5) * 0.002;
    const open = price;
    const close = open * Math.exp(drift + 0.004 * gauss());
    const wick = 0.002 * open;
    bars.openTime[i] = 1_600_000_000_000 + i * 3_600_000;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = Math.max(open, close) + wick * rand();
    bars.low[i] = Math.min(open, close) - wick * rand();
    bars.volume[i] = 100 + 50 * rand();
    price = close;
  }
  return bars;
}

function best(run: () => number): {seconds: number; check: number} {
  let seconds = Infinity;
  let check = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    check = run();
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  return {seconds, check};
}

function rate(seconds: number): string {
  return `${Math.round(BARS / seconds).toLocaleString('en-US')} bars/s`;
}

const bars = syntheticBars(BARS);
const figures: string[] = [];

const floor = best(() => {
  const alpha = 2 / 21;
  const close = bars.close;
  let e = close[0];
  let sum = 0;
  for (let i = 0; i < BARS; i++) {
    e += alpha * (close[i] - e);
    sum += e;
  }
  return sum;
});
console.log(`plain typed-array EMA(20) loop      ${floor.seconds.toFixed(3)} s  ${rate(floor.seconds)}`);
figures.push(`plain_ema_bars_per_s=${Math.round(BARS / floor.seconds)}`);

const indicators = {
  'sma(20)': () => sma(20),
  'ema(20)': () => ema(20),
  'rsi(14)': () => rsi(14),
  'atr(14)': () => atr(14),
  'adx(14)': () => adx(14),
  'macdHistogram(12,26,9)': () => macdHistogram(12, 26, 9),
  'bollingerPercentB(20,2)': () => bollingerPercentB(20, 2),
};
for (const [name, make] of Object.entries(indicators)) {
  const {seconds} = best(() => {
    const ind = make();
    const cursor = createBarView(bars);
    let sum = 0;
    for (let i = 0; i < BARS; i++) {
      cursor.moveTo(i);
      const v = ind.update(cursor.view);
      if (v === v) sum += v;
    }
    return sum;
  });
  console.log(`${`ta.${name}`.padEnd(36)}${seconds.toFixed(3)} s  ${rate(seconds)}`);
}

for (const patterns of [true, false]) {
  let calls = 0;
  let active = 0;
  const {seconds} = best(() => {
    const analyzer = createTaAnalyzer({patterns});
    const slot: SignalSlot = {score: 0, confidence: 0, active: false};
    const cursor = createBarView(bars);
    let sum = 0;
    active = 0;
    for (let i = 0; i < BARS; i++) {
      cursor.moveTo(i);
      analyzer.update(cursor.view, slot);
      if (slot.active) {
        sum += slot.score * slot.confidence;
        active++;
      }
    }
    calls = analyzer.patternCalls;
    return sum;
  });
  const label = `ta.composite@1 (patterns ${patterns ? 'on' : 'off'})`;
  console.log(`${label.padEnd(36)}${seconds.toFixed(3)} s  ${rate(seconds)}  active ${active}, pattern library calls ${calls} (${((100 * calls) / BARS).toFixed(1)} per 100 bars)`);
  figures.push(`composite_${patterns ? 'patterns' : 'nopatterns'}_bars_per_s=${Math.round(BARS / seconds)}`);
}
console.log(figures.join(' '));
