export {
  FEATURE_SET_IDS,
  featureSet,
  type FeatureSetSpec,
  type FundingRates,
  OHLCV_V1,
} from './feature-set.js';
export {featureColumn, type FeatureMatrix, featureRow, toFloat32Rows} from './ohlcv-v1-columns.js';
export {FeatureStream} from './ohlcv-v1-stream.js';
export {computeFeatures, createFeatureStream, type FeatureStreamLike} from './features.js';
export {createModelAnalyzer, type ModelAnalyzer, type ModelAnalyzerOptions, type ModelSegment} from './model-analyzer.js';
