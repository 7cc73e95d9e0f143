/**
 * manifest.json beside every model version: what the model is, what it was trained on, how well
 * it did on its validation window, and the sha256 of every file (checked on every load).
 * `createdAt` is the only non-deterministic field; `manifestDigest` leaves it out, and runs hash
 * the ONNX file's sha256, never the manifest's time.
 */
import {z} from 'zod';
import {canonicalJson, sha256Hex} from '../config/index.js';

export const MANIFEST_SCHEMA = 'iftb.model/1';
export const MODEL_ONNX = 'model.onnx';
export const MODEL_XGB_JSON = 'model.xgb.json';
export const MANIFEST_FILE = 'manifest.json';
/** A walk-forward fold's model file: fold-01.onnx, fold-02.onnx, … */
export const foldOnnxFile = (fold: number) => `fold-${String(fold + 1).padStart(2, '0')}.onnx`;

const WindowSchema = z.object({fromMs: z.number(), toMs: z.number(), from: z.string(), to: z.string()});

const MetricsSchema = z.object({
  rows: z.number().int(),
  positiveRate: z.number(),
  auc: z.number().nullable(),
  logLoss: z.number(),
  accuracy: z.number(),
  brier: z.number(),
  calibration: z.array(
    z.object({pMin: z.number(), pMax: z.number(), count: z.number().int(), meanPredicted: z.number(), observedRate: z.number()}),
  ),
});

export const ModelManifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  name: z.string(),
  version: z.string(),
  kind: z.literal('xgboost-binary-logistic'),
  files: z.record(z.string(), z.object({sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0)})),
  features: z.object({set: z.string(), names: z.array(z.string()).min(1), warmupBars: z.number().int().min(0)}),
  label: z.object({definition: z.string(), kind: z.literal('sign-return'), horizonBars: z.number().int().positive(), rule: z.string()}),
  market: z.object({exchange: z.string(), symbol: z.string(), timeframe: z.string()}),
  windows: z.object({
    loaded: WindowSchema,
    train: WindowSchema.extend({rows: z.number().int(), purged: z.number().int()}),
    validation: WindowSchema.extend({rows: z.number().int()}),
    purgeBars: z.number().int(),
  }),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  seed: z.number().int(),
  trainer: z.object({library: z.literal('xgboost'), version: z.string(), trees: z.number().int(), nodes: z.number().int(), leaves: z.number().int()}),
  onnx: z.object({
    irVersion: z.number().int(),
    opset: z.number().int(),
    mlOpset: z.number().int(),
    input: z.string(),
    output: z.string(),
    parityRows: z.number().int(),
    parityMaxAbsDiff: z.number(),
  }),
  serving: z.object({scoreScale: z.number().positive().max(1), rule: z.string()}),
  metrics: z.object({validation: MetricsSchema, train: MetricsSchema}),
  /** Present when the model came out of `iftb train --walk-forward`: out-of-sample results of the recipe. */
  walkForward: z
    .object({
      trainBars: z.number().int(),
      testBars: z.number().int(),
      folds: z.array(
        z.object({
          train: WindowSchema.extend({rows: z.number().int()}),
          test: WindowSchema.extend({rows: z.number().int()}),
          auc: z.number().nullable(),
          logLoss: z.number(),
          accuracy: z.number(),
          /**
           * The fold's own model, kept in the version folder (sha256 in `files`) so a backtest can
           * score each bar with the fold covering it (`name@wf`); scoreScale is the 90th percentile
           * of |2p − 1| on the fold's training rows (never its test span). Absent in older manifests.
           */
          model: z.object({file: z.string(), sha256: z.string(), scoreScale: z.number().positive().max(1)}).optional(),
        }),
      ),
      outOfSample: MetricsSchema,
    })
    .optional(),
  dataHash: z.string(),
  createdAt: z.string(),
});

export type ModelManifest = z.output<typeof ModelManifestSchema>;
export type ManifestWindow = z.output<typeof WindowSchema>;

export function manifestWindow(fromMs: number, toMs: number): ManifestWindow {
  return {fromMs, toMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString()};
}

/** sha256 of the canonical manifest without `createdAt`: equal for equal trainings. */
export function manifestDigest(manifest: ModelManifest): string {
  const {createdAt: _createdAt, ...rest} = manifest;
  return sha256Hex(canonicalJson(rest));
}

/** The window a model has seen: from its first training row to the end of its validation window. */
export function modelWindow(manifest: ModelManifest): {fromMs: number; toMs: number} {
  return {fromMs: manifest.windows.train.fromMs, toMs: manifest.windows.validation.toMs};
}
