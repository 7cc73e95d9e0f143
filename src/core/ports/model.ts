/**
 * A trained model as the signal code sees it: float32 feature rows in, probabilities out. The
 * ONNX runtime behind it lives in src/ml/; the analyzer in src/signals/ml/ only sees this port.
 */
export interface ProbabilityModel {
  /** 'xgb-dir@3'. */
  readonly id: string;
  /** The feature set the model was trained on ('ohlcv-v1'); its rows must be in this order. */
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  /** P(label = 1) for `n` row-major float32 rows. */
  predict(rows: Float32Array, n: number): Promise<Float32Array>;
}
