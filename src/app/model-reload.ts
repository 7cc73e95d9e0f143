/**
 * POST /api/ml/reload-model (runbook "ML 모델 롤백"): re-resolve each ML source's pinned
 * reference (NAME@live after `iftb models rollback`, or an exact version), verify its files
 * (sha256 against the manifest and channels.json), load it into onnxruntime, and only when every
 * source's new model loaded swap them all — between bars, through the session's command queue.
 * A model that fails any step is refused with the reason and the old ones keep serving.
 */
import {type Analyzer, isIftbError, type JournalEvent, type JournalSink, type Timeframe, timeframeMs} from '../core/index.js';
import {sharedOnnxModel} from '../ml/onnx-model.js';
import type {ModelAnalyzer} from '../signals/ml/index.js';
import {openRegistry} from './models.js';
import {loadExactModel, type MlAnalyzer, mlModelOf, modelInfo} from './strategy-kit.js';

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
  /**
   * Re-scores the bars the analyzer prepared but the session has not stepped yet (bars held at a
   * restart), so the new model scores exactly the bars decided after the swap (model-timeline.ts).
   */
  readonly rescore?: (analyzer: Analyzer) => Promise<void>;
}

type Loaded = ReturnType<ReturnType<typeof openRegistry>['load']>;

/** Why `loaded` cannot replace the model `info` describes (null when it can). */
function incompatible(info: MlAnalyzer['model'], loaded: Loaded, source: string): string | null {
  const m = loaded.manifest;
  if (m.features.set !== info.featureSet) return `${loaded.id} reads feature set ${m.features.set}, ${source} was set up for ${info.featureSet} (restart the bot to change it)`;
  if (timeframeMs(m.market.timeframe as Timeframe) !== timeframeMs(info.market.timeframe as Timeframe)) {
    return `${loaded.id} was trained on ${m.market.timeframe} bars, ${info.model} on ${info.market.timeframe}`;
  }
  return null;
}

/**
 * Restart replay: the swap a model event journaled, applied again at the same point — the exact
 * version it names, its sha256 checked — to the first analyzer of that source still on another
 * model. Throws (with the reason) when that model cannot be loaded as journaled.
 */
export async function replayModelSwap(analyzers: readonly Analyzer[], event: Extract<JournalEvent, {type: 'model'}>, options: Pick<ReloadOptions, 'modelsDir' | 'rescore'>): Promise<void> {
  const target = analyzers.find((a): a is MlAnalyzer => a.id === event.source && mlModelOf(a) !== null && (a as MlAnalyzer).model.onnxSha256 !== event.sha256);
  if (target === undefined) throw new Error(`no ML source ${event.source} serving another model than ${event.model}`);
  const loaded = loadExactModel(openRegistry(options.modelsDir), event.model, event.sha256);
  const problem = incompatible(target.model, loaded, target.id);
  if (problem !== null) throw new Error(problem);
  const m = loaded.manifest;
  const next = await sharedOnnxModel(loaded.onnx, {id: loaded.id, featureSet: m.features.set, featureNames: m.features.names});
  (target as ModelAnalyzer).replaceModel(next, m.serving.scoreScale);
  Object.assign(target, {model: modelInfo(target.model.ref, loaded, loaded.ref.channel ?? target.model.channel)});
  await options.rescore?.(target);
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
      const problem = incompatible(info, loaded, a.id);
      if (problem !== null) return `refused: ${problem}`;
      const next = await sharedOnnxModel(loaded.onnx, {id: loaded.id, featureSet: m.features.set, featureNames: m.features.names});
      swaps.push({analyzer: a, next, scale: m.serving.scoreScale, model: modelInfo(info.ref, loaded, loaded.ref.channel)});
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
    await options.rescore?.(s.analyzer);
  }
  return 'ok';
}
