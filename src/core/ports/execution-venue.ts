import type {SymbolId} from '../market.js';
import type {OrderAck, OrderRequest, PositionView, VenueEvent} from '../trading.js';

/**
 * Where orders go: one account, one lane per symbol (in the engine's symbol order). Simulated in
 * backtest and paper mode, Binance in live mode. Synchronous, so the per-bar loop never awaits: a
 * live venue queues submissions and the live runner flushes them between bars; their fills
 * arrive in a later `sync`.
 */
export interface ExecutionVenue {
  readonly kind: 'simulated' | 'binance-usdm';
  /** The lanes: `symbols[k]` is lane k. */
  readonly symbols: readonly SymbolId[];
  /**
   * Advances lane `lane` through its bar `index` (its open, its high/low path, its close): settles
   * funding due in the bar, fills resting orders, liquidates. Events are in time order. A
   * simulated venue returns a shared empty array when nothing happened.
   */
  sync(index: number, lane: number): readonly VenueEvent[];
  /** Accepts an order (its symbol picks the lane) for execution from the next bar on; never fills inside the call. */
  submit(order: OrderRequest): OrderAck;
  /** Moves the trigger price of a resting stop (trailing stops); false if the order is gone. */
  amendStop(orderId: number, stopPrice: number): boolean;
  cancel(orderId: number, reason: string): boolean;
  /** Cancels every open order of every symbol; returns how many. */
  cancelAll(reason: string): number;
  openOrders(lane: number): readonly OrderRequest[];
  position(lane: number): PositionView;
  /** Wallet balance of the account: deposits + realised PnL − fees ± funding − liquidation fees. */
  walletBalance(): number;
}
