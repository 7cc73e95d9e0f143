/**
 * `iftb train`: candles → ohlcv-v1 features → labels and a purged time split → XGBoost (in a
 * worker thread) → ONNX export → parity check (onnxruntime vs XGBoost on every validation row,
 * refused at ≥ 1e-5) → metrics → models/<name>/<version>/ with its manifest.
 */
import {z} from 'zod';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {DEFAULT_EXCHANGE, ErrorCode, IftbError, TIMEFRAMES, timeframeMs} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {parseLabel, splitDataset} from '../ml/dataset.js';
import {manifestWindow, MODEL_ONNX, MODEL_XGB_JSON, type ModelManifest} from '../ml/manifest.js';
import {classificationMetrics, quantile, round} from '../ml/metrics.js';
import {assertParity, ONNX_INPUT, ONNX_IR_VERSION, ONNX_ML_OPSET, ONNX_OPSET, ONNX_OUTPUT, readXgboostJson, xgboostJsonToOnnx} from '../ml/onnx-export.js';
import {OnnxModel} from '../ml/onnx-model.js';
import {openRegistry} from './models.js';
import {DEFAULT_XGB_PARAMS, FIXED_XGB_PARAMS, type TrainRequest, type TrainResult, trainXgboost, type XgbParams} from '../ml/xgboost/train.js';
import {trainInWorker} from '../ml/xgboost/train-in-worker.js';
import {computeFeatures, featureSet, toFloat32Rows} from '../signals/ml/index.js';
import {dataHash} from './data-hash.js';


/** Funding settlements read before the first bar, so its funding features are defined. */
export const FUNDING_LOOKBACK_MS = 3 * 86_400_000;

const ParamsSchema = z
  .object({
    max_depth: z.number().int().min(1).max(12),
    eta: z.number().positive().max(1),
    subsample: z.number().positive().max(1),
    colsample_bytree: z.number().positive().max(1),
    min_child_weight: z.number().min(0),
    lambda: z.number().min(0),
    alpha: z.number().min(0),
    gamma: z.number().min(0),
    rounds: z.number().int().min(1).max(5_000),
  })
  .partial()
  .strict();

export const TrainConfigSchema = z
  .object({
    name: z.string().min(1),
    featureSet: z.string().default('ohlcv-v1'),
    label: z.string().default('sign(return, 12 bars)'),
    exchange: z.string().default(DEFAULT_EXCHANGE),
    symbol: z.string().default('BTC/USDT:USDT'),
    timeframe: z.enum(TIMEFRAMES).default('1h'),
    fromMs: z.number().int(),
    toMs: z.number().int(),
    params: ParamsSchema.default({}),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    version: z.string().optional(),
    validationFraction: z.number().gt(0).lt(1).default(0.2),
  })
  .strict()
  .refine((c) => c.fromMs < c.toMs, {message: 'from must be before to'});

export type TrainConfig = z.output<typeof TrainConfigSchema>;

export interface TrainRunOptions {
  readonly modelsDir?: string;
  /** Train in a worker thread (default) or in this one (benchmarks, debugging). */
  readonly inWorker?: boolean;
  readonly now?: () => Date;
  readonly libraryPath?: string;
  /** Recorded in the manifest (iftb train --walk-forward). */
  readonly walkForward?: ModelManifest['walkForward'];
  /** More files for the version folder (walk-forward fold models), listed with their sha256 in the manifest. */
  readonly extraFiles?: Readonly<Record<string, Uint8Array>>;
}

export interface TrainReport {
  readonly manifest: ModelManifest;
  readonly dir: string;
  readonly timings: {readonly featuresMs: number; readonly trainMs: number; readonly exportMs: number; readonly totalMs: number};
}

