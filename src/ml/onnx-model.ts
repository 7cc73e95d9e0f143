/**
 * Batched inference of an exported model with onnxruntime-node (CPU, bundled; no libxgboost).
 * One session per model file (keyed by its sha256) is shared by every analyzer in the process.
 */
import {createHash} from 'node:crypto';
import type * as Ort from 'onnxruntime-node';
import {ErrorCode, IftbError, type ProbabilityModel} from '../core/index.js';
import {ONNX_INPUT, ONNX_OUTPUT} from './onnx-io.js';

/** onnxruntime-node, loaded with the first model: a run without an ML source (a sweep's worker, most CLI commands) never pays for it. */
let runtime: Promise<typeof Ort> | null = null;
const onnxRuntime = () => (runtime ??= import('onnxruntime-node'));

/** Rows per session.run: large enough to amortise the call, small enough to bound the tensors. */
export const INFERENCE_CHUNK_ROWS = 65_536;

export interface OnnxModelOptions {
  /** Model id for messages and the analyzer ('xgb-dir@3'). */
  readonly id: string;
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  /**
   * Threads inside one run. Default 1: the sum over trees then happens in one fixed order, so a
   * backtest's probabilities are the same bits on every machine; batches are fast enough.
   */
  readonly threads?: number;
}

export class OnnxModel implements ProbabilityModel {
  readonly id: string;
  readonly featureSet: string;
  readonly featureNames: readonly string[];
  readonly width: number;
  readonly #session: Ort.InferenceSession;
  readonly #ort: typeof Ort;

  private constructor(ort: typeof Ort, session: Ort.InferenceSession, options: OnnxModelOptions) {
    this.#ort = ort;
    this.#session = session;
    this.id = options.id;
    this.featureSet = options.featureSet;
    this.featureNames = options.featureNames;
    this.width = options.featureNames.length;
  }

  static async load(bytes: Uint8Array, options: OnnxModelOptions): Promise<OnnxModel> {
    const ort = await onnxRuntime();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (error) {
      throw new IftbError(ErrorCode.ML_FAILED, `${options.id}: onnxruntime cannot load the model: ${(error as Error).message}`, {cause: error});
    }
    if (!session.inputNames.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_OUTPUT)) {
      throw new IftbError(ErrorCode.ML_FAILED, `${options.id}: the ONNX graph must read '${ONNX_INPUT}' and write '${ONNX_OUTPUT}'`);
    }
    return new OnnxModel(ort, session, options);
  }

  /** P(label = 1) for `n` row-major float32 rows of `width` features. */
  async predict(rows: Float32Array, n: number): Promise<Float32Array> {
    if (rows.length < n * this.width) throw new RangeError(`${this.id}: ${rows.length} values for ${n} rows of ${this.width}`);
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += INFERENCE_CHUNK_ROWS) {
      const count = Math.min(INFERENCE_CHUNK_ROWS, n - start);
      const input = new this.#ort.Tensor('float32', rows.subarray(start * this.width, (start + count) * this.width), [count, this.width]);
      const result = await this.#session.run({[ONNX_INPUT]: input});
      out.set(result[ONNX_OUTPUT].data as Float32Array, start);
      input.dispose();
      result[ONNX_OUTPUT].dispose();
    }
    return out;
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

const sessions = new Map<string, Promise<OnnxModel>>();

/** One loaded model per (bytes, threads) in this process; later calls share it. */
export function sharedOnnxModel(bytes: Uint8Array, options: OnnxModelOptions): Promise<OnnxModel> {
  const key = `${createHash('sha256').update(bytes).digest('hex')}:${options.threads ?? 1}:${options.id}`;
  let model = sessions.get(key);
  if (!model) {
    model = OnnxModel.load(bytes, options);
    sessions.set(key, model);
    model.catch(() => sessions.delete(key));
  }
  return model;
}
