import {type Analyzer, ErrorCode, isIftbError, type Timeframe, timeframeMs} from '../core/index.js';
import type {StrategyKit} from '../decision/index.js';
import {modelWindow} from '../ml/manifest.js';
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
}

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
function mlAnalyzer(ref: string, options: StrategyKitOptions): Analyzer {
  const registry = openRegistry(options.modelsDir);
  let loaded;
  try {
    loaded = registry.load(ref);
  } catch (error) {
    if (isIftbError(error, ErrorCode.MODEL_NOT_FOUND)) return unavailableAnalyzer(`ml.${ref}`, 'ml', `${error.message}; the XGBoost source abstains`);
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
