import type {Intent} from './decision.js';
import type {InstrumentSpec, OrderRequest, TradingState} from '../trading.js';

export type ActionIntent = Exclude<Intent, {kind: 'hold'}>;

/** An order before the engine numbers it and stamps it with the symbol and time. */
export type OrderDraft = Omit<OrderRequest, 'id' | 'clientOrderId' | 'symbol' | 'createdMs'>;

/** What the risk manager knows at a decision, for one symbol of the account. Reused across bars. */
export interface RiskInput {
  readonly timeMs: number;
  /** Reference price: the decision bar's close. */
  readonly price: number;
  readonly positionQty: number;
  readonly entryPrice: number;
  readonly equity: number;
  readonly walletBalance: number;
  /** Average true range at the decision bar; NaN while unknown. */
  readonly atr: number;
  readonly instrument: InstrumentSpec;
  readonly state: TradingState;
  /** Σ |qty| × mark of the account's other open positions (portfolio limits). */
  readonly otherExposure: number;
  /** How many other symbols hold a position. */
  readonly otherPositions: number;
}

export type RiskVerdict =
  | {readonly ok: true; readonly orders: readonly OrderDraft[]}
  | {readonly ok: false; readonly reason: string; readonly detail: string};

/** Sizes, rounds to the instrument's step and tick, and checks limits. Denials are values. */
export interface RiskManager {
  plan(intent: ActionIntent, input: RiskInput): RiskVerdict;
  /**
   * Trailing stop at a bar's close: the new trigger price for the position's protective stop
   * (only ever tightened), or NaN to leave it where it is.
   */
  trail(input: RiskInput, barHigh: number, barLow: number, currentStop: number): number;
}

/** Health of the run at a bar's close; the breakers are pure functions of it. Reused across bars. */
export interface HealthSnapshot {
  timeMs: number;
  equity: number;
  /** Candle gap or stale feed detected at this bar. */
  staleData: boolean;
  /** How old the newest bar is when the decision runs (0 in replay). */
  dataAgeMs: number;
  /** Time the analyzers and decision took (simulated value in replay, for determinism). */
  decisionLatencyMs: number;
  /** Venue requests and errors in the rolling window (live); 0/0 in replay unless simulated. */
  venueRequests: number;
  venueErrors: number;
}

/** Folds pause, circuit breaker and kill switch into one trading state, journaling every change. */
export interface TradingGate {
  state(): TradingState;
  /** Called at each bar's close, before the decision; returns the state after it (what state() returns then). */
  onBar(health: Readonly<HealthSnapshot>): TradingState;
  /** Called when a position is closed (fully), with its realised PnL net of costs. */
  onTradeClosed(pnl: number, timeMs: number): void;
  /** null when the order may go out under the current state, else the reason it may not. */
  deny(order: Pick<OrderRequest, 'reduceOnly' | 'reason'>): string | null;
  /** True once after the kill switch engages: the engine cancels everything and closes the position. */
  mustFlatten(): boolean;
  flattened(timeMs: number): void;
}
