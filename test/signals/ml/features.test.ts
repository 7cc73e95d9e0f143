import {describe, expect, it} from 'vitest';
import {allocateBarColumns, type BarColumns, barViewAt} from '../../../src/core/index.js';
import {
  computeFeatures,
  featureRow,
  type FeatureMatrix,
  FeatureStream,
  featureSet,
  type FundingRates,
  OHLCV_V1,
  toFloat32Rows,
} from '../../../src/signals/ml/index.js';
import {atr, rsi} from '../../../src/signals/ta/index.js';
import {loadCandles, truncateBars} from '../ta/real-candles.js';
import {loadFunding} from './real-funding.js';

const HOUR = 3_600_000;
const col = (name: string) => OHLCV_V1.names.indexOf(name);

/** Synthetic candles with a gap, flat stretches (σ = 0) and zero volume, to reach every branch. */
function syntheticBars(n: number, seed = 7): BarColumns {
  const bars = allocateBarColumns(n);
  let s = seed;
  const rnd = () => ((s = (s * 16_807) % 2_147_483_647) / 2_147_483_647);
  let t = Date.UTC(2023, 0, 1);
  let price = 100;
  for (let i = 0; i < n; i++) {
    if (i === 400) t += 5 * HOUR; // a gap of five missing candles
    const flat = i >= 600 && i < 640;
    const open = price;
    price = flat ? price : price * Math.exp((rnd() - 0.5) * 0.02);
    bars.openTime[i] = t;
    bars.open[i] = open;
    bars.close[i] = price;
    bars.high[i] = flat ? price : Math.max(open, price) * (1 + rnd() * 0.005);
    bars.low[i] = flat ? price : Math.min(open, price) * (1 - rnd() * 0.005);
    bars.volume[i] = flat ? 0 : rnd() * 1000;
    t += HOUR;
  }
  return bars;
}

function streamRows(bars: BarColumns, funding: FundingRates | null, tf: number, n = bars.length): Float64Array[] {
  const stream = new FeatureStream(tf);
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(OHLCV_V1.names.length);
    stream.update(bars, i, funding, row);
    rows.push(row);
  }
  return rows;
}

/** Index of the first bit-level difference between the columnar matrix and per-bar rows, or null. */
function firstDifference(matrix: FeatureMatrix, rows: readonly Float64Array[]): string | null {
  for (let r = 0; r < matrix.rows; r++) {
    const expected = featureRow(matrix, r);
    const got = rows[matrix.from + r];
    for (let k = 0; k < expected.length; k++) {
      if (!Object.is(expected[k], got[k])) return `bar ${matrix.from + r} ${OHLCV_V1.names[k]}: columns ${expected[k]} vs stream ${got[k]}`;
    }
  }
  return null;
}

