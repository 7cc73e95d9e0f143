/** Model versions derived from a trained one, for the promotion tests. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {MODEL_ONNX, MODEL_XGB_JSON, type ModelManifest} from '../../src/ml/manifest.js';
import {xgboostJsonToOnnx} from '../../src/ml/onnx-export.js';
import type {ModelRegistry} from '../../src/ml/registry.js';

/**
 * The same trees with every leaf and the base score negated: p' = 1 − p, a model that reads the
 * market backwards (AUC' = 1 − AUC on any rows). Written as a new version with the source's manifest.
 */
export function writeInvertedVersion(registry: ModelRegistry, name: string, from: string, version: string): ModelManifest {
  const dir = join(registry.root, name, from);
  const source = registry.manifest(name, from);
  const json = JSON.parse(readFileSync(join(dir, MODEL_XGB_JSON), 'utf8'));
  const param = json.learner.learner_model_param;
  param.base_score = String(1 - Number(param.base_score));
  for (const tree of json.learner.gradient_booster.model.trees) {
    tree.split_conditions = tree.split_conditions.map((x: number, k: number) => (tree.left_children[k] === -1 ? -x : x));
    if (Array.isArray(tree.base_weights)) tree.base_weights = tree.base_weights.map((x: number) => -x);
  }
  const xgb = new TextEncoder().encode(JSON.stringify(json));
  const onnx = xgboostJsonToOnnx(xgb, {featureNames: source.features.names, metadata: {feature_set: source.features.set, label: source.label.definition}});
  const {files: _files, ...rest} = source;
  return registry.write(name, version, {[MODEL_ONNX]: onnx, [MODEL_XGB_JSON]: xgb}, {...rest, name, version});
}
