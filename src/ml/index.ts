export {parseLabel, splitDataset, type DatasetSplit, type LabelSpec, type SplitOptions} from './dataset.js';
export {classificationMetrics, quantile, type CalibrationBucket, type ClassificationMetrics} from './metrics.js';
export {
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
  manifestDigest,
  manifestWindow,
  MODEL_ONNX,
  MODEL_XGB_JSON,
  type ManifestWindow,
  type ModelManifest,
  ModelManifestSchema,
  modelWindow,
} from './manifest.js';
export {
  CHANNEL_PATTERN,
  type ChannelState,
  DEFAULT_CHANNEL,
  isChannelName,
  type LoadedModel,
  type ModelRef,
  ModelRegistry,
  parseModelRef,
  VERSION_PATTERN,
  type VerifyResult,
} from './registry.js';
export {assertParity, decodeOnnx, ONNX_INPUT, PARITY_TOLERANCE, ONNX_IR_VERSION, ONNX_ML_OPSET, ONNX_OPSET, ONNX_OUTPUT, readXgboostJson, xgboostJsonToOnnx} from './onnx-export.js';
export {INFERENCE_CHUNK_ROWS, OnnxModel, type OnnxModelOptions, sharedOnnxModel} from './onnx-model.js';
export {loadXgboost, XGBOOST_MISSING_HINT, type XgbApi} from './xgboost/native.js';
export {
  boosterParams,
  DEFAULT_XGB_PARAMS,
  FIXED_XGB_PARAMS,
  predictXgboostJson,
  type TrainRequest,
  type TrainResult,
  trainXgboost,
  type XgbMatrix,
  type XgbParams,
} from './xgboost/train.js';
export {trainInWorker} from './xgboost/train-in-worker.js';
