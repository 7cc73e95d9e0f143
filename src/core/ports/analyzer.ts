import type {BarView} from '../bar-view.js';
import type {BarColumns, FundingSeries} from '../market.js';

export type SignalSource = 'ta' | 'ml' | 'llm';
export const SIGNAL_SOURCES: readonly SignalSource[] = ['ta', 'ml', 'llm'];

/** One analyzer's reading at a bar's close. Reused across bars: the loop never allocates one per bar. */
export interface SignalSlot {
  /** −1 strongly short … +1 strongly long. */
  score: number;
  /** 0 … 1. */
  confidence: number;
  /** false = abstain (warming up, model unsure, no recorded LLM answer): left out of the ensemble. */
  active: boolean;
}

/** What the runner knows besides the candles; passed to `prepare` (optional for older analyzers). */
export interface AnalyzerContext {
  readonly timeframeMs: number;
  /** Funding settlements stored for the symbol over the loaded range (plus a little before), or null. */
  readonly funding: FundingSeries | null;
}

/**
 * A signal source. `update` is called for every bar in order with a read-only view bounded at the
 * bar (`bars.index`): later bars read NaN. Async work (ONNX batches, LLM replay look-ups) happens
 * in `prepare`, which the runner awaits before the bars it covers — in one batch for a backtest,
 * bar by bar live — on a private copy of the columns. A prepared reading at bar t must use only
 * bars ≤ t (and funding settled by bar t's close): `iftb check lookahead` replays `prepare` on
 * truncated series to prove it.
 */
export interface Analyzer {
  /** Stable and versioned, e.g. 'ta.composite@1', 'ml.xgb-dir@3', 'llm.market-read@v1'. */
  readonly id: string;
  readonly source: SignalSource;
  readonly warmupBars: number;
  /** Reads funding rates in `prepare` (the runner then loads them even with funding payments off). */
  readonly usesFunding?: boolean;
  prepare?(bars: BarColumns, from: number, to: number, context?: AnalyzerContext): Promise<void>;
  update(bars: BarView, out: SignalSlot): void;
  /**
   * Outside requests the analyzer made (an LLM endpoint) and how many failed, over its rolling
   * window as of the last `update`. The engine adds them to HealthSnapshot.venueRequests/venueErrors,
   * so the breaker's error-rate rule sees them. Returns the same live object every call.
   */
  health?(): Readonly<AnalyzerHealth>;
}

/** Request and error counts of an analyzer's rolling window. */
export interface AnalyzerHealth {
  requests: number;
  errors: number;
}

/** A plain numeric reading (SMA, ATR, …) a strategy can read by name. NaN while warming up. */
export interface Indicator {
  readonly id: string;
  readonly warmupBars: number;
  /** The reading at the view's current bar (`bars.index`); called once per bar, in order. */
  update(bars: BarView): number;
  /**
   * Optional: the same reading as `update`, written to out[slot]. The engine uses it when present:
   * a double returned from a call V8 does not inline is boxed (a heap allocation per bar), one
   * stored into a Float64Array is not.
   */
  updateInto?(bars: BarView, out: Float64Array, slot: number): void;
}

export function abstain(out: SignalSlot): void {
  out.score = 0;
  out.confidence = 0;
  out.active = false;
}
