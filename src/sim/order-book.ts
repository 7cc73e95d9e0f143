/**
 * The venue's open orders: market orders waiting for the next bar's open, and resting limit and
 * stop-market orders. A handful of orders at most, so plain arrays in placement order (which is
 * also the tie-break when two orders trigger at the same point of the path).
 */
import type {OrderRequest, OrderSide, OrderType} from '../core/index.js';

export interface BookOrder {
  /** The order as the engine sees it in openOrders(); replaced (not mutated) when amended. */
  request: OrderRequest;
  readonly id: number;
  readonly side: OrderSide;
  /** +1 buy, −1 sell. */
  readonly sign: number;
  readonly type: OrderType;
  readonly qty: number;
  /** Limit price (limit orders), else NaN. */
  readonly price: number;
  /** Trigger price (stop-market orders), else NaN; amendStop moves it. */
  stopPrice: number;
  readonly reduceOnly: boolean;
  /** Venue-placed protective order: the sign of the position it protects (+1 long, −1 short); 0 otherwise. */
  readonly protects: number;
  /** Id of the one-cancels-other sibling, or NaN. */
  readonly ocoId: number;
}

export function bookOrder(request: OrderRequest, protects = 0, ocoId = Number.NaN): BookOrder {
  return {
    request,
    id: request.id,
    side: request.side,
    sign: request.side === 'buy' ? 1 : -1,
    type: request.type,
    qty: request.qty,
    price: request.type === 'limit' ? (request.price ?? Number.NaN) : Number.NaN,
    stopPrice: request.type === 'stop-market' ? (request.stopPrice ?? Number.NaN) : Number.NaN,
    reduceOnly: request.reduceOnly,
    protects,
    ocoId,
  };
}

const EMPTY_REQUESTS: readonly OrderRequest[] = Object.freeze([]);

export class OrderBook {
  /** Market orders in submission order; they fill at the next bar's open. */
  market: BookOrder[] = [];
  /** Limit and stop-market orders in placement order. */
  readonly resting: BookOrder[] = [];
  /** How many resting orders are venue-placed protective orders (skip scans when 0). */
  protectiveCount = 0;
  private requests: readonly OrderRequest[] | null = EMPTY_REQUESTS;

  get size(): number {
    return this.market.length + this.resting.length;
  }

  add(order: BookOrder): void {
    if (order.type === 'market') this.market.push(order);
    else {
      this.resting.push(order);
      if (order.protects !== 0) this.protectiveCount++;
    }
    this.requests = null;
  }

  find(id: number): BookOrder | undefined {
    for (const order of this.resting) if (order.id === id) return order;
    for (const order of this.market) if (order.id === id) return order;
    return undefined;
  }

  remove(id: number): BookOrder | undefined {
    let index = this.resting.findIndex((order) => order.id === id);
    if (index >= 0) {
      const [order] = this.resting.splice(index, 1);
      if (order.protects !== 0) this.protectiveCount--;
      this.requests = null;
      return order;
    }
    index = this.market.findIndex((order) => order.id === id);
    if (index < 0) return undefined;
    this.requests = null;
    return this.market.splice(index, 1)[0];
  }

  /** Removes the resting order at `index` (the path walker knows where it is). */
  removeRestingAt(index: number): BookOrder {
    const [order] = this.resting.splice(index, 1);
    if (order.protects !== 0) this.protectiveCount--;
    this.requests = null;
    return order;
  }

  /** Hands over the queued market orders (a fresh queue takes their place). */
  takeMarket(): BookOrder[] {
    const taken = this.market;
    this.market = [];
    this.requests = null;
    return taken;
  }

  clear(): number {
    const count = this.size;
    this.market.length = 0;
    this.resting.length = 0;
    this.protectiveCount = 0;
    this.requests = null;
    return count;
  }

  amended(): void {
    this.requests = null;
  }

  /** Open orders as requests, cached until the book changes (the engine may ask every bar). */
  openRequests(): readonly OrderRequest[] {
    return this.requests ?? this.#collect();
  }

  #collect(): readonly OrderRequest[] {
    const all = [...this.market, ...this.resting].map((order) => order.request);
    this.requests = all.length === 0 ? EMPTY_REQUESTS : Object.freeze(all);
    return this.requests;
  }
}
