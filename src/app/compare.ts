/**
 * `iftb compare --a NAME@V1 --b NAME@V2`: both models on the same rows of a window (by default the
 * bars after both models' windows, so neither has seen them): classification metrics, a paired
 * test of which rows each calls right (the EWC HAR test: labels over h bars overlap, so McNemar's
 * independence does not hold), and bootstrap confidence intervals of the Sharpe ratios of
 * following each model's sign for one bar (before costs).
 */
import {z} from 'zod';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {DEFAULT_EXCHANGE, ErrorCode, IftbError, TIMEFRAMES, type Timeframe, timeframeMs} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {compareSharpe, hitsOf, type PairedHitTest, pairedHitTest, type SharpeComparison, signReturns} from '../ml/compare.js';
import {type ModelManifest, modelWindow} from '../ml/manifest.js';
import {classificationMetrics, type ClassificationMetrics} from '../ml/metrics.js';
import {OnnxModel} from '../ml/onnx-model.js';
import type {LoadedModel} from '../ml/registry.js';
import {computeFeatures, type FeatureMatrix} from '../signals/ml/index.js';
import {openRegistry} from './models.js';
import {FUNDING_LOOKBACK_MS} from './train.js';

const YEAR_MS = 365 * 86_400_000;

export const CompareConfigSchema = z
  .object({
    a: z.string().min(1),
    b: z.string().min(1),
    exchange: z.string().default(DEFAULT_EXCHANGE),
    symbol: z.string().optional(),
    timeframe: z.enum(TIMEFRAMES).optional(),
    fromMs: z.number().int().optional(),
    toMs: z.number().int().optional(),
    resamples: z.number().int().min(100).max(100_000).default(2_000),
    blockBars: z.number().int().min(1).default(24),
    seed: z.number().int().default(1),
  })
  .strict();

export interface CompareSide {
  readonly ref: string;
  readonly model: string;
  readonly onnxSha256: string;
  /** The window overlaps this model's training or validation window. */
  readonly inSample: boolean;
  readonly metrics: ClassificationMetrics;
}

export interface ModelComparison {
  readonly market: {readonly exchange: string; readonly symbol: string; readonly timeframe: string};
  readonly label: string;
  readonly window: {readonly fromMs: number; readonly toMs: number; readonly from: string; readonly to: string; readonly rows: number};
  readonly a: CompareSide;
  readonly b: CompareSide;
  /** Which rows each model calls right (p > 0.5 vs the label), tested allowing for the labels' overlap. */
  readonly hits: PairedHitTest;
  /** Sharpe of sign(2p − 1) × next-bar return, annualised, before costs. */
  readonly sharpe: SharpeComparison;
}

