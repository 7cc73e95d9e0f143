import type {OrderAck, OrderRequest, PositionView, VenueEvent} from '../trading.js';

/**
 * Where orders go. Simulated in backtest and paper mode, Binance in live mode. Synchronous, so
 * the per-bar loop never awaits: a live venue queues submissions and the live runner flushes
 * them between bars; their fills arrive in a later `sync`.
 */
export interface ExecutionVenue {
  readonly kind: 'simulated' | 'binance-usdm';
  /**
   * Advances the venue through bar `index` (its open, its high/low path, its close): settles
   * funding due in the bar, fills resting orders, liquidates. Events are in time order.
   * A simulated venue returns a shared empty array when nothing happened.
   */
  sync(index: number): readonly VenueEvent[];
  /** Accepts an order for execution from the next bar on; never fills inside the call. */
  submit(order: OrderRequest): OrderAck;
  /** Moves the trigger price of a resting stop (trailing stops); false if the order is gone. */
  amendStop(orderId: number, stopPrice: number): boolean;
  cancel(orderId: number, reason: string): boolean;
  cancelAll(reason: string): number;
  openOrders(): readonly OrderRequest[];
  position(): PositionView;
  /** Wallet balance: deposits + realised PnL − fees ± funding − liquidation fees. */
  walletBalance(): number;
}
