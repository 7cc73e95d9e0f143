import type {z} from 'zod';
import type {Analyzer, DecisionContext, Indicator, Intent, SignalSource} from '../core/index.js';

/** What a strategy can build its signals from; the composition root supplies the implementations. */
export interface StrategyKit {
  readonly ta: {
    sma(period: number): Indicator;
    ema(period: number): Indicator;
    rsi(period: number): Indicator;
    atr(period: number): Indicator;
    adx(period: number): Indicator;
    bollingerPercentB(period: number, k: number): Indicator;
    /** The technical-analysis signal source (RSI, MACD, Bollinger, EMA trend, ATR, ADX, patterns). */
    composite(options?: Record<string, unknown>): Analyzer;
  };
  readonly ml: {
    /** The XGBoost signal source for a model reference ('name@version' or 'name@channel'). */
    model(ref: string): Analyzer;
  };
  readonly llm: {
    /** The LLM signal source for a versioned prompt id ('market-read@v1'). */
    read(promptId: string): Analyzer;
  };
}

export type SourceWeights = Readonly<Record<SignalSource, number>>;

/** The signals, readings and weights a strategy asks the engine to compute for it. */
export interface StrategySetup {
  readonly analyzers?: readonly Analyzer[];
  readonly indicators?: Readonly<Record<string, Indicator>>;
  /** Ensemble weights per source; default TA 0.40, ML 0.35, LLM 0.25. */
  readonly weights?: Partial<SourceWeights>;
  /** Name of the indicator the risk manager uses as ATR (risk-per-trade sizing, ATR stops). */
  readonly atr?: string;
}

/** One searchable parameter for `iftb optimize` (validated there; dotted keys reach nested params). */
export type ParamRange =
  | {readonly type: 'int'; readonly min: number; readonly max: number; readonly step?: number; readonly log?: boolean}
  | {readonly type: 'float'; readonly min: number; readonly max: number; readonly step?: number; readonly log?: boolean}
  | {readonly type: 'choice'; readonly values: ReadonlyArray<number | string | boolean>};

/** The search space a strategy declares beside its parameter schema: ranges and constraints such as `fast < slow`. */
export interface StrategySpace {
  readonly params: Readonly<Record<string, ParamRange>>;
  readonly constraints?: readonly string[];
}

export interface StrategyDefinition<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** Semver; part of the config hash, so a changed strategy is a different run. */
  readonly version: string;
  readonly description: string;
  readonly params: P;
  /** What `iftb optimize` searches when no --space or --range is given. */
  readonly space?: StrategySpace;
  setup(params: z.output<P>, kit: StrategyKit): StrategySetup;
  /** Synchronous and pure: the same context and params give the same intent. */
  decide(context: DecisionContext, params: z.output<P>): Intent;
}

const STRATEGY_BRAND = Symbol.for('iftb.strategy');

export function defineStrategy<P extends z.ZodType>(definition: StrategyDefinition<P>): StrategyDefinition<P> {
  return Object.freeze({...definition, [STRATEGY_BRAND]: true});
}

export function isStrategy(value: unknown): value is StrategyDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STRATEGY_BRAND] === true;
}

export const DEFAULT_WEIGHTS: SourceWeights = Object.freeze({ta: 0.4, ml: 0.35, llm: 0.25});
