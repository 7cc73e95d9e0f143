import {type Analyzer, ErrorCode, IftbError, isIftbError, packageRoot, type Timeframe, timeframeMs} from '../core/index.js';
import type {StrategyKit} from '../decision/index.js';
import {readFileSync} from 'node:fs';
import {basename, isAbsolute, join, relative} from 'node:path';
import {sha256Hex} from '../config/index.js';
import {MODEL_ONNX, modelWindow} from '../ml/manifest.js';
import {parseModelRef} from '../ml/registry.js';
import {sharedOnnxModel} from '../ml/onnx-model.js';
import {createModelAnalyzer, type ModelAnalyzer} from '../signals/ml/index.js';
import {adx, atr, bollingerPercentB, createTaAnalyzer, ema, rsi, sma} from '../signals/ta/index.js';
import {unavailableAnalyzer} from '../signals/unavailable-analyzer.js';
import {openRegistry} from './models.js';
import {llmAnalyzer, type LlmKitRuntime} from './llm-runtime.js';

export interface StrategyKitOptions {
  /** Model registry folder (default models/ or $IFTB_MODELS_DIR). */
  readonly modelsDir?: string;
  /** Recorded answers, endpoint and journal for kit.llm.read; absent: the LLM source abstains. */
  readonly llm?: LlmKitRuntime;
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
  const analyzer = createModelAnalyzer({
    id: `ml.${id}`,
    featureSet: m.features.set,
    featureNames: m.features.names,
    timeframeMs: timeframeMs(m.market.timeframe as Timeframe),
    scoreScale: m.serving.scoreScale,
    load: () => sharedOnnxModel(loaded.onnx, {id, featureSet: m.features.set, featureNames: m.features.names}),
  });
  const model: MlModelInfo = {
    ref,
    model: id,
    channel: loaded.ref.channel,
    onnxSha256: m.files['model.onnx'].sha256,
    featureSet: m.features.set,
    label: m.label.definition,
    market: {symbol: m.market.symbol, timeframe: m.market.timeframe},
    windowMs: modelWindow(m),
    trainWindow: {from: m.windows.train.from, to: m.windows.train.to},
    validationWindow: {from: m.windows.validation.from, to: m.windows.validation.to},
  };
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
