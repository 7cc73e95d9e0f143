import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {
  assertParity,
  decodeOnnx,
  DEFAULT_XGB_PARAMS,
  OnnxModel,
  predictXgboostJson,
  trainXgboost,
  xgboostJsonToOnnx,
} from '../../src/ml/index.js';
import {syntheticRows} from '../support/ml-fixtures.js';

type onnxGraph = {
  node: Array<{domain?: string | null; opType?: string | null; attribute: Array<{name?: string | null; strings: Uint8Array[]; ints: unknown[]}>}>;
  input: Array<{name?: string | null}>;
  output: Array<{name?: string | null}>;
};
const names = (n: number) => Array.from({length: n}, (_, k) => `f${k}`);
const load = (bytes: Uint8Array, width: number) => OnnxModel.load(bytes, {id: 'test@1', featureSet: 'test', featureNames: names(width)});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** A hand-written XGBoost JSON model: one stump on feature 1 at 0.5, missing values going right. */
function stump(defaultLeft: 0 | 1, baseScore = '5E-1'): string {
  return JSON.stringify({
    version: [1, 7, 4],
    learner: {
      objective: {name: 'binary:logistic'},
      learner_model_param: {base_score: baseScore, num_class: '0', num_feature: '2', num_target: '1'},
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: {num_parallel_tree: '1', num_trees: '1'},
          tree_info: [0],
          trees: [{
            left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [1, 0, 0], split_conditions: [0.5, -1.25, 0.75],
            default_left: [defaultLeft, 0, 0], split_type: [0, 0, 0], tree_param: {num_nodes: '3'},
          }],
        },
      },
    },
  });
}

const sigmoid = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));

