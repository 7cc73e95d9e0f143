/**
 * XGBoost JSON model → ONNX, written here rather than by onnxmltools so that training and export
 * stay in one TypeScript toolchain. The graph is
 *
 *   features float[N, F] ─▶ ai.onnx.ml.TreeEnsembleRegressor (SUM of leaf values + base margin)
 *                        ─▶ margin float[N, 1] ─▶ Sigmoid ─▶ probability float[N, 1]
 *
 * (ir_version 8, ai.onnx opset 17, ai.onnx.ml opset 3). XGBoost splits go left when
 * `x < split_condition` (BRANCH_LT with the left child as the true branch) and send a missing
 * value (NaN) to the left child when `default_left` (nodes_missing_value_tracks_true). Thresholds
 * and leaf values are float32 in XGBoost and stay float32 here, so both libraries compare the
 * same float32 input with the same float32 threshold. Only binary:logistic gbtree models with
 * numerical splits are accepted.
 */
import onnxProto from 'onnx-proto';
import {ErrorCode, IftbError} from '../core/index.js';

const {onnx} = onnxProto;
const AttributeType = onnx.AttributeProto.AttributeType;

import {ONNX_INPUT, ONNX_OUTPUT} from './onnx-io.js';

export {ONNX_INPUT, ONNX_OUTPUT};
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;

/** The parts of XGBoost's JSON model format (1.x/2.x) the export reads. */
interface XgbTree {
  readonly left_children: readonly number[];
  readonly right_children: readonly number[];
  readonly split_indices: readonly number[];
  readonly split_conditions: readonly number[];
  readonly default_left: ReadonlyArray<number | boolean>;
  readonly split_type?: readonly number[];
  readonly tree_param?: {readonly num_nodes?: string};
}

export interface XgbModelSummary {
  readonly trees: number;
  readonly nodes: number;
  readonly leaves: number;
  readonly numFeature: number;
  readonly baseScore: number;
  readonly objective: string;
  readonly xgboostVersion: string;
}

function fail(message: string): never {
  throw new IftbError(ErrorCode.ML_FAILED, `cannot export the XGBoost model to ONNX: ${message}`);
}

