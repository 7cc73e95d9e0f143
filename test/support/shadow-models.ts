/**
 * Models for the shadow tests: one tree on ret_1 (feature 0) at 0, so the score follows the last
 * bar's move (what `iftb compare --session` must reproduce from the stored candles).
 */
import {MODEL_ONNX, MODEL_XGB_JSON} from '../../src/ml/manifest.js';
import {xgboostJsonToOnnx} from '../../src/ml/onnx-export.js';
import type {ModelRegistry} from '../../src/ml/registry.js';
import {OHLCV_V1} from '../../src/signals/ml/index.js';
import {fixtureManifest} from './ml-fixtures.js';

export const SHADOW_MODEL = 'tiny';

/** `down` after a falling bar, `up` after a rising one (leaf values before the sigmoid). */
function splitXgboost(down: number, up: number): string {
  return JSON.stringify({
    version: [1, 7, 4],
    learner: {
      objective: {name: 'binary:logistic'},
      learner_model_param: {base_score: '5E-1', num_class: '0', num_feature: String(OHLCV_V1.names.length), num_target: '1'},
      gradient_booster: {name: 'gbtree', model: {gbtree_model_param: {num_parallel_tree: '1', num_trees: '1'}, tree_info: [0],
        trees: [{left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [0, 0, 0], split_conditions: [0, down, up], default_left: [1, 0, 0], split_type: [0, 0, 0], tree_param: {num_nodes: '3'}}]}},
    },
  });
}

/** Writes SHADOW_MODEL@version for 1m bars (label over 3 bars), or another timeframe / feature-set name. */
export function writeSplitModel(registry: ModelRegistry, version: string, down: number, up: number, over: {timeframe?: string; featureSet?: string} = {}): void {
  const json = splitXgboost(down, up);
  const onnx = xgboostJsonToOnnx(json, {featureNames: OHLCV_V1.names, metadata: {feature_set: OHLCV_V1.id}});
  const base = fixtureManifest(SHADOW_MODEL, version);
  registry.write(SHADOW_MODEL, version, {[MODEL_ONNX]: onnx, [MODEL_XGB_JSON]: new TextEncoder().encode(json)}, {
    ...base, market: {...base.market, timeframe: over.timeframe ?? '1m'}, features: {...base.features, set: over.featureSet ?? base.features.set},
    label: {...base.label, horizonBars: 3},
  });
}
