/**
 * `iftb train --walk-forward --train 180d --test 30d`: how the training recipe does when it is
 * retrained on a rolling window. Fold k trains on [from + k·test, from + k·test + train) and
 * predicts the next `test` span; each fold's training rows whose label bar reaches into its test
 * span are purged. The folds' predictions are stitched into one out-of-sample series (scored
 * once), then the model to deploy is trained on the last `train` span before `to` — the recipe's
 * next retrain — and registered with the walk-forward results in its manifest.
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError, timeframeMs} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {parseLabel, splitDataset} from '../ml/dataset.js';
import {foldOnnxFile, type ModelManifest, manifestWindow} from '../ml/manifest.js';
import {classificationMetrics, quantile, round} from '../ml/metrics.js';
import {assertParity, xgboostJsonToOnnx} from '../ml/onnx-export.js';
import {OnnxModel} from '../ml/onnx-model.js';
import {sha256Hex} from '../config/index.js';
import {DEFAULT_XGB_PARAMS, type TrainRequest, type TrainResult, trainXgboost, type XgbParams} from '../ml/xgboost/train.js';
import {trainInWorker} from '../ml/xgboost/train-in-worker.js';
import {computeFeatures, featureSet, toFloat32Rows} from '../signals/ml/index.js';
import {FUNDING_LOOKBACK_MS, TrainConfigSchema, type TrainReport, type TrainRunOptions, trainModel} from './train.js';

export type WalkForward = NonNullable<ModelManifest['walkForward']>;

export interface WalkForwardOptions {
  readonly trainMs: number;
  readonly testMs: number;
}

/** Trains the folds' boosters (results in request order): here, or on the workers of a queue (train-queue.ts). */
export type FoldTrainer = (requests: readonly TrainRequest[]) => Promise<TrainResult[]>;

/** One fold after another in this process (XGBoost uses its own threads). */
export function localFoldTrainer(inWorker = true): FoldTrainer {
  return async (requests) => {
    const out: TrainResult[] = [];
    for (const r of requests) out.push(inWorker ? await trainInWorker(r) : trainXgboost(r));
    return out;
  };
}