/** Parses and checks an XGBoost JSON model; returns its trees and summary. */
export function readXgboostJson(model: string | Uint8Array): {trees: readonly XgbTree[]; summary: XgbModelSummary} {
  let json: any;
  try {
    json = JSON.parse(typeof model === 'string' ? model : Buffer.from(model).toString('utf8'));
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  const learner = json?.learner;
  const objective = learner?.objective?.name;
  if (objective !== 'binary:logistic' && objective !== 'reg:logistic') fail(`objective '${objective}' is not binary:logistic`);
  const booster = learner?.gradient_booster;
  if (booster?.name !== 'gbtree') fail(`booster '${booster?.name}' is not gbtree`);
  const trees: XgbTree[] = booster.model?.trees;
  if (!Array.isArray(trees) || trees.length === 0) fail('no trees');
  const param = learner.learner_model_param ?? {};
  if (Number(param.num_class ?? 0) > 1 || Number(param.num_target ?? 1) !== 1) fail('only single-output models are supported');
  if (Number(booster.model.gbtree_model_param?.num_parallel_tree ?? 1) !== 1) fail('num_parallel_tree > 1 (random forests) is not supported');
  const baseScore = Number(param.base_score);
  if (!(baseScore > 0 && baseScore < 1)) fail(`base_score ${param.base_score} is not a probability`);
  let nodes = 0;
  let leaves = 0;
  for (const [t, tree] of trees.entries()) {
    const n = tree.left_children?.length ?? 0;
    for (const key of ['right_children', 'split_indices', 'split_conditions', 'default_left'] as const) {
      if (tree[key]?.length !== n) fail(`tree ${t}: ${key} has ${tree[key]?.length} entries for ${n} nodes`);
    }
    if (tree.split_type?.some((s) => s !== 0)) fail(`tree ${t} has categorical splits`);
    nodes += n;
    for (let k = 0; k < n; k++) if (tree.left_children[k] === -1) leaves++;
  }
  const version = Array.isArray(json.version) ? json.version.join('.') : 'unknown';
  return {trees, summary: {trees: trees.length, nodes, leaves, numFeature: Number(param.num_feature), baseScore, objective, xgboostVersion: version}};
}

export interface OnnxExportOptions {
  readonly featureNames: readonly string[];
  /** Stored as the model's metadata_props (strings); keep it free of timestamps for reproducible bytes. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The ONNX bytes for an XGBoost binary:logistic JSON model. Same input → same bytes. */
export function xgboostJsonToOnnx(model: string | Uint8Array, options: OnnxExportOptions): Uint8Array {
  const {trees, summary} = readXgboostJson(model);
  const width = options.featureNames.length;
  if (summary.numFeature !== width) fail(`the model has ${summary.numFeature} features, ${width} names were given`);

  const treeIds: number[] = [], nodeIds: number[] = [], featureIds: number[] = [], modes: Uint8Array[] = [];
  const values: number[] = [], trueIds: number[] = [], falseIds: number[] = [], missingTrue: number[] = [];
  const targetTree: number[] = [], targetNode: number[] = [], targetIds: number[] = [], targetWeights: number[] = [];
  const LT = utf8('BRANCH_LT');
  const LEAF = utf8('LEAF');
  trees.forEach((tree, t) => {
    for (let k = 0; k < tree.left_children.length; k++) {
      const left = tree.left_children[k];
      treeIds.push(t);
      nodeIds.push(k);
      if (left === -1) {
        modes.push(LEAF);
        featureIds.push(0);
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        targetTree.push(t);
        targetNode.push(k);
        targetIds.push(0);
        targetWeights.push(Math.fround(tree.split_conditions[k]));
      } else {
        const feature = tree.split_indices[k];
        if (!(Number.isInteger(feature) && feature >= 0 && feature < width)) fail(`tree ${t} node ${k} splits on feature ${feature}`);
        modes.push(LT);
        featureIds.push(feature);
        values.push(Math.fround(tree.split_conditions[k]));
        trueIds.push(left);
        falseIds.push(tree.right_children[k]);
        missingTrue.push(Number(tree.default_left[k]) ? 1 : 0);
      }
    }
  });
  const baseMargin = Math.fround(Math.log(summary.baseScore / (1 - summary.baseScore)));

  const ensemble = onnx.NodeProto.create({
    name: 'xgboost_trees',
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    input: [ONNX_INPUT],
    output: ['margin'],
    attribute: [
      strAttr('aggregate_function', 'SUM'),
      floatsAttr('base_values', [baseMargin]),
      intAttr('n_targets', 1),
      intsAttr('nodes_falsenodeids', falseIds),
      intsAttr('nodes_featureids', featureIds),
      intsAttr('nodes_missing_value_tracks_true', missingTrue),
      onnx.AttributeProto.create({name: 'nodes_modes', type: AttributeType.STRINGS, strings: modes}),
      intsAttr('nodes_nodeids', nodeIds),
      intsAttr('nodes_treeids', treeIds),
      intsAttr('nodes_truenodeids', trueIds),
      floatsAttr('nodes_values', values),
      strAttr('post_transform', 'NONE'),
      intsAttr('target_ids', targetIds),
      intsAttr('target_nodeids', targetNode),
      intsAttr('target_treeids', targetTree),
      floatsAttr('target_weights', targetWeights),
    ],
  });
  const sigmoid = onnx.NodeProto.create({name: 'logistic', opType: 'Sigmoid', input: ['margin'], output: [ONNX_OUTPUT]});
  const graph = onnx.GraphProto.create({
    name: 'xgboost_binary_logistic',
    node: [ensemble, sigmoid],
    input: [tensorInfo(ONNX_INPUT, width)],
    output: [tensorInfo(ONNX_OUTPUT, 1)],
  });
  const metadata = {feature_names: JSON.stringify(options.featureNames), xgboost_version: summary.xgboostVersion, ...options.metadata};
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [
      {domain: '', version: ONNX_OPSET},
      {domain: 'ai.onnx.ml', version: ONNX_ML_OPSET},
    ],
    producerName: 'iftb',
    producerVersion: '1',
    graph,
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({key, value: metadata[key as keyof typeof metadata]})),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Decodes an ONNX model (tests and `iftb models show`). */
export function decodeOnnx(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function tensorInfo(name: string, width: number) {
  return onnx.ValueInfoProto.create({
    name,
    type: {tensorType: {elemType: onnx.TensorProto.DataType.FLOAT, shape: {dim: [{dimParam: 'N'}, {dimValue: width}]}}},
  });
}

function strAttr(name: string, value: string) {
  return onnx.AttributeProto.create({name, type: AttributeType.STRING, s: utf8(value)});
}

function intAttr(name: string, value: number) {
  return onnx.AttributeProto.create({name, type: AttributeType.INT, i: value});
}

function intsAttr(name: string, values: number[]) {
  return onnx.AttributeProto.create({name, type: AttributeType.INTS, ints: values});
}

function floatsAttr(name: string, values: number[]) {
  return onnx.AttributeProto.create({name, type: AttributeType.FLOATS, floats: values});
}

/** onnxruntime and XGBoost must agree closer than this on every validation row. */
export const PARITY_TOLERANCE = 1e-5;

/** Largest |Δp| between the two libraries' predictions; IFTB_E_ML_FAILED at ≥ PARITY_TOLERANCE. */
export function assertParity(onnx: ArrayLike<number>, xgboost: ArrayLike<number>): number {
  if (onnx.length !== xgboost.length) throw new IftbError(ErrorCode.ML_FAILED, `parity: ${onnx.length} ONNX predictions for ${xgboost.length} XGBoost ones`);
  let max = 0;
  for (let r = 0; r < onnx.length; r++) {
    const d = Math.abs(onnx[r] - xgboost[r]);
    if (Number.isNaN(d)) {
      max = Number.NaN;
      break;
    }
    if (d > max) max = d;
  }
  if (!(max < PARITY_TOLERANCE)) {
    throw new IftbError(ErrorCode.ML_FAILED, `ONNX export disagrees with XGBoost by ${max.toExponential(2)} (≥ ${PARITY_TOLERANCE}) on the validation rows; nothing was written`);
  }
  return max;
}
