/**
 * Gradient-boosted trees with the real XGBoost library: a binary:logistic booster trained on
 * float32 rows (NaN = missing), serialised to XGBoost's JSON model format. The same rows, labels,
 * params and seed give the same model bytes (hist, fixed nthread, fixed seed).
 */
import {ErrorCode, IftbError} from '../../core/index.js';
import {loadXgboost, type XgbApi} from './native.js';

/** Hyper-parameters a user may set (`iftb train --params`); the rest are fixed below. */
export interface XgbParams {
  readonly max_depth: number;
  readonly eta: number;
  readonly subsample: number;
  readonly colsample_bytree: number;
  readonly min_child_weight: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly gamma: number;
  /** Boosting rounds = trees. */
  readonly rounds: number;
}

/**
 * Defaults for noisy market labels: shallow trees, a slow learning rate and a large minimum
 * hessian per leaf (≈ 400 rows at p ≈ 0.5) keep the booster from memorising overlapping labels.
 */
export const DEFAULT_XGB_PARAMS: XgbParams = Object.freeze({
  max_depth: 4,
  eta: 0.03,
  subsample: 0.8,
  colsample_bytree: 0.8,
  min_child_weight: 100,
  lambda: 1,
  alpha: 0,
  gamma: 0,
  rounds: 150,
});

/** Fixed for every model: the objective the ONNX export understands, and determinism. */
export const FIXED_XGB_PARAMS = Object.freeze({objective: 'binary:logistic', tree_method: 'hist', nthread: 2, base_score: 0.5});

export interface XgbMatrix {
  /** Row-major float32, NaN = missing. */
  readonly rows: Float32Array;
  readonly nrow: number;
  readonly ncol: number;
  /** 0/1 labels, one per row. */
  readonly labels: Float32Array;
}

export interface TrainRequest {
  readonly train: XgbMatrix;
  /** Rows to predict with the trained booster (validation; the ONNX parity check compares them). */
  readonly predict?: Omit<XgbMatrix, 'labels'>;
  readonly params: XgbParams;
  readonly seed: number;
  /** Path of libxgboost (default: search the usual places, then $IFTB_XGBOOST_LIB). */
  readonly libraryPath?: string;
}

export interface TrainResult {
  /** The model in XGBoost's JSON format (XGBoosterSaveModelToBuffer, {"format":"json"}). */
  readonly modelJson: Uint8Array;
  /** The booster's full configuration (XGBoosterSaveJsonConfig). */
  readonly config: string;
  /** P(label = 1) from XGBoost itself for `predict` rows (empty without them). */
  readonly predictions: Float32Array;
  readonly xgboostVersion: string;
  readonly trainMs: number;
}

/** Every parameter XGBoost receives, as strings, in a fixed order. */
export function boosterParams(params: XgbParams, seed: number): Array<[string, string]> {
  return [
    ['objective', FIXED_XGB_PARAMS.objective],
    ['tree_method', FIXED_XGB_PARAMS.tree_method],
    ['nthread', String(FIXED_XGB_PARAMS.nthread)],
    ['base_score', String(FIXED_XGB_PARAMS.base_score)],
    ['seed', String(seed)],
    ['max_depth', String(params.max_depth)],
    ['eta', String(params.eta)],
    ['subsample', String(params.subsample)],
    ['colsample_bytree', String(params.colsample_bytree)],
    ['min_child_weight', String(params.min_child_weight)],
    ['lambda', String(params.lambda)],
    ['alpha', String(params.alpha)],
    ['gamma', String(params.gamma)],
    ['eval_metric', 'logloss'],
  ];
}

/** Trains in the calling thread (blocks it for the duration; see trainInWorker). */
export function trainXgboost(request: TrainRequest, api: XgbApi = loadXgboost(request.libraryPath)): TrainResult {
  const {train, params, seed} = request;
  if (train.nrow === 0) throw new IftbError(ErrorCode.ML_FAILED, 'no training rows');
  if (train.labels.length !== train.nrow) throw new IftbError(ErrorCode.ML_FAILED, `${train.labels.length} labels for ${train.nrow} rows`);
  const started = performance.now();
  const handles: unknown[] = [];
  let booster: unknown = null;
  try {
    const dtrain = api.createDMatrix(train.rows, train.nrow, train.ncol);
    handles.push(dtrain);
    api.setFloatInfo(dtrain, 'label', train.labels);
    booster = api.createBooster([dtrain]);
    for (const [name, value] of boosterParams(params, seed)) api.setParam(booster, name, value);
    for (let iter = 0; iter < params.rounds; iter++) api.updateOneIter(booster, iter, dtrain);
    const trainMs = performance.now() - started;
    const modelJson = api.saveModelToBuffer(booster, 'json');
    const config = api.saveJsonConfig(booster);
    let predictions: Float32Array = new Float32Array(0);
    if (request.predict && request.predict.nrow > 0) {
      const dpredict = api.createDMatrix(request.predict.rows, request.predict.nrow, request.predict.ncol);
      handles.push(dpredict);
      predictions = api.predict(booster, dpredict, false);
    }
    return {modelJson, config, predictions, xgboostVersion: api.version, trainMs};
  } finally {
    if (booster !== null) api.freeBooster(booster);
    for (const handle of handles) api.freeDMatrix(handle);
  }
}

/** XGBoost's own predictions of a saved JSON model (tests: reload parity). */
export function predictXgboostJson(modelJson: Uint8Array, rows: Omit<XgbMatrix, 'labels'>, api: XgbApi = loadXgboost()): Float32Array {
  let booster: unknown = null;
  let dmat: unknown = null;
  try {
    dmat = api.createDMatrix(rows.rows, rows.nrow, rows.ncol);
    booster = api.createBooster([]);
    api.loadModelFromBuffer(booster, modelJson);
    api.setParam(booster, 'nthread', String(FIXED_XGB_PARAMS.nthread));
    return api.predict(booster, dmat, false);
  } finally {
    if (booster !== null) api.freeBooster(booster);
    if (dmat !== null) api.freeDMatrix(dmat);
  }
}
