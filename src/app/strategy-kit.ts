import {type Analyzer, ErrorCode, IftbError, isIftbError, packageRoot, type Timeframe, timeframeMs} from '../core/index.js';
import type {StrategyKit} from '../decision/index.js';
import {readFileSync} from 'node:fs';
import {basename, isAbsolute, join, relative} from 'node:path';
import {sha256Hex} from '../config/index.js';
import {MODEL_ONNX, modelWindow} from '../ml/manifest.js';
import {parseModelRef} from '../ml/registry.js';
import {sharedOnnxModel} from '../ml/onnx-model.js';
import {createModelAnalyzer, FEATURE_SET_IDS, featureSet, type ModelAnalyzer} from '../signals/ml/index.js';
import {adx, atr, bollingerPercentB, createTaAnalyzer, ema, rsi, sma} from '../signals/ta/index.js';
import {unavailableAnalyzer} from '../signals/unavailable-analyzer.js';
import {openRegistry} from './models.js';
import {llmAnalyzer, type LlmKitRuntime} from './llm-runtime.js';

export interface StrategyKitOptions {
  /** Model registry folder (default models/ or $IFTB_MODELS_DIR). */
  readonly modelsDir?: string;
  /** Recorded answers, endpoint and journal for kit.llm.read; absent: the LLM source abstains. */
  readonly llm?: LlmKitRuntime;
  /**
   * A session's models per reference, instead of resolving the reference now: the exact versions
   * (sha256-checked) that served it, each from the bar opening at `fromBarMs` (the first −∞). A
   * restarted session starts from its record's models; `iftb live diff` replays every swap.
   */
  readonly models?: ReadonlyMap<string, readonly ServedModelRef[]>;
}

export interface ServedModelRef {
  readonly fromBarMs: number;
  /** 'xgb-dir@3'. */
  readonly model: string;
  readonly sha256: string;
}

/** What a run records about the model behind an ML analyzer (run.json `ml`, the run's identity). */
export interface MlModelInfo {
  /** The reference the strategy gave ('xgb-dir@live'). */
  readonly ref: string;
  /** What it resolved to ('xgb-dir@3'). */
  readonly model: string;
  readonly channel: string | null;
  readonly onnxSha256: string;
  readonly featureSet: string;
  readonly label: string;
  readonly market: {readonly symbol: string; readonly timeframe: string};
  /** Everything the model has seen: training and validation, [fromMs, toMs). */
  readonly windowMs: {readonly fromMs: number; readonly toMs: number};
  readonly trainWindow: {readonly from: string; readonly to: string};
  readonly validationWindow: {readonly from: string; readonly to: string};
  /**
   * A walk-forward series (`name@wf`): which model scored which bars. Each fold's model scores its
   * test span, the last (deployed) model the bars after its window; every scored bar is out of sample.
   */
  readonly walkForward?: {
    readonly segments: ReadonlyArray<{readonly file: string; readonly sha256: string; readonly trainedTo: string; readonly scores: {readonly from: string; readonly to: string | null}}>;
  };
}

/** `name@wf`: the walk-forward series of a model name (its newest version trained with --walk-forward). */
export const WALK_FORWARD_TARGET = 'wf';

export type MlAnalyzer = ModelAnalyzer & {readonly model: MlModelInfo};

export function mlModelOf(analyzer: Analyzer): MlModelInfo | null {
  const model = (analyzer as Partial<MlAnalyzer>).model;
  return model && typeof model.onnxSha256 === 'string' ? model : null;
}

/**
 * The ML source for a model reference: resolved through the registry and checked (sha256) when
 * the strategy is set up; the ONNX session is created on the first prepare. A reference that does
 * not resolve (no model, no pin) abstains with the reason, so a clone without models still runs;
 * a model that fails its integrity check is refused (IFTB_E_MODEL_INTEGRITY).
 */
/** A folder as run.json shows it: relative to the project when inside it, so outputs do not depend on the checkout path. */
function shownPath(dir: string): string {
  const rel = relative(packageRoot(), dir);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? basename(dir) : rel;
}