export async function trainWalkForward(
  store: DuckDbStore,
  rawConfig: unknown,
  windows: WalkForwardOptions,
  options: TrainRunOptions & {readonly foldTrainer?: FoldTrainer} = {},
): Promise<{walkForward: WalkForward; model: TrainReport}> {
  const config = parseConfig(TrainConfigSchema, rawConfig, 'train config');
  const tf = timeframeMs(config.timeframe);
  const {trainMs, testMs} = windows;
  if (!(trainMs >= 10 * tf && testMs >= tf && trainMs % tf === 0 && testMs % tf === 0)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `--train and --test must be whole numbers of ${config.timeframe} bars (train at least 10 bars)`);
  }
  if (config.fromMs + trainMs + testMs > config.toMs) {
    throw new IftbError(ErrorCode.INPUT_INVALID, 'the window is shorter than one fold (--train + --test)');
  }
  const set = featureSet(config.featureSet);
  const label = parseLabel(config.label);
  const params: XgbParams = {...DEFAULT_XGB_PARAMS, ...config.params};
  const key = {exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe};
  const bars = await store.marketData.readBars(key, {fromMs: config.fromMs - set.warmupBars * tf, toMs: config.toMs});
  if (bars.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `no ${config.symbol} ${config.timeframe} candles stored in the window`);
  const stored = set.usesFunding
    ? await store.marketData.readFunding(config.exchange, config.symbol, {fromMs: bars.openTime[0] - FUNDING_LOOKBACK_MS, toMs: bars.openTime[bars.length - 1] + tf + 1})
    : null;
  const matrix = computeFeatures(set.id, bars, stored && stored.length > 0 ? stored : null, tf);
  const width = set.names.length;

  // The folds' splits first, then their training (here, or on the workers of a queue), then the
  // ONNX export and parity check of each here, so every fold model is checked where it is registered.
  const planned: Array<{trainFrom: number; testFrom: number; testTo: number; split: ReturnType<typeof splitDataset>; request: TrainRequest}> = [];
  for (let trainFrom = config.fromMs; trainFrom + trainMs < config.toMs; trainFrom += testMs) {
    const testFrom = trainFrom + trainMs;
    const testTo = Math.min(config.toMs, testFrom + testMs);
    const split = splitDataset({bars, timeframeMs: tf, label, fromMs: trainFrom, toMs: testTo, warmupBars: set.warmupBars, splitMs: testFrom});
    if (split.train.length < 100 || split.validation.length === 0) continue;
    const request: TrainRequest = {
      train: {rows: toFloat32Rows(matrix, split.train), nrow: split.train.length, ncol: width, labels: Float32Array.from(split.train, (i) => split.labels[i])},
      predict: {rows: toFloat32Rows(matrix, split.validation), nrow: split.validation.length, ncol: width},
      params,
      seed: config.seed,
      libraryPath: options.libraryPath,
    };
    planned.push({trainFrom, testFrom, testTo, split, request});
  }
  if (planned.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, 'no walk-forward fold had enough rows (100 training rows and a test row)');
  const trainer = options.foldTrainer ?? localFoldTrainer(options.inWorker !== false);
  const results = await trainer(planned.map((p) => p.request));

  const folds: WalkForward['folds'] = [];
  const foldFiles: Record<string, Uint8Array> = {};
  const pAll: number[] = [];
  const yAll: number[] = [];
  for (const [k, {trainFrom, testFrom, testTo, split, request}] of planned.entries()) {
    const result = results[k];
    const y = Array.from(split.validation, (i) => split.labels[i]);
    const m = classificationMetrics(result.predictions, y, 5);
    // The fold's model, kept for `name@wf` backtests: ONNX checked against XGBoost on the fold's
    // test rows; its score scale from its training rows only.
    const file = foldOnnxFile(folds.length);
    const onnxBytes = xgboostJsonToOnnx(result.modelJson, {featureNames: set.names, metadata: {feature_set: set.id, label: label.definition}});
    const onnx = await OnnxModel.load(onnxBytes, {id: `${config.name}:${file}`, featureSet: set.id, featureNames: set.names});
    let pTrain: Float32Array;
    try {
      assertParity(await onnx.predict(request.predict!.rows, request.predict!.nrow), result.predictions);
      pTrain = await onnx.predict(request.train.rows, request.train.nrow);
    } finally {
      await onnx.release();
    }
    const q90 = quantile(Float64Array.from(pTrain, (p) => Math.abs(2 * p - 1)), 0.9);
    foldFiles[file] = onnxBytes;
    folds.push({
      train: {...manifestWindow(trainFrom, testFrom), rows: split.train.length},
      test: {...manifestWindow(testFrom, testTo), rows: split.validation.length},
      auc: m.auc,
      logLoss: m.logLoss,
      accuracy: m.accuracy,
      model: {file, sha256: sha256Hex(onnxBytes), scoreScale: round(q90 > 0 && q90 < 1 ? q90 : 1, 4)},
    });
    pAll.push(...result.predictions);
    yAll.push(...y);
  }
  const walkForward: WalkForward = {trainBars: trainMs / tf, testBars: testMs / tf, folds, outOfSample: classificationMetrics(pAll, yAll)};
  const model = await trainModel(store, {...rawConfigOf(config), fromMs: config.toMs - trainMs, toMs: config.toMs}, {...options, walkForward, extraFiles: foldFiles});
  return {walkForward, model};
}

/** The parsed config back as input (trainModel parses again). */
function rawConfigOf(config: ReturnType<typeof TrainConfigSchema.parse>): Record<string, unknown> {
  return {...config, params: {...config.params}};
}
