/**
 * Every order a live session placed (or adopted), by client order id, with its lifecycle. A row is
 * written before its request is sent ('pending'); an answer moves it on; a timeout, 5xx or dropped
 * connection leaves it 'unknown' until a query by client id says what happened — never a blind
 * resend. Fills are keyed by the exchange's trade id, so one delivered twice (stream and REST) is
 * applied once.
 */
import {
  type ExchangeFillRecord,
  type ExchangeOrder,
  type ExchangeTrade,
  type OrderRequest,
  type SessionStore,
  TERMINAL_ORDER_STATES,
  type TrackedOrder,
  type TrackedOrderState,
} from '../core/index.js';

export function isTerminal(state: TrackedOrderState): boolean {
  return TERMINAL_ORDER_STATES.includes(state);
}

/** The order state an exchange status means. */
export function stateOf(order: ExchangeOrder): TrackedOrderState {
  switch (order.status) {
    case 'new':
      return 'open';
    case 'partially-filled':
      return 'partially-filled';
    default:
      return order.status;
  }
}

export class OrderTracker {
  readonly #byClient = new Map<string, TrackedOrder>();
  readonly #byEngineId = new Map<number, string>();
  readonly #byExchangeId = new Map<string, string>();
  readonly #trades = new Set<string>();
  /** Rows the store refused (it is down): the running bot goes on from memory; written before the next bar commit. */
  readonly #unsavedOrders = new Map<string, TrackedOrder>();
  #unsavedFills: ExchangeFillRecord[] = [];

  constructor(
    readonly sessionId: string,
    private readonly store: SessionStore,
  ) {}

  /** Restores the session's orders and fill ids (restart). */
  async load(): Promise<void> {
    for (const o of await this.store.orders(this.sessionId)) this.#index(o);
    for (const f of await this.store.fills(this.sessionId)) this.#trades.add(`${f.symbol}|${f.tradeId}`);
  }

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.#byClient.get(clientOrderId);
  }

  byEngineId(orderId: number): TrackedOrder | undefined {
    const cid = this.#byEngineId.get(orderId);
    return cid === undefined ? undefined : this.#byClient.get(cid);
  }

  byExchangeId(exchangeOrderId: string): TrackedOrder | undefined {
    const cid = this.#byExchangeId.get(exchangeOrderId);
    return cid === undefined ? undefined : this.#byClient.get(cid);
  }

  all(): TrackedOrder[] {
    return [...this.#byClient.values()];
  }

  open(): TrackedOrder[] {
    return this.all().filter((o) => !isTerminal(o.state));
  }

  /** A new order row (not yet stored). */
  draft(request: OrderRequest, type: TrackedOrder['type'], origin: TrackedOrder['origin'], parent: string | null, nowMs: number): TrackedOrder {
    return {
      sessionId: this.sessionId, clientOrderId: request.clientOrderId, orderId: request.id, symbol: request.symbol, side: request.side, type,
      qty: request.qty, price: request.price ?? Number.NaN, stopPrice: request.stopPrice ?? Number.NaN, reduceOnly: request.reduceOnly,
      reason: request.reason, origin, parentClientOrderId: parent, state: 'pending', exchangeOrderId: null, filledQty: 0, avgPrice: Number.NaN,
      createdMs: request.createdMs, updatedMs: nowMs, detail: null,
    };
  }

  /** Stores the row durably, then indexes it; throws when the store is down (an order is never sent unstored). */
  async save(order: TrackedOrder): Promise<TrackedOrder> {
    await this.store.upsertOrder(order);
    this.#unsavedOrders.delete(order.clientOrderId);
    this.#index(order);
    return order;
  }

  /**
   * What the exchange already did, kept in memory at once and stored when the store takes it: a
   * store outage must not make the bot forget an order's answer or an adopted order.
   */
  async keep(order: TrackedOrder): Promise<TrackedOrder> {
    this.#index(order);
    try {
      await this.store.upsertOrder(order);
      this.#unsavedOrders.delete(order.clientOrderId);
    } catch {
      this.#unsavedOrders.set(order.clientOrderId, order);
    }
    return order;
  }

  /** The row moved on to what the exchange said of it. */
  async update(order: TrackedOrder, seen: ExchangeOrder, nowMs: number): Promise<TrackedOrder> {
    const next: TrackedOrder = {
      ...order, state: stateOf(seen), exchangeOrderId: seen.exchangeOrderId, filledQty: Math.max(order.filledQty, seen.filledQty),
      avgPrice: seen.avgPrice === seen.avgPrice ? seen.avgPrice : order.avgPrice, updatedMs: nowMs,
    };
    return this.keep(next);
  }

  async setState(order: TrackedOrder, state: TrackedOrderState, detail: string | null, nowMs: number): Promise<TrackedOrder> {
    return this.keep({...order, state, detail, updatedMs: nowMs});
  }

  /** Rows and fills waiting for the store. */
  get unsaved(): number {
    return this.#unsavedOrders.size + this.#unsavedFills.length;
  }

  /**
   * Writes what the store refused; throws while it is still down. The loop calls it before each
   * bar commit, so a commit never marks delivered a fill whose row is not stored.
   */
  async flushUnsaved(): Promise<void> {
    for (const order of [...this.#unsavedOrders.values()]) {
      await this.store.upsertOrder(order);
      if (this.#unsavedOrders.get(order.clientOrderId) === order) this.#unsavedOrders.delete(order.clientOrderId);
    }
    if (this.#unsavedFills.length > 0) {
      const fills = this.#unsavedFills;
      await this.store.appendFills(fills);
      this.#unsavedFills = this.#unsavedFills.slice(fills.length);
    }
  }

  /**
   * Stores an execution of `order` (durably) the first time its trade id is seen; false when it
   * was already stored (the same fill from the stream and from REST).
   */
  async recordFill(trade: ExchangeTrade, order: TrackedOrder): Promise<boolean> {
    const key = `${trade.symbol}|${trade.tradeId}`;
    if (this.#trades.has(key)) return false;
    const record: ExchangeFillRecord = {
      sessionId: this.sessionId, symbol: trade.symbol, tradeId: trade.tradeId, clientOrderId: order.clientOrderId, exchangeOrderId: trade.exchangeOrderId,
      side: trade.side, qty: trade.qty, price: trade.price, fee: trade.fee, feeAsset: trade.feeAsset, realizedPnl: trade.realizedPnl, maker: trade.maker,
      timeMs: trade.timeMs, deliveredAtBarMs: null,
    };
    let fresh: number;
    try {
      fresh = await this.store.appendFills([record]);
    } catch {
      // The store is down: the fill is applied from memory and its row written before the next commit.
      this.#unsavedFills.push(record);
      fresh = 1;
    }
    this.#trades.add(key);
    return fresh > 0;
  }

  /** Whether this execution is already stored. */
  knowsTrade(trade: ExchangeTrade): boolean {
    return this.#trades.has(`${trade.symbol}|${trade.tradeId}`);
  }

  /** Stored fills the engine never received (the bot stopped between storing and delivering them). */
  async undelivered(): Promise<ExchangeFillRecord[]> {
    return (await this.store.fills(this.sessionId)).filter((f) => f.deliveredAtBarMs === null);
  }

  #index(o: TrackedOrder): void {
    this.#byClient.set(o.clientOrderId, o);
    if (o.orderId !== 0) this.#byEngineId.set(o.orderId, o.clientOrderId);
    if (o.exchangeOrderId !== null) this.#byExchangeId.set(o.exchangeOrderId, o.clientOrderId);
  }
}
