import {barViewAt} from '../../../src/core/index.js';
import {describe, expect, it} from 'vitest';
import type {BarColumns, FundingSeries, ProbabilityModel, SignalSlot} from '../../../src/core/index.js';
import {createModelAnalyzer, OHLCV_V1} from '../../../src/signals/ml/index.js';
import {loadCandles} from '../ta/real-candles.js';
import {loadFunding} from './real-funding.js';

const HOUR = 3_600_000;
const W = OHLCV_V1.names.length;

/** A deterministic stand-in for the ONNX model: p = σ(40·ret_1 + 3·(rsi − 0.5) + 5000·funding). */
function fakeModel(): ProbabilityModel & {calls: number[]} {
  const calls: number[] = [];
  return {
    id: 'fake@1',
    featureSet: OHLCV_V1.id,
    featureNames: OHLCV_V1.names,
    calls,
    async predict(rows, n) {
      calls.push(n);
      const out = new Float32Array(n);
      for (let r = 0; r < n; r++) {
        const x = rows[r * W] * 40 + (rows[r * W + 12] - 0.5) * 3 + rows[r * W + 21] * 5_000;
        out[r] = 1 / (1 + Math.exp(-x));
      }
      return out;
    },
  };
}

function analyzer(model = fakeModel(), scoreScale = 1) {
  return createModelAnalyzer({
    id: 'ml.fake@1', featureSet: OHLCV_V1.id, featureNames: OHLCV_V1.names, timeframeMs: HOUR, scoreScale, load: async () => model,
  });
}

/** The first n bars as views: reading past them is impossible. */
function head(bars: BarColumns, n: number): BarColumns {
  return {
    length: n, openTime: bars.openTime.subarray(0, n), open: bars.open.subarray(0, n), high: bars.high.subarray(0, n),
    low: bars.low.subarray(0, n), close: bars.close.subarray(0, n), volume: bars.volume.subarray(0, n),
  };
}

function readings(a: ReturnType<typeof analyzer>, bars: BarColumns, n = bars.length): SignalSlot[] {
  const out: SignalSlot[] = [];
  for (let i = 0; i < n; i++) {
    const slot = {score: NaN, confidence: NaN, active: true};
    a.update(barViewAt(bars, i), slot);
    out.push(slot);
  }
  return out;
}

