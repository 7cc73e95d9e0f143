import type {BarColumns} from '../market.js';

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

/**
 * A signal source. `update` is called for every bar in order and sees only bars ≤ index (closed
 * bars). Async work (ONNX batches, LLM replay look-ups) happens in `prepare`, which the runner
 * awaits before the bars it covers — in one batch for a backtest, bar by bar live.
 */
export interface Analyzer {
  /** Stable and versioned, e.g. 'ta.composite@1', 'ml.xgb-dir@3', 'llm.market-read@v1'. */
  readonly id: string;
  readonly source: SignalSource;
  readonly warmupBars: number;
  prepare?(bars: BarColumns, from: number, to: number): Promise<void>;
  update(bars: BarColumns, index: number, out: SignalSlot): void;
}

/** A plain numeric reading (SMA, ATR, …) a strategy can read by name. NaN while warming up. */
export interface Indicator {
  readonly id: string;
  readonly warmupBars: number;
  update(bars: BarColumns, index: number): number;
}

export function abstain(out: SignalSlot): void {
  out.score = 0;
  out.confidence = 0;
  out.active = false;
}
