/**
 * Training with the real XGBoost library (Debian libxgboost0; CI installs it). These tests fail —
 * they are not skipped — when the library is missing, with the message users see.
 */
import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {
  boosterParams,
  DEFAULT_XGB_PARAMS,
  loadXgboost,
  predictXgboostJson,
  readXgboostJson,
  trainInWorker,
  trainXgboost,
  type XgbParams,
} from '../../src/ml/index.js';
import {syntheticRows} from '../support/ml-fixtures.js';

const PARAMS: XgbParams = {...DEFAULT_XGB_PARAMS, rounds: 20, min_child_weight: 1, eta: 0.3};
const data = syntheticRows(3_000, 8, 11);
const holdout = syntheticRows(500, 8, 12);
const request = (seed: number, params = PARAMS) => ({
  train: {rows: data.rows, nrow: data.nrow, ncol: data.ncol, labels: data.labels},
  predict: {rows: holdout.rows, nrow: holdout.nrow, ncol: holdout.ncol},
  params,
  seed,
});

describe('XGBoost through its C API', () => {
  it('loads libxgboost (install Debian libxgboost0 if this fails)', () => {
    const api = loadXgboost();
    expect(api.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('says what to install when the library is missing', () => {
    try {
      loadXgboost('/nonexistent/libxgboost.so.0');
      expect.unreachable();
    } catch (error) {
      expect(isIftbError(error, ErrorCode.DEPENDENCY_MISSING)).toBe(true);
      expect((error as Error).message).toMatch(/libxgboost not found .*apt-get install libxgboost0.*IFTB_XGBOOST_LIB/);
    }
  });

  it('passes the fixed objective, hist, nthread 2 and the seed with the user parameters', () => {
    const params = Object.fromEntries(boosterParams(PARAMS, 7));
    expect(params).toMatchObject({objective: 'binary:logistic', tree_method: 'hist', nthread: '2', seed: '7', max_depth: '4', eta: '0.3'});
  });

  it('trains a binary:logistic booster that learns the signal, saved as XGBoost JSON', () => {
    const result = trainXgboost(request(42));
    const {summary} = readXgboostJson(result.modelJson);
    expect(summary).toMatchObject({trees: 20, numFeature: 8, objective: 'binary:logistic', baseScore: 0.5});
    expect(result.predictions).toHaveLength(500);
    let correct = 0;
    for (let r = 0; r < 500; r++) correct += (result.predictions[r] > 0.5 ? 1 : 0) === holdout.labels[r] ? 1 : 0;
    expect(correct / 500).toBeGreaterThan(0.7);
    expect(JSON.parse(result.config).learner.learner_train_param.objective).toBe('binary:logistic');
  });

  it('gives identical model bytes for the same seed, and different ones for another seed', () => {
    const a = trainXgboost(request(42));
    const b = trainXgboost(request(42));
    const c = trainXgboost(request(43));
    expect(Buffer.compare(Buffer.from(a.modelJson), Buffer.from(b.modelJson))).toBe(0);
    expect(Buffer.from(a.predictions.buffer).equals(Buffer.from(b.predictions.buffer))).toBe(true);
    expect(Buffer.compare(Buffer.from(a.modelJson), Buffer.from(c.modelJson))).not.toBe(0);
  });

  it('trains the same bytes in a worker thread, leaving the event loop free', async () => {
    const inThread = trainXgboost(request(5));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const inWorker = await trainInWorker(request(5, {...PARAMS, rounds: 20}));
    clearInterval(timer);
    expect(Buffer.compare(Buffer.from(inWorker.modelJson), Buffer.from(inThread.modelJson))).toBe(0);
    expect(ticks).toBeGreaterThan(0);
  });

  it('reloads the saved JSON model with identical predictions', () => {
    const result = trainXgboost(request(42));
    const again = predictXgboostJson(result.modelJson, {rows: holdout.rows, nrow: holdout.nrow, ncol: holdout.ncol});
    expect(Array.from(again)).toEqual(Array.from(result.predictions));
  });

  it('reports library errors as IFTB_E_ML_FAILED with XGBoost’s message', () => {
    expect(() => trainXgboost({...request(1), params: {...PARAMS, max_depth: -3}})).toThrow(/XGBoost .*failed: .*max_depth/i);
  });
});