describe('XGBoost JSON → ONNX', () => {
  it('writes ir_version 8, opsets ai.onnx 17 and ai.onnx.ml 3, a TreeEnsembleRegressor and a Sigmoid', () => {
    const model = decodeOnnx(xgboostJsonToOnnx(stump(1), {featureNames: names(2), metadata: {feature_set: 'test'}}));
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17], ['ai.onnx.ml', 3]]);
    const graph = model.graph as onnxGraph;
    expect(graph.node.map((n) => [n.domain || '', n.opType])).toEqual([['ai.onnx.ml', 'TreeEnsembleRegressor'], ['', 'Sigmoid']]);
    expect(graph.input[0].name).toBe('features');
    expect(graph.output[0].name).toBe('probability');
    const attrs = Object.fromEntries(graph.node[0].attribute.map((a) => [a.name, a]));
    expect(new TextDecoder().decode(attrs.nodes_modes!.strings[0])).toBe('BRANCH_LT');
    expect(attrs.nodes_missing_value_tracks_true!.ints.map(Number)).toEqual([1, 0, 0]);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({feature_set: 'test', feature_names: '["f0","f1"]'});
  });

  it('follows x < threshold to the left, equality to the right, and NaN along the default direction', async () => {
    for (const defaultLeft of [1, 0] as const) {
      const onnx = await load(xgboostJsonToOnnx(stump(defaultLeft), {featureNames: names(2)}), 2);
      const rows = Float32Array.of(0, 0.4999, 0, 0.5, 0, 0.5001, 0, NaN);
      const p = await onnx.predict(rows, 4);
      expect(Array.from(p)).toEqual([sigmoid(-1.25), sigmoid(0.75), sigmoid(0.75), sigmoid(defaultLeft ? -1.25 : 0.75)].map((x) => expect.closeTo(x, 7)));
    }
  });

  it('adds the base score as a logit', async () => {
    const onnx = await load(xgboostJsonToOnnx(stump(1, '8E-1'), {featureNames: names(2)}), 2);
    const [p] = await onnx.predict(Float32Array.of(0, 0), 1);
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(4) - 1.25))), 6);
  });

  it('agrees with XGBoost within 1e-5 on a trained model, with missing values, ties and float32 thresholds', async () => {
    const data = syntheticRows(4_000, 12, 3, 0.08);
    const check = syntheticRows(2_000, 12, 4, 0.15);
    const result = trainXgboost({
      train: {rows: data.rows, nrow: data.nrow, ncol: 12, labels: data.labels},
      predict: {rows: check.rows, nrow: check.nrow, ncol: 12},
      params: {...DEFAULT_XGB_PARAMS, rounds: 60, max_depth: 6, min_child_weight: 1, eta: 0.2},
      seed: 9,
    });
    const onnx = await load(xgboostJsonToOnnx(result.modelJson, {featureNames: names(12)}), 12);
    const p = await onnx.predict(check.rows, check.nrow);
    expect(maxAbsDiff(p, result.predictions)).toBeLessThan(1e-5);
    // Rows lying exactly on split thresholds: take every threshold the model uses as an input value.
    const trees = JSON.parse(Buffer.from(result.modelJson).toString()).learner.gradient_booster.model.trees;
    const onEdge = new Float32Array(check.rows);
    let k = 0;
    for (const tree of trees) {
      for (let n = 0; n < tree.left_children.length; n++) {
        if (tree.left_children[n] === -1) continue;
        const row = k++ % check.nrow;
        onEdge[row * 12 + tree.split_indices[n]] = tree.split_conditions[n];
      }
    }
    const edgeXgb = predictXgboostJson(result.modelJson, {rows: onEdge, nrow: check.nrow, ncol: 12});
    expect(maxAbsDiff(await onnx.predict(onEdge, check.nrow), edgeXgb)).toBeLessThan(1e-5);
  });

  it('refuses (IFTB_E_ML_FAILED) predictions that differ by 1e-5 or more, or are NaN', () => {
    expect(assertParity([0.5, 0.25], [0.5 + 9e-6, 0.25])).toBeCloseTo(9e-6, 12);
    for (const bad of [[0.5, 0.25 + 1.5e-5], [NaN, 0.25]]) {
      try {
        assertParity(bad, [0.5, 0.25]);
        expect.unreachable();
      } catch (error) {
        expect(isIftbError(error, ErrorCode.ML_FAILED)).toBe(true);
        expect((error as Error).message).toMatch(/ONNX export disagrees with XGBoost by .* nothing was written/);
      }
    }
  });

  it('exports the same bytes for the same model', () => {
    expect(Buffer.from(xgboostJsonToOnnx(stump(1), {featureNames: names(2)})).equals(Buffer.from(xgboostJsonToOnnx(stump(1), {featureNames: names(2)})))).toBe(true);
  });

  it('refuses what it cannot represent', () => {
    const cases: Array<[string, RegExp]> = [
      [stump(1).replace('binary:logistic', 'reg:squarederror'), /objective 'reg:squarederror'/],
      [stump(1).replace('"gbtree"', '"gblinear"'), /booster 'gblinear'/],
      [stump(1).replace('"split_type":[0,0,0]', '"split_type":[1,0,0]'), /categorical/],
      ['not json', /not JSON/],
    ];
    for (const [json, message] of cases) {
      try {
        xgboostJsonToOnnx(json, {featureNames: names(2)});
        expect.unreachable();
      } catch (error) {
        expect(isIftbError(error, ErrorCode.ML_FAILED)).toBe(true);
        expect((error as Error).message).toMatch(message);
      }
    }
    expect(() => xgboostJsonToOnnx(stump(1), {featureNames: names(3)})).toThrow(/2 features, 3 names/);
  });

  it('runs batches larger than one inference chunk', async () => {
    const onnx = await load(xgboostJsonToOnnx(stump(1), {featureNames: names(2)}), 2);
    const n = 70_000;
    const rows = new Float32Array(n * 2);
    for (let r = 0; r < n; r++) rows[r * 2 + 1] = r % 2 === 0 ? 0 : 1;
    const p = await onnx.predict(rows, n);
    expect(p[69_998]).toBeCloseTo(sigmoid(-1.25), 7);
    expect(p[69_999]).toBeCloseTo(sigmoid(0.75), 7);
  });
});