describe('ohlcv-v1 features', () => {
  const btc = loadCandles('btcusdt_perp_1h.csv.gz', 20_000, 6_000);
  const funding = loadFunding('btcusdt_perp_funding.csv.gz');

  it('has 27 named, versioned features and a 500-bar warm-up', () => {
    expect(featureSet('ohlcv-v1')).toBe(OHLCV_V1);
    expect(OHLCV_V1.names).toHaveLength(27);
    expect(new Set(OHLCV_V1.names).size).toBe(27);
    expect(OHLCV_V1.warmupBars).toBe(500);
    expect(() => featureSet('ohlcv-v9')).toThrow(/unknown feature set 'ohlcv-v9'/);
  });

  it('gives bit-identical rows per bar (live) and in columns (replay, training) on real candles with funding', () => {
    const matrix = computeFeatures('ohlcv-v1', btc, funding, HOUR);
    expect(firstDifference(matrix, streamRows(btc, funding, HOUR))).toBeNull();
    // Past the warm-up every feature is defined on this stretch.
    const row = featureRow(matrix, 3_000);
    expect([...row].every(Number.isFinite)).toBe(true);
  });

  it('stays bit-identical to the columns in live use: warm-up caught up, then bar by bar with funding published at each close', () => {
    const warm = 700;
    const closeOf = (i: number) => btc.openTime[i] + HOUR;
    /** The settlements known when bar i has closed (live: the loop fetches one stamped at the close before deciding). */
    const knownAt = (i: number): FundingRates => {
      let n = 0;
      while (n < funding.length && funding.time[n] <= closeOf(i)) n++;
      return {length: n, time: funding.time.subarray(0, n), rate: funding.rate.subarray(0, n)};
    };
    // As ModelAnalyzer does: the stream catches up on the held bars with what was known at the start, then follows each new bar.
    const stream = new FeatureStream(HOUR);
    const row = new Float64Array(OHLCV_V1.names.length);
    const atStart = knownAt(warm - 1);
    for (let i = 0; i < warm; i++) stream.update(btc, i, atStart, row);
    const rows: Float64Array[] = [];
    for (let i = warm; i < btc.length; i++) {
      stream.update(btc, i, knownAt(i), row);
      rows[i] = Float64Array.from(row);
    }
    const matrix = computeFeatures('ohlcv-v1', btc, funding, HOUR, warm, btc.length);
    expect(firstDifference(matrix, rows)).toBeNull();
    // Some live bars close exactly at a settlement, and read it.
    const atSettlement = rows.flatMap((r, i) => (r !== undefined && funding.time.includes(closeOf(i)) ? [i] : []));
    expect(atSettlement.length).toBeGreaterThan(100);
    for (const i of atSettlement.slice(0, 20)) expect(rows[i][col('funding_rate')]).toBe(funding.rate[funding.time.indexOf(closeOf(i))]);
  });

  it('gives bit-identical rows on synthetic candles with a gap, flat bars, zero volume and no funding', () => {
    const bars = syntheticBars(1_200);
    const matrix = computeFeatures('ohlcv-v1', bars, null, HOUR);
    expect(firstDifference(matrix, streamRows(bars, null, HOUR))).toBeNull();
    // Missing values are NaN, never zero.
    expect(matrix.data.subarray(col('funding_rate') * matrix.rows, (col('funding_rate') + 1) * matrix.rows).every(Number.isNaN)).toBe(true);
    const gapRow = featureRow(matrix, 400);
    expect(gapRow[col('ret_1')]).toBeNaN();
    expect(gapRow[col('ret_72')]).toBeNaN();
    expect(featureRow(matrix, 400 + 95)[col('vol_96')]).toBeNaN(); // the window still holds the gap's return
    expect(featureRow(matrix, 400 + 96)[col('vol_96')]).toBeGreaterThan(0);
    expect(featureRow(matrix, 639)[col('volz_24')]).toBeNaN(); // 24 bars of zero volume: σ = 0
    expect(featureRow(matrix, 639)[col('bb_pctb_20')]).toBe(0.5); // flat: σ = 0
    expect(featureRow(matrix, 10)[col('rsi_14')]).toBeNaN(); // warming up
  });

  it('computes a sub-range equal to the same rows of the full range', () => {
    const full = computeFeatures('ohlcv-v1', btc, funding, HOUR);
    const part = computeFeatures('ohlcv-v1', btc, funding, HOUR, 2_000, 2_500);
    expect(part.rows).toBe(500);
    for (const r of [0, 17, 499]) expect(featureRow(part, r)).toEqual(featureRow(full, 2_000 + r));
  });

  it('is causal: rows at t do not change when later bars are removed', () => {
    const full = computeFeatures('ohlcv-v1', btc, funding, HOUR);
    for (const cut of [501, 1_777, 4_000]) {
      const part = computeFeatures('ohlcv-v1', truncateBars(btc, cut), funding, HOUR);
      for (const r of [cut - 1, cut - 2, Math.floor(cut / 2)]) expect(featureRow(part, r)).toEqual(featureRow(full, r));
    }
  });

  it('aligns funding causally: the latest rate settled at or before the bar close, NaN when stale', () => {
    const bars = syntheticBars(60);
    const t0 = bars.openTime[0];
    // Settlements at the close of bar 7 (t0 + 8h) and bar 15; nothing afterwards.
    const f: FundingRates = {length: 3, time: Float64Array.of(t0 - 8 * HOUR, t0 + 8 * HOUR, t0 + 16 * HOUR), rate: Float64Array.of(1e-4, 2e-4, 3e-4)};
    const m = computeFeatures('ohlcv-v1', bars, f, HOUR);
    const rate = (i: number) => featureRow(m, i)[col('funding_rate')];
    const avg = (i: number) => featureRow(m, i)[col('funding_avg_3')];
    expect(rate(0)).toBe(1e-4);
    expect(rate(6)).toBe(1e-4);
    expect(rate(7)).toBe(2e-4); // closes exactly at the settlement
    expect(avg(14)).toBeNaN(); // only two settlements known
    expect(avg(15)).toBeCloseTo(2e-4, 15);
    expect(rate(15 + 24)).toBe(3e-4); // 24 h old: still fresh
    expect(rate(15 + 25)).toBeNaN(); // older than 24 h: stale, not carried forever
  });

  it('encodes time of day and week from the bar close (UTC, Monday = 0)', () => {
    const bars = allocateBarColumns(1);
    bars.openTime[0] = Date.UTC(2024, 0, 1, 5); // Monday 05:00, closes 06:00
    bars.open[0] = bars.high[0] = bars.low[0] = bars.close[0] = 1;
    const row = featureRow(computeFeatures('ohlcv-v1', bars, null, HOUR), 0);
    expect(row[col('hour_sin')]).toBeCloseTo(1, 12); // 06:00 is a quarter day
    expect(row[col('hour_cos')]).toBeCloseTo(0, 12);
    expect(Math.atan2(row[col('dow_sin')], row[col('dow_cos')])).toBeCloseTo((2 * Math.PI * 0.25) / 7, 12);
  });

  it('agrees with the TA package on RSI and ATR (same Wilder seeding)', () => {
    const m = computeFeatures('ohlcv-v1', btc, funding, HOUR);
    const r = rsi(14);
    const a = atr(14);
    for (let i = 0; i < 1_000; i++) {
      const expectedRsi = r.update(barViewAt(btc, i));
      const expectedAtr = a.update(barViewAt(btc, i));
      const row = featureRow(m, i);
      if (i < 14) continue;
      expect(row[col('rsi_14')] * 100).toBeCloseTo(expectedRsi, 9);
      expect(row[col('atr_14')] * btc.close[i]).toBeCloseTo(expectedAtr, 6);
    }
  });

  it('packs float32 rows in feature order for the model', () => {
    const m = computeFeatures('ohlcv-v1', btc, funding, HOUR, 1_000, 1_010);
    const rows = toFloat32Rows(m);
    expect(rows.length).toBe(10 * 27);
    expect(rows[3 * 27 + 5]).toBe(Math.fround(featureRow(m, 3)[5]));
    const picked = toFloat32Rows(m, [9, 2]);
    expect(picked[27 + 4]).toBe(Math.fround(featureRow(m, 2)[4]));
  });

  it('refuses out-of-order bars in the stream and re-reads the last one', () => {
    const stream = new FeatureStream(HOUR);
    const a = new Float64Array(27);
    const b = new Float64Array(27);
    stream.update(btc, 0, null, a);
    stream.update(btc, 1, null, a);
    stream.update(btc, 1, null, b);
    expect(b).toEqual(a);
    expect(() => stream.update(btc, 5, null, a)).toThrow(/out of order/);
  });
});