describe('ML analyzer', () => {
  const bars = loadCandles('btcusdt_perp_1h.csv.gz', 30_000, 1_400);
  const funding: FundingSeries = loadFunding('btcusdt_perp_funding.csv.gz');
  const context = {timeframeMs: HOUR, funding};

  it('runs the model once over the whole range and reads it per bar: score = 2p − 1, confidence = |score|', async () => {
    const model = fakeModel();
    const a = analyzer(model);
    expect(a).toMatchObject({id: 'ml.fake@1', source: 'ml', warmupBars: 500, usesFunding: true});
    await a.prepare!(bars, 0, bars.length, context);
    expect(model.calls).toEqual([bars.length - 500]);
    const r = readings(a, bars);
    expect(r.slice(0, 500).every((s) => !s.active && s.score === 0 && s.confidence === 0)).toBe(true);
    expect(r.slice(500).every((s) => s.active)).toBe(true);
    const p = a.probabilities[900];
    expect(r[900].score).toBeCloseTo(2 * p - 1, 12);
    expect(r[900].confidence).toBeCloseTo(Math.abs(2 * p - 1), 12);
  });

  it('scales the reading by the manifest’s score scale and clamps it to ±1', async () => {
    const a = analyzer(fakeModel(), 0.05);
    await a.prepare!(bars, 0, bars.length, context);
    const r = readings(a, bars);
    for (let i = 500; i < bars.length; i++) {
      const expected = Math.max(-1, Math.min(1, (2 * a.probabilities[i] - 1) / 0.05));
      expect(r[i].score).toBeCloseTo(expected, 12);
      expect(r[i].confidence).toBe(Math.abs(r[i].score));
    }
    expect(r.some((s) => Math.abs(s.score) === 1)).toBe(true);
  });

  it('gives the same probabilities batched (backtest) and bar by bar (live)', async () => {
    const batched = analyzer();
    await batched.prepare!(bars, 0, bars.length, context);
    const live = analyzer();
    await live.prepare!(head(bars, 700), 0, 700, context);
    for (let i = 700; i < bars.length; i++) await live.prepare!(head(bars, i + 1), i, i + 1, context);
    for (let i = 0; i < bars.length; i++) expect(Object.is(live.probabilities[i], batched.probabilities[i]), `bar ${i}`).toBe(true);
  });

  it('after a model swap re-scores the bars prepared but not read yet with the new model, the earlier ones keeping theirs', async () => {
    const inverted: ProbabilityModel = {...fakeModel(), id: 'fake@2', async predict(rows, n) {
      const p = await fakeModel().predict(rows, n);
      return p.map((x) => 1 - x);
    }};
    const before = analyzer();
    await before.prepare!(bars, 0, bars.length, context);
    const old = Float64Array.from(before.probabilities.subarray(0, bars.length));
    // A restart held bars up to the end; the swap applies from bar 900 (the first not yet stepped).
    before.replaceModel(inverted, 1);
    await before.prepare!(bars, 900, bars.length, context);
    const expected = await (async () => {
      const b = analyzer(inverted as ReturnType<typeof fakeModel>);
      await b.prepare!(bars, 0, bars.length, context);
      return b.probabilities;
    })();
    for (let i = 0; i < bars.length; i++) {
      const want = i < 900 ? old[i] : expected[i];
      expect(Object.is(before.probabilities[i], want), `bar ${i}`).toBe(true);
    }
    expect(before.probabilities[950]).not.toBe(old[950]);
  });

  it('is causal: readings at t do not change when later bars are removed', async () => {
    const full = analyzer();
    await full.prepare!(bars, 0, bars.length, context);
    const fullReadings = readings(full, bars);
    for (const cut of [501, 777, 1_200]) {
      const part = analyzer();
      await part.prepare!(head(bars, cut), 0, cut, context);
      expect(readings(part, head(bars, cut))).toEqual(fullReadings.slice(0, cut));
    }
  });

  it('abstains on rows with a missing feature: stale funding in a gap of the funding history', async () => {
    // Drop the settlements of a 3-day stretch: bars more than 24 h after the last one abstain.
    const cut = bars.openTime[1_000];
    const keep = Array.from({length: funding.length}, (_, k) => k).filter((k) => funding.time[k] < cut || funding.time[k] > cut + 3 * 86_400_000);
    const gappy: FundingSeries = {
      ...funding, length: keep.length, time: Float64Array.from(keep, (k) => funding.time[k]), rate: Float64Array.from(keep, (k) => funding.rate[k]),
      markPrice: Float64Array.from(keep, (k) => funding.markPrice[k]),
    };
    const a = analyzer();
    await a.prepare!(bars, 0, bars.length, {timeframeMs: HOUR, funding: gappy});
    const r = readings(a, bars);
    expect(r[1_000 - 1].active).toBe(true);
    expect(r[1_000 + 30].active).toBe(false);
    expect(r[1_000 + 80].active).toBe(true);
    expect(a.unavailable).toBeUndefined();
  });

  it('abstains, saying why, when no funding rates are stored', async () => {
    const model = fakeModel();
    const a = analyzer(model);
    await a.prepare!(bars, 0, bars.length, {timeframeMs: HOUR, funding: null});
    expect(readings(a, bars).some((s) => s.active)).toBe(false);
    expect(a.unavailable).toMatch(/no funding rates stored/);
    expect(model.calls).toEqual([]);
  });

  it('abstains, saying why, on a timeframe the model was not trained for', async () => {
    const model = fakeModel();
    const a = analyzer(model);
    await a.prepare!(bars, 0, bars.length, {timeframeMs: 4 * HOUR, funding});
    expect(a.unavailable).toMatch(/trained on 60m bars, not 240m/);
    expect(model.calls).toEqual([]);
    expect(readings(a, bars).some((s) => s.active)).toBe(false);
  });

  it('refuses a model whose features do not match the feature set', () => {
    expect(() => createModelAnalyzer({id: 'x', featureSet: 'ohlcv-v1', featureNames: ['a'], timeframeMs: HOUR, load: async () => fakeModel()})).toThrow(
      /do not match feature set ohlcv-v1/,
    );
  });
});