export async function trainModel(store: DuckDbStore, rawConfig: unknown, options: TrainRunOptions = {}): Promise<TrainReport> {
  const started = performance.now();
  const config = parseConfig(TrainConfigSchema, rawConfig, 'train config');
  const registry = openRegistry(options.modelsDir);
  const version = config.version ?? registry.nextVersion(config.name);
  if (registry.versions(config.name).includes(version)) {
    throw new IftbError(ErrorCode.DATA_CONFLICT, `model ${config.name}@${version} already exists; versions are never overwritten`);
  }
  const set = featureSet(config.featureSet);
  const label = parseLabel(config.label);
  const params: XgbParams = {...DEFAULT_XGB_PARAMS, ...config.params};
  const tf = timeframeMs(config.timeframe);

  const key = {exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe};
  const bars = await store.marketData.readBars(key, {fromMs: config.fromMs - set.warmupBars * tf, toMs: config.toMs});
  if (bars.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `no ${config.symbol} ${config.timeframe} candles stored in the training window`);
  const lastClose = bars.openTime[bars.length - 1] + tf;
  const stored = set.usesFunding
    ? await store.marketData.readFunding(config.exchange, config.symbol, {fromMs: bars.openTime[0] - FUNDING_LOOKBACK_MS, toMs: lastClose + 1})
    : null;
  const funding = stored && stored.length > 0 ? stored : null;

  const t0 = performance.now();
  const matrix = computeFeatures(set.id, bars, funding, tf);
  const split = splitDataset({
    bars, timeframeMs: tf, label, fromMs: config.fromMs, toMs: config.toMs, warmupBars: set.warmupBars, validationFraction: config.validationFraction,
  });
  if (split.train.length < 100 || split.validation.length < 20) {
    throw new IftbError(
      ErrorCode.DATA_MISSING,
      `too few rows to train on: ${split.train.length} training, ${split.validation.length} validation (the window needs ${set.warmupBars} warm-up bars before it and ${label.horizonBars} after each row)`,
    );
  }
  const width = set.names.length;
  const xTrain = toFloat32Rows(matrix, split.train);
  const xValid = toFloat32Rows(matrix, split.validation);
  const yTrain = Float32Array.from(split.train, (i) => split.labels[i]);
  const yValid = Float32Array.from(split.validation, (i) => split.labels[i]);
  const featuresMs = performance.now() - t0;

  const request: TrainRequest = {
    train: {rows: xTrain, nrow: split.train.length, ncol: width, labels: yTrain},
    predict: {rows: xValid, nrow: split.validation.length, ncol: width},
    params,
    seed: config.seed,
    libraryPath: options.libraryPath,
  };
  const result: TrainResult = options.inWorker === false ? trainXgboost(request) : await trainInWorker(request);

  const t1 = performance.now();
  const onnxBytes = xgboostJsonToOnnx(result.modelJson, {featureNames: set.names, metadata: {feature_set: set.id, label: label.definition}});
  const onnx = await OnnxModel.load(onnxBytes, {id: `${config.name}@${version}`, featureSet: set.id, featureNames: set.names});
  const pValid = await onnx.predict(xValid, split.validation.length);
  const pTrain = await onnx.predict(xTrain, split.train.length);
  await onnx.release();
  const maxDiff = assertParity(pValid, result.predictions);
  const exportMs = performance.now() - t1;

  const booster = readXgboostJson(result.modelJson).summary;
  const absEdge = Float64Array.from(pValid, (p) => Math.abs(2 * p - 1));
  const q90 = quantile(absEdge, 0.9);
  const scoreScale = round(q90 > 0 && q90 < 1 ? q90 : 1, 4);
  const first = bars.openTime[0];
  const trainFrom = Math.max(config.fromMs, first);
  const validTo = Math.min(config.toMs, lastClose);
  const manifest = registry.write(
    config.name,
    version,
    {...options.extraFiles, [MODEL_ONNX]: onnxBytes, [MODEL_XGB_JSON]: result.modelJson},
    {
      schema: 'iftb.model/1',
      name: config.name,
      version,
      kind: 'xgboost-binary-logistic',
      features: {set: set.id, names: [...set.names], warmupBars: set.warmupBars},
      label,
      market: key,
      windows: {
        loaded: manifestWindow(first, lastClose),
        train: {...manifestWindow(trainFrom, split.splitMs), rows: split.train.length, purged: split.purged},
        validation: {...manifestWindow(split.splitMs, validTo), rows: split.validation.length},
        purgeBars: label.horizonBars,
      },
      params: {...params, ...FIXED_XGB_PARAMS},
      seed: config.seed,
      trainer: {library: 'xgboost', version: result.xgboostVersion, trees: booster.trees, nodes: booster.nodes, leaves: booster.leaves},
      onnx: {
        irVersion: ONNX_IR_VERSION, opset: ONNX_OPSET, mlOpset: ONNX_ML_OPSET, input: ONNX_INPUT, output: ONNX_OUTPUT,
        parityRows: pValid.length, parityMaxAbsDiff: maxDiff,
      },
      serving: {scoreScale, rule: 'score = clamp((2p − 1) / scoreScale, −1, 1), confidence = |score|; scoreScale = 90th percentile of |2p − 1| on validation'},
      metrics: {validation: classificationMetrics(pValid, yValid), train: classificationMetrics(pTrain, yTrain)},
      ...(options.walkForward ? {walkForward: options.walkForward} : {}),
      dataHash: dataHash(bars, null, funding),
      createdAt: (options.now?.() ?? new Date()).toISOString(),
    },
  );
  return {
    manifest,
    dir: `${registry.root}/${config.name}/${version}`,
    timings: {featuresMs, trainMs: result.trainMs, exportMs, totalMs: performance.now() - started},
  };
}
