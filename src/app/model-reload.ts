/**
 * POST /api/ml/reload-model (runbook "ML 모델 롤백"): re-resolve each ML source's pinned
 * reference (NAME@live after `iftb models rollback`, or an exact version), verify its files
 * (sha256 against the manifest and channels.json), load it into onnxruntime, and only when every
 * source's new model loaded swap them all — between bars, through the session's command queue.
 * A model that fails any step is refused with the reason and the old ones keep serving.
 */
import {type Analyzer, isIftbError, type JournalSink, type Timeframe, timeframeMs} from '../core/index.js';
import {modelWindow} from '../ml/manifest.js';
import {sharedOnnxModel} from '../ml/onnx-model.js';
import type {ModelAnalyzer} from '../signals/ml/index.js';
import {openRegistry} from './models.js';
import {type MlAnalyzer, mlModelOf} from './strategy-kit.js';

export interface ServingModel {
  readonly source: string;
  readonly ref: string;
  readonly model: string;
  readonly sha256: string;
}

/** The models the session's ML sources score with now. */
export function servingModels(analyzers: readonly Analyzer[]): ServingModel[] {
  const out: ServingModel[] = [];
  for (const a of analyzers) {
    const info = mlModelOf(a);
    if (info !== null) out.push({source: a.id, ref: info.ref, model: info.model, sha256: info.onnxSha256});
  }
  return out;
}

export interface ReloadOptions {
  readonly modelsDir?: string;
  readonly journal: JournalSink;
  readonly now: () => number;
}

/** Resolves with the outcome: 'ok' (swapped, journaled), 'unchanged: …', or 'refused: …'. */
export async function reloadModels(analyzers: readonly Analyzer[], by: string, options: ReloadOptions): Promise<string> {
  const sources = analyzers.filter((a): a is MlAnalyzer => mlModelOf(a) !== null);
  if (sources.length === 0) return 'refused: the strategy scores with no ML model';
  const registry = openRegistry(options.modelsDir);
  const swaps: Array<{analyzer: MlAnalyzer; next: Awaited<ReturnType<typeof sharedOnnxModel>>; scale: number; model: MlAnalyzer['model']}> = [];
  for (const a of sources) {
    const info = a.model;
    if (info.walkForward !== undefined) return `refused: ${a.id} is a walk-forward series (restart the bot to change it)`;
    try {
      const loaded = registry.load(info.ref);
      const m = loaded.manifest;
      const sha256 = m.files['model.onnx'].sha256;
      if (loaded.id === info.model && sha256 === info.onnxSha256) continue;
      if (m.features.set !== info.featureSet) return `refused: ${loaded.id} reads feature set ${m.features.set}, ${a.id} was set up for ${info.featureSet} (restart the bot to change it)`;
      if (timeframeMs(m.market.timeframe as Timeframe) !== timeframeMs(info.market.timeframe as Timeframe)) {
        return `refused: ${loaded.id} was trained on ${m.market.timeframe} bars, ${info.model} on ${info.market.timeframe}`;
      }
      const next = await sharedOnnxModel(loaded.onnx, {id: loaded.id, featureSet: m.features.set, featureNames: m.features.names});
      swaps.push({
        analyzer: a, next, scale: m.serving.scoreScale,
        model: {...info, model: loaded.id, channel: loaded.ref.channel, onnxSha256: sha256, label: m.label.definition, windowMs: modelWindow(m),
          trainWindow: {from: m.windows.train.from, to: m.windows.train.to}, validationWindow: {from: m.windows.validation.from, to: m.windows.validation.to}},
      });
    } catch (error) {
      const reason = isIftbError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
      return `refused: ${info.ref}: ${reason}; ${info.model} keeps serving`;
    }
  }
  if (swaps.length === 0) return `unchanged: ${sources.map((a) => a.model.model).join(', ')} already serving`;
  const at = options.now();
  for (const s of swaps) {
    const from = s.analyzer.model.model;
    (s.analyzer as ModelAnalyzer).replaceModel(s.next, s.scale);
    Object.assign(s.analyzer, {model: s.model});
    options.journal({type: 'model', timeMs: at, action: 'reload', source: s.analyzer.id, ref: s.model.ref, from, model: s.model.model, sha256: s.model.onnxSha256, by});
  }
  return 'ok';
}