export async function compareModels(store: DuckDbStore, raw: unknown, options: {modelsDir?: string} = {}): Promise<ModelComparison> {
  const config = parseConfig(CompareConfigSchema, raw, 'compare config');
  const registry = openRegistry(options.modelsDir);
  const a = registry.load(config.a);
  const b = registry.load(config.b);
  const ma = a.manifest, mb = b.manifest;
  if (ma.label.definition !== mb.label.definition) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${a.id} predicts ${ma.label.definition}, ${b.id} predicts ${mb.label.definition}: compare models of the same label`);
  }
  const scored = await scoreOnWindow(store, [a, b], {
    exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe as Timeframe | undefined,
    fromMs: config.fromMs ?? Math.max(modelWindow(ma).toMs, modelWindow(mb).toMs), toMs: config.toMs,
  });
  const {key, labels, next, tf, horizonBars: h, windowFrom, windowTo} = scored;
  const [pa, pb] = scored.p;
  const side = (ref: string, model: LoadedModel, p: Float32Array): CompareSide => {
    const w = modelWindow(model.manifest);
    return {
      ref, model: model.id, onnxSha256: model.manifest.files['model.onnx'].sha256, inSample: windowFrom < w.toMs && w.fromMs < windowTo,
      metrics: classificationMetrics(p, labels),
    };
  };
  return {
    market: key,
    label: ma.label.definition,
    window: {fromMs: windowFrom, toMs: windowTo, from: new Date(windowFrom).toISOString(), to: new Date(windowTo).toISOString(), rows: labels.length},
    a: side(config.a, a, pa),
    b: side(config.b, b, pb),
    hits: pairedHitTest(hitsOf(pa, labels), hitsOf(pb, labels), h),
    sharpe: compareSharpe(signReturns(pa, next), signReturns(pb, next), YEAR_MS / tf, {resamples: config.resamples, blockBars: config.blockBars, seed: config.seed}),
  };
}

/** Models of one label scored on the same rows of a window: every row with all features and a known label. */
export interface ScoredWindow {
  readonly key: {readonly exchange: string; readonly symbol: string; readonly timeframe: Timeframe};
  readonly tf: number;
  readonly horizonBars: number;
  /** Open time of the first row and close of the last. */
  readonly windowFrom: number;
  readonly windowTo: number;
  /** P(up) per model, in the order given. */
  readonly p: readonly Float32Array[];
  /** 1 if close[t+h] > close[t]. */
  readonly labels: Float64Array;
  /** close[t+1] / close[t] − 1. */
  readonly next: Float64Array;
}

export async function scoreOnWindow(
  store: DuckDbStore,
  models: readonly LoadedModel[],
  options: {readonly exchange: string; readonly symbol?: string; readonly timeframe?: Timeframe; readonly fromMs: number; readonly toMs?: number; readonly minRows?: number},
): Promise<ScoredWindow> {
  const first = models[0].manifest;
  const timeframe = (options.timeframe ?? first.market.timeframe) as Timeframe;
  for (const m of models.map((x) => x.manifest)) {
    if (m.market.timeframe !== timeframe) throw new IftbError(ErrorCode.INPUT_INVALID, `${m.name}@${m.version} was trained on ${m.market.timeframe} bars, not ${timeframe}`);
  }
  const symbol = options.symbol ?? first.market.symbol;
  const tf = timeframeMs(timeframe);
  const h = first.label.horizonBars;
  const fromMs = options.fromMs;
  const toMs = options.toMs ?? Number.MAX_SAFE_INTEGER;
  const warmup = Math.max(...models.map((x) => x.manifest.features.warmupBars));
  const key = {exchange: options.exchange, symbol, timeframe};
  const bars = await store.marketData.readBars(key, {fromMs: fromMs - warmup * tf, toMs});
  if (bars.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `no ${symbol} ${timeframe} candles stored from ${new Date(fromMs).toISOString()}`);
  const rates = await store.marketData.readFunding(options.exchange, symbol, {fromMs: bars.openTime[0] - FUNDING_LOOKBACK_MS, toMs: bars.openTime[bars.length - 1] + tf + 1});
  const funding = rates.length > 0 ? rates : null;

  const matrices = new Map<string, FeatureMatrix>();
  for (const set of new Set(models.map((x) => x.manifest.features.set))) matrices.set(set, computeFeatures(set, bars, funding, tf));
  const complete = (m: ModelManifest, i: number) => {
    const x = matrices.get(m.features.set)!;
    for (let k = 0; k < m.features.names.length; k++) if (Number.isNaN(x.data[k * x.rows + i])) return false;
    return true;
  };
  const rows: number[] = [];
  for (let i = warmup; i + h < bars.length; i++) if (bars.openTime[i] >= fromMs && models.every((x) => complete(x.manifest, i))) rows.push(i);
  const minRows = options.minRows ?? 30;
  if (rows.length < minRows) throw new IftbError(ErrorCode.DATA_MISSING, `only ${rows.length} rows with known labels in the window; compare needs at least ${minRows}`);

  const p = await Promise.all(models.map((x) => predict(x, matrices.get(x.manifest.features.set)!, rows)));
  return {
    key, tf, horizonBars: h, p,
    labels: Float64Array.from(rows, (i) => (bars.close[i + h] > bars.close[i] ? 1 : 0)),
    next: Float64Array.from(rows, (i) => bars.close[i + 1] / bars.close[i] - 1),
    windowFrom: bars.openTime[rows[0]],
    windowTo: bars.openTime[rows[rows.length - 1]] + tf,
  };
}

async function predict(model: LoadedModel, matrix: FeatureMatrix, rows: readonly number[]): Promise<Float32Array> {
  const m = model.manifest;
  const width = m.features.names.length;
  const packed = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) for (let k = 0; k < width; k++) packed[r * width + k] = matrix.data[k * matrix.rows + rows[r]];
  const onnx = await OnnxModel.load(model.onnx, {id: model.id, featureSet: m.features.set, featureNames: m.features.names});
  try {
    return await onnx.predict(packed, rows.length);
  } finally {
    await onnx.release();
  }
}
