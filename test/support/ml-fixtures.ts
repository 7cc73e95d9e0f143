/** Synthetic training rows and registry entries for the ML tests. */
import {MODEL_ONNX, MODEL_XGB_JSON, type ModelManifest, manifestWindow} from '../../src/ml/manifest.js';
import type {ModelRegistry} from '../../src/ml/registry.js';
import {OHLCV_V1} from '../../src/signals/ml/index.js';

export interface SyntheticRows {
  readonly rows: Float32Array;
  readonly labels: Float32Array;
  readonly nrow: number;
  readonly ncol: number;
}

/**
 * Rows whose label depends on a few features through thresholds, with `nanRate` of the values
 * missing, values sitting exactly on round thresholds, and repeated values (ties).
 */
export function syntheticRows(nrow: number, ncol: number, seed = 1, nanRate = 0.05): SyntheticRows {
  let s = seed;
  const rnd = () => ((s = (s * 16_807) % 2_147_483_647) / 2_147_483_647);
  const rows = new Float32Array(nrow * ncol);
  const labels = new Float32Array(nrow);
  for (let r = 0; r < nrow; r++) {
    for (let k = 0; k < ncol; k++) {
      const u = rnd();
      rows[r * ncol + k] = u < nanRate ? NaN : k % 3 === 0 ? Math.round(rnd() * 8) / 4 : (rnd() - 0.5) * 10 ** ((k % 4) - 2);
    }
    const a = rows[r * ncol], b = rows[r * ncol + 1];
    const signal = (Number.isNaN(a) ? 0.7 : a > 1 ? 1 : 0) + (Number.isNaN(b) ? 0 : b * 20);
    labels[r] = signal + (rnd() - 0.5) * 1.5 > 0.8 ? 1 : 0;
  }
  return {rows, labels, nrow, ncol};
}

/** A complete manifest for files written by hand (registry tests). */
export function fixtureManifest(name: string, version: string, overrides: Partial<ModelManifest> = {}): Omit<ModelManifest, 'files'> {
  const train = manifestWindow(Date.UTC(2023, 0, 1), Date.UTC(2023, 9, 1));
  const validation = manifestWindow(Date.UTC(2023, 9, 1), Date.UTC(2024, 0, 1));
  const metrics = {rows: 10, positiveRate: 0.5, auc: 0.5, logLoss: 0.69, accuracy: 0.5, brier: 0.25, calibration: []};
  return {
    schema: 'iftb.model/1',
    name,
    version,
    kind: 'xgboost-binary-logistic',
    features: {set: OHLCV_V1.id, names: [...OHLCV_V1.names], warmupBars: OHLCV_V1.warmupBars},
    label: {definition: 'sign(return, 12 bars)', kind: 'sign-return', horizonBars: 12, rule: 'test'},
    market: {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'},
    windows: {
      loaded: manifestWindow(Date.UTC(2022, 11, 1), Date.UTC(2024, 0, 1)),
      train: {...train, rows: 100, purged: 12},
      validation: {...validation, rows: 20},
      purgeBars: 12,
    },
    params: {max_depth: 2},
    seed: 1,
    trainer: {library: 'xgboost', version: '1.7.4', trees: 1, nodes: 3, leaves: 2},
    onnx: {irVersion: 8, opset: 17, mlOpset: 3, input: 'features', output: 'probability', parityRows: 20, parityMaxAbsDiff: 0},
    serving: {scoreScale: 1, rule: 'test'},
    metrics: {validation: metrics, train: metrics},
    dataHash: 'd'.repeat(64),
    createdAt: '2024-01-02T00:00:00.000Z',
    ...overrides,
  };
}

/** Writes a version with placeholder bytes (the registry only checks hashes). */
export function writeFixtureVersion(registry: ModelRegistry, name: string, version: string, onnx = `onnx ${name}@${version}`): ModelManifest {
  const enc = new TextEncoder();
  return registry.write(name, version, {[MODEL_ONNX]: enc.encode(onnx), [MODEL_XGB_JSON]: enc.encode('{}')}, fixtureManifest(name, version));
}