function mlAnalyzer(ref: string, options: StrategyKitOptions): Analyzer {
  const registry = openRegistry(options.modelsDir);
  const served = options.models?.get(ref);
  if (served !== undefined && served.length > 0) return servedAnalyzer(ref, served, registry);
  if (ref.endsWith(`@${WALK_FORWARD_TARGET}`)) return walkForwardAnalyzer(ref, registry);
  let loaded;
  try {
    loaded = registry.load(ref);
  } catch (error) {
    if (isIftbError(error, ErrorCode.MODEL_NOT_FOUND)) {
      // The reason lands in run.json: name the models folder relative to the project, not this machine's path.
      const reason = error.message.replaceAll(registry.root, shownPath(registry.root));
      return unavailableAnalyzer(`ml.${ref}`, 'ml', `${reason}; the XGBoost source abstains`);
    }
    throw error;
  }
  const m = loaded.manifest;
  const id = loaded.id;
  refuseForeignFeatures(loaded);
  const analyzer = createModelAnalyzer({
    id: `ml.${id}`,
    featureSet: m.features.set,
    featureNames: m.features.names,
    timeframeMs: timeframeMs(m.market.timeframe as Timeframe),
    scoreScale: m.serving.scoreScale,
    load: () => sharedOnnxModel(loaded.onnx, {id, featureSet: m.features.set, featureNames: m.features.names}),
  });
  return Object.assign(analyzer, {model: modelInfo(ref, loaded, loaded.ref.channel)});
}

/** A model whose feature set this build does not compute, or computes with other columns, cannot be fed: refused when the strategy is set up. */
function refuseForeignFeatures(loaded: LoadedModel): void {
  const f = loaded.manifest.features;
  if (!FEATURE_SET_IDS.includes(f.set)) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${loaded.id} reads feature set ${f.set}, which this build does not compute (it computes ${FEATURE_SET_IDS.join(', ')})`);
  }
  const names = featureSet(f.set).names;
  const k = names.findIndex((n, i) => n !== f.names[i]);
  if (k >= 0 || names.length !== f.names.length) {
    const at = k >= 0 ? k : Math.min(names.length, f.names.length);
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${loaded.id} reads feature set ${f.set} with other columns than this build's (column ${at}: ${f.names[at] ?? 'none'}, here ${names[at] ?? 'none'})`);
  }
}

type LoadedModel = ReturnType<ReturnType<typeof openRegistry>['load']>;

/** What a run records about `loaded` serving the reference `ref` (also after a reload swapped it in). */
export function modelInfo(ref: string, loaded: LoadedModel, channel: string | null): MlModelInfo {
  const m = loaded.manifest;
  return {
    ref,
    model: loaded.id,
    channel,
    onnxSha256: m.files[MODEL_ONNX].sha256,
    featureSet: m.features.set,
    label: m.label.definition,
    market: {symbol: m.market.symbol, timeframe: m.market.timeframe},
    windowMs: modelWindow(m),
    trainWindow: {from: m.windows.train.from, to: m.windows.train.to},
    validationWindow: {from: m.windows.validation.from, to: m.windows.validation.to},
  };
}

