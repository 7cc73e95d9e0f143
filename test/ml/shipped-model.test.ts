import {barViewAt} from '../../src/core/index.js';
/** The model shipped in models/: intact, pinned, out of sample for 2024-07 on, and served causally. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {defaultModelsDir, openRegistry} from '../../src/app/models.js';
import {createStrategyKit, mlModelOf} from '../../src/app/strategy-kit.js';
import type {Analyzer, BarColumns, SignalSlot} from '../../src/core/index.js';
import {OnnxModel, predictXgboostJson} from '../../src/ml/index.js';
import {computeFeatures, toFloat32Rows} from '../../src/signals/ml/index.js';
import {loadFunding} from '../signals/ml/real-funding.js';
import {loadCandles} from '../signals/ta/real-candles.js';

const HOUR = 3_600_000;

function head(bars: BarColumns, n: number): BarColumns {
  return {
    length: n, openTime: bars.openTime.subarray(0, n), open: bars.open.subarray(0, n), high: bars.high.subarray(0, n),
    low: bars.low.subarray(0, n), close: bars.close.subarray(0, n), volume: bars.volume.subarray(0, n),
  };
}

function readings(a: Analyzer, bars: BarColumns): SignalSlot[] {
  return Array.from({length: bars.length}, (_, i) => {
    const slot = {score: NaN, confidence: NaN, active: true};
    a.update(barViewAt(bars, i), slot);
    return slot;
  });
}

describe('the shipped xgb-dir model', () => {
  const registry = openRegistry(defaultModelsDir());
  // Real candles from mid-2024 (the first 500 are the features' warm-up).
  const bars = loadCandles('btcusdt_perp_1h.csv.gz', 42_000, 3_000);
  const funding = loadFunding('btcusdt_perp_funding.csv.gz');

  it('verifies, is pinned live, and was trained before 2024-07-01', () => {
    expect(registry.verify().every((r) => r.ok)).toBe(true);
    const live = registry.load('xgb-dir@live');
    const m = live.manifest;
    expect(m).toMatchObject({name: 'xgb-dir', features: {set: 'ohlcv-v1'}, label: {definition: 'sign(return, 12 bars)'}, market: {symbol: 'BTC/USDT:USDT', timeframe: '1h'}});
    expect(m.windows.train.fromMs).toBe(Date.UTC(2022, 0, 1));
    expect(m.windows.validation.toMs).toBe(Date.UTC(2024, 6, 1));
    expect(m.onnx.parityMaxAbsDiff).toBeLessThan(1e-5);
    expect(m.trainer.trees).toBeLessThanOrEqual(200);
    const bytes = Object.values(m.files).reduce((s, f) => s + f.bytes, 0);
    expect(bytes).toBeLessThan(400 * 1024);
  });

  it('agrees with XGBoost within 1e-5 on real feature rows (needs libxgboost)', async () => {
    const live = registry.load('xgb-dir@live');
    const matrix = computeFeatures('ohlcv-v1', bars, funding, HOUR, 500, bars.length);
    const rows = toFloat32Rows(matrix);
    const onnx = await OnnxModel.load(live.onnx, {id: live.id, featureSet: 'ohlcv-v1', featureNames: live.manifest.features.names});
    const p = await onnx.predict(rows, matrix.rows);
    const xgb = predictXgboostJson(readFileSync(join(live.dir, 'model.xgb.json')), {rows, nrow: matrix.rows, ncol: matrix.names.length});
    let max = 0;
    for (let r = 0; r < matrix.rows; r++) max = Math.max(max, Math.abs(p[r] - xgb[r]));
    expect(max).toBeLessThan(1e-5);
    await onnx.release();
  });

  it('serves through kit.ml.model: batched equals bar by bar, and readings at t ignore later bars', async () => {
    const kit = createStrategyKit();
    const batched = kit.ml.model('xgb-dir@live');
    expect(batched.id).toBe('ml.xgb-dir@1');
    expect(mlModelOf(batched)).toMatchObject({ref: 'xgb-dir@live', model: 'xgb-dir@1', channel: 'live'});
    const context = {timeframeMs: HOUR, funding};
    await batched.prepare!(bars, 0, bars.length, context);
    const all = readings(batched, bars);
    expect(all.slice(600).every((s) => s.active)).toBe(true);

    const live = kit.ml.model('xgb-dir@live');
    await live.prepare!(head(bars, 900), 0, 900, context);
    for (let i = 900; i < 1_100; i++) await live.prepare!(head(bars, i + 1), i, i + 1, context);
    expect(readings(live, head(bars, 1_100))).toEqual(all.slice(0, 1_100));

    const truncated = kit.ml.model('xgb-dir@live');
    await truncated.prepare!(head(bars, 1_500), 0, 1_500, context);
    expect(readings(truncated, head(bars, 1_500))).toEqual(all.slice(0, 1_500));
  });
});
