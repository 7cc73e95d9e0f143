/**
 * What the venue checks when an order is submitted (the engine gets a `rejected` ack). Checks
 * that depend on the position or the wallet (reduce-only direction, margin) can only be made
 * when the order fills, and happen there.
 */
import type {InstrumentSpec, OrderRequest, SymbolId} from '../core/index.js';
import type {Grid} from './precision.js';

export interface SubmitContext {
  readonly symbol: SymbolId;
  readonly spec: InstrumentSpec;
  readonly tick: Grid;
  readonly step: Grid;
  /**
   * Price for the notional of a market order: the last closed bar's close, the price the
   * decision was made at (NaN before the first bar: the check is skipped).
   */
  readonly referencePrice: number;
}

const validPrice = (tick: Grid, price: number | undefined): boolean =>
  price !== undefined && price > 0 && Number.isFinite(price) && tick.isMultiple(price);

/** The rejection reason, or null when the order is acceptable. */
export function submitRejection(order: OrderRequest, ctx: SubmitContext): string | null {
  const {spec} = ctx;
  if (!Number.isInteger(order.id) || order.id < 0) return 'invalid-order-id'; // negative ids are the venue's own
  if (order.symbol !== ctx.symbol) return 'wrong-symbol';
  if (!(order.qty > 0) || !Number.isFinite(order.qty)) return 'qty-not-positive';
  if (!ctx.step.isMultiple(order.qty)) return 'qty-not-step-multiple';
  if (order.qty < spec.minQty - spec.stepSize * 1e-9) return 'qty-below-min';
  let level: number;
  switch (order.type) {
    case 'market':
      level = ctx.referencePrice;
      break;
    case 'limit':
      if (!validPrice(ctx.tick, order.price)) return 'price-not-tick-multiple';
      level = order.price as number;
      break;
    case 'stop-market':
      if (!validPrice(ctx.tick, order.stopPrice)) return 'stop-price-not-tick-multiple';
      level = order.stopPrice as number;
      break;
    default:
      return 'unsupported-order-type';
  }
  const attached = order.attached;
  if (attached !== undefined) {
    if (order.reduceOnly) return 'attached-on-reduce-only';
    if (attached.stopLoss !== undefined && !validPrice(ctx.tick, attached.stopLoss)) return 'stop-loss-not-tick-multiple';
    if (attached.takeProfit !== undefined && !validPrice(ctx.tick, attached.takeProfit)) return 'take-profit-not-tick-multiple';
  }
  // Binance exempts reduce-only orders from MIN_NOTIONAL so a small remainder can always be closed.
  if (!order.reduceOnly && order.qty * level < spec.minNotional) return 'min-notional';
  return null;
}