/** An exact version whose ONNX file must have the sha256 a session recorded for it. */
export function loadExactModel(registry: ReturnType<typeof openRegistry>, model: string, sha256: string): LoadedModel {
  const loaded = registry.load(model);
  const actual = loaded.manifest.files[MODEL_ONNX].sha256;
  if (loaded.id !== model || actual !== sha256) {
    throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${model}: the session scored with model.onnx sha256 ${sha256.slice(0, 12)}…, the registry holds ${loaded.id} with ${actual.slice(0, 12)}…`);
  }
  return loaded;
}

/**
 * The models a session recorded for a reference (kit option `models`): one exact version, or
 * several each scoring the bars from its `fromBarMs` on (one batch per model in prepare). The
 * source keeps the id of the first, as the session's journal names it.
 */
function servedAnalyzer(ref: string, served: readonly ServedModelRef[], registry: ReturnType<typeof openRegistry>): Analyzer {
  const loads = served.map((s) => loadExactModel(registry, s.model, s.sha256));
  for (const l of loads) refuseForeignFeatures(l);
  const first = loads[0];
  const m = first.manifest;
  const common = {featureSet: m.features.set, featureNames: m.features.names};
  for (const l of loads) {
    const f = l.manifest.features;
    if (f.set !== m.features.set || f.names.join() !== m.features.names.join() || l.manifest.market.timeframe !== m.market.timeframe) {
      throw new IftbError(ErrorCode.CONFIG_INVALID, `${ref}: ${l.id} reads ${f.set} on ${l.manifest.market.timeframe} bars, ${first.id} ${m.features.set} on ${m.market.timeframe}: one source cannot serve both`);
    }
  }
  const online = (l: LoadedModel) => () => sharedOnnxModel(l.onnx, {id: l.id, ...common});
  const analyzer = createModelAnalyzer({
    id: `ml.${first.id}`,
    ...common,
    timeframeMs: timeframeMs(m.market.timeframe as Timeframe),
    scoreScale: m.serving.scoreScale,
    load: online(first),
    ...(loads.length === 1 ? {} : {
      segments: loads.map((l, k) => ({fromMs: served[k].fromBarMs, toMs: served[k + 1]?.fromBarMs ?? Number.POSITIVE_INFINITY, scoreScale: l.manifest.serving.scoreScale, load: online(l)})),
    }),
  });
  const {target} = parseModelRef(ref);
  const info = modelInfo(ref, first, /^\d/.test(target) ? null : target);
  // Several models: the identity covers all of them (as a walk-forward series' does).
  const model = loads.length === 1 ? info : {...info, model: loads.map((l) => l.id).join(' → '), onnxSha256: sha256Hex(served.map((s) => s.sha256).join(','))};
  return Object.assign(analyzer, {model});
}

/**
 * `name@wf`: one analyzer over the newest version of `name` trained with `--walk-forward` (its fold
 * models kept in the version folder, all sha256-checked on load). Fold k scores the bars that open
 * in its test span; the version's own model scores the bars after its window; other bars abstain.
 */
function walkForwardAnalyzer(ref: string, registry: ReturnType<typeof openRegistry>): Analyzer {
  const {name} = parseModelRef(ref);
  const version = registry
    .versions(name)
    .filter((v) => {
      const wf = registry.manifest(name, v).walkForward;
      return wf !== undefined && wf.folds.length > 0 && wf.folds.every((f) => f.model !== undefined);
    })
    .at(-1);
  if (version === undefined) {
    return unavailableAnalyzer(`ml.${ref}`, 'ml', `no version of ${name} in ${shownPath(registry.root)} has walk-forward fold models (train one with \`iftb train --name ${name} --walk-forward --train 180d --test 30d\`); the XGBoost source abstains`);
  }
  const loaded = registry.load(`${name}@${version}`);
  const m = loaded.manifest;
  const wf = m.walkForward!;
  const id = `${loaded.id}/${WALK_FORWARD_TARGET}`;
  const common = {featureSet: m.features.set, featureNames: m.features.names};
  const final = modelWindow(m);
  const parts = [
    ...wf.folds.map((f) => ({file: f.model!.file, sha256: f.model!.sha256, scoreScale: f.model!.scoreScale, trainedToMs: f.test.fromMs, fromMs: f.test.fromMs, toMs: f.test.toMs})),
    {file: MODEL_ONNX, sha256: m.files[MODEL_ONNX].sha256, scoreScale: m.serving.scoreScale, trainedToMs: final.toMs, fromMs: final.toMs, toMs: Number.POSITIVE_INFINITY},
  ];
  for (const part of parts) {
    if (m.files[part.file]?.sha256 !== part.sha256) throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${loaded.id}: walk-forward model ${part.file} is not listed with its sha256 in the manifest`);
  }
  const analyzer = createModelAnalyzer({
    id: `ml.${id}`,
    ...common,
    timeframeMs: timeframeMs(m.market.timeframe as Timeframe),
    load: () => Promise.reject(new Error('unused: segments')),
    segments: parts.map((part) => ({
      fromMs: part.fromMs, toMs: part.toMs, scoreScale: part.scoreScale,
      load: () => sharedOnnxModel(readFileSync(join(loaded.dir, part.file)), {id: `${loaded.id}:${part.file}`, ...common}),
    })),
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const first = parts[0].fromMs;
  const model: MlModelInfo = {
    ref,
    model: id,
    channel: null,
    onnxSha256: sha256Hex(parts.map((p) => p.sha256).join(',')),
    featureSet: m.features.set,
    label: m.label.definition,
    market: {symbol: m.market.symbol, timeframe: m.market.timeframe},
    // Every bar is scored by a model trained before it: no decision bar is in sample.
    windowMs: {fromMs: first, toMs: first},
    trainWindow: {from: wf.folds[0].train.from, to: m.windows.train.to},
    validationWindow: {from: m.windows.validation.from, to: m.windows.validation.to},
    walkForward: {
      segments: parts.map((p) => ({file: p.file, sha256: p.sha256, trainedTo: iso(p.trainedToMs), scores: {from: iso(p.fromMs), to: Number.isFinite(p.toMs) ? iso(p.toMs) : null}})),
    },
  };
  return Object.assign(analyzer, {model});
}

/** The kit handed to strategies. */
export function createStrategyKit(options: StrategyKitOptions = {}): StrategyKit {
  return {
    ta: {
      sma: (period) => sma(period),
      ema: (period) => ema(period),
      rsi: (period) => rsi(period),
      atr: (period) => atr(period),
      adx: (period) => adx(period),
      bollingerPercentB: (period, k) => bollingerPercentB(period, k),
      composite: (options) => createTaAnalyzer(options ?? {}),
    },
    ml: {
      model: (ref) => mlAnalyzer(ref, options),
    },
    llm: {
      read: (promptId) => llmAnalyzer(promptId, options.llm),
    },
  };
}
