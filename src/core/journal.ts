import type {ErrorCode} from './errors.js';
import type {Intent} from './ports/decision.js';
import type {BreakerState, Fill, FundingPayment, Liquidation, OrderRequest, TradingState} from './trading.js';

/** Every state change and every cash change of a run, in order. Journaled to the store. */
export type JournalEvent =
  | {
      readonly type: 'intent';
      readonly timeMs: number;
      readonly intent: Exclude<Intent, {kind: 'hold'}>;
      readonly scores: Readonly<Record<string, number>>;
      /** The symbol decided on; present in portfolio runs only (a single-symbol journal stays as it was). */
      readonly symbol?: string;
    }
  | {
      readonly type: 'denied';
      readonly timeMs: number;
      readonly reason: string;
      readonly detail: string;
      /** The symbol refused; present in portfolio runs only. */
      readonly symbol?: string;
    }
  | {readonly type: 'order'; readonly timeMs: number; readonly order: OrderRequest}
  | {readonly type: 'fill'; readonly timeMs: number; readonly fill: Fill}
  | {readonly type: 'funding'; readonly timeMs: number; readonly funding: FundingPayment}
  | {readonly type: 'liquidation'; readonly timeMs: number; readonly liquidation: Liquidation}
  | {readonly type: 'canceled'; readonly timeMs: number; readonly orderId: number; readonly reason: string; readonly symbol?: string}
  | {readonly type: 'rejected'; readonly timeMs: number; readonly orderId: number; readonly reason: string; readonly symbol?: string}
  | {readonly type: 'state'; readonly timeMs: number; readonly from: TradingState; readonly to: TradingState; readonly cause: string}
  | {
      readonly type: 'breaker';
      readonly timeMs: number;
      /** 'drawdown', 'daily-loss', 'loss-streak', 'error-rate', 'latency', 'stale-data', 'manual'. */
      readonly rule: string;
      readonly level: 'warn' | 'trip' | 'recover' | 'reset';
      readonly state: BreakerState;
      readonly detail: string;
    }
  | {readonly type: 'kill-switch'; readonly timeMs: number; readonly action: 'activate' | 'deactivate' | 'force-deactivate' | 'flatten'; readonly reason: string; readonly by: string}
  /** Live: an operator's model reload swapped the model an ML source scores with (from the next bar). */
  | {readonly type: 'model'; readonly timeMs: number; readonly action: 'reload'; readonly source: string; readonly ref: string; readonly from: string; readonly model: string; readonly sha256: string; readonly by: string}
  | {readonly type: 'error'; readonly timeMs: number; readonly code: ErrorCode | string; readonly message: string}
  /**
   * A shadow run's per-bar record (never in a champion's journal): each ML source's score at the
   * bar's close for the champion and for the challenger, null where it abstained.
   */
  | {readonly type: 'reading'; readonly timeMs: number; readonly barOpenMs: number; readonly symbol: string; readonly readings: readonly ModelReading[]};

/** One ML source's score at a bar, with the model (and its ONNX sha256) that gave it. */
export interface ModelReading {
  readonly role: 'champion' | 'challenger';
  readonly source: string;
  readonly model: string;
  readonly sha256: string;
  readonly score: number | null;
}

export type JournalSink = (event: JournalEvent) => void;

/** A run's journal as it is read: in order, by index, or as a slice (an array journal or a columnar one). */
export interface JournalLog extends Iterable<JournalEvent> {
  readonly length: number;
  at(index: number): JournalEvent;
  slice(from?: number, to?: number): JournalEvent[];
  /** Every event as one array (made once and kept). */
  toArray(): readonly JournalEvent[];
}
