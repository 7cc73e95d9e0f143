/**
 * The exchange as the engine's venue (live mode). The engine's calls stay synchronous: `submit`
 * validates and queues, `sync` hands over what the exchange did since the previous bar (fills,
 * funding, cancellations, rejections), and the loop awaits `flush()` between steps to send the
 * queue — each order stored before its request leaves, an ambiguous failure left 'unknown' for a
 * query by client id, never resent. Stop-loss and take-profit rest on the exchange as reduce-only
 * conditional orders (placed once the entry fills), so a crashed bot stays protected; their
 * sibling is canceled when one fills (one-cancels-other) or when the position closes.
 */
import {
  type BarColumns,
  type ExchangeClient,
  ExchangeError,
  type ExchangeOrder,
  type ExchangeOrderRequest,
  type ExchangeTrade,
  type ExecutionVenue,
  type Fill,
  type InstrumentSpec,
  isExchangeError,
  type MarginMode,
  type OrderAck,
  type OrderRequest,
  type PositionView,
  type SymbolId,
  type TrackedOrder,
  type VenueEvent,
} from '../core/index.js';
import {Grid} from '../sim/index.js';
import {isTerminal, OrderTracker} from './order-tracker.js';

export interface ExchangeLane {
  readonly symbol: SymbolId;
  readonly bars: BarColumns;
  readonly instrument: InstrumentSpec;
  readonly leverage: number;
  readonly marginMode: MarginMode;
}

export interface ExchangeVenueOptions {
  readonly client: ExchangeClient;
  readonly tracker: OrderTracker;
  readonly lanes: readonly ExchangeLane[];
  /** The wallet balance the session's ledger started from. */
  readonly initialBalance: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Called when work was queued outside a step (a fill placed protection): the loop flushes soon. */
  readonly onWork?: () => void;
}

type Op = {readonly kind: 'create'; readonly order: TrackedOrder; readonly request: ExchangeOrderRequest} | {readonly kind: 'cancel'; readonly order: TrackedOrder; readonly reason: string};

interface Lane {
  readonly spec: ExchangeLane;
  readonly tick: Grid;
  readonly step: Grid;
  qty: number;
  entry: number;
  /** The position as the exchange's fills left it (ahead of `qty`, which follows what the engine received). */
  exchangeQty: number;
  events: VenueEvent[];
  /** Stored venue events handed to the engine during a restart replay. */
  replay: VenueEvent[] | null;
}

const NO_EVENTS: readonly VenueEvent[] = Object.freeze([]);

/** Sends of one order refused for clock skew (-1021) before it counts as rejected. */
const CLOCK_SKEW_ATTEMPTS = 3;

export class ExchangeVenue implements ExecutionVenue {
  readonly kind = 'binance-usdm' as const;
  readonly symbols: readonly SymbolId[];
  readonly tracker: OrderTracker;
  readonly #o: ExchangeVenueOptions;
  readonly #lanes: Lane[];
  readonly #laneOf = new Map<SymbolId, number>();
  readonly #requests = new Map<string, OrderRequest>();
  readonly #reference = new Map<string, number>();
  #queue: Op[] = [];
  #wallet: number;
  #nextVenueId = -1;
  #replaying = false;
  /** Trade ids of the fills handed over since the last commit. */
  #delivered: {symbol: SymbolId; tradeId: string}[] = [];
  readonly #tradeIds = new WeakMap<Fill, string>();
  readonly #fundingSeen = new Set<string>();
  /** Client ids the engine re-submitted during the restart replay (orders of committed slots). */
  readonly #replayed = new Set<string>();
  /**
   * Restart: orders stored by a slot that was never committed (the bot died between sending and
   * committing). The engine decides that slot again and submits the same order; its fills wait
   * for that, so they reach the engine after the order, as they would have without the crash.
   */
  readonly #awaiting = new Map<string, VenueEvent[]>();

  constructor(options: ExchangeVenueOptions) {
    this.#o = options;
    this.tracker = options.tracker;
    this.symbols = options.lanes.map((l) => l.symbol);
    this.#lanes = options.lanes.map((spec, k) => {
      this.#laneOf.set(spec.symbol, k);
      return {spec, tick: new Grid(spec.instrument.tickSize), step: new Grid(spec.instrument.stepSize), qty: 0, entry: 0, exchangeQty: 0, events: [], replay: null};
    });
    this.#wallet = options.initialBalance;
    for (const o of this.tracker.all()) if (o.orderId < 0 && o.orderId <= this.#nextVenueId) this.#nextVenueId = o.orderId - 1;
  }

  /** Restart: the engine re-steps committed slots; their venue events come from the stored journal and nothing is sent. */
  beginReplay(): void {
    this.#replaying = true;
  }

  /** The stored venue events of the next replayed slot. */
  replaySlot(events: readonly VenueEvent[]): void {
    for (const lane of this.#lanes) lane.replay = [];
    for (const e of events) {
      const symbol = e.type === 'fill' ? e.fill.symbol : e.type === 'funding' ? e.funding.symbol : e.type === 'liquidation' ? e.liquidation.symbol : e.symbol;
      const k = symbol === undefined ? undefined : this.#laneOf.get(symbol);
      if (k !== undefined) this.#lanes[k].replay!.push(e);
    }
  }

  endReplay(): void {
    this.#replaying = false;
    for (const o of this.tracker.all()) if (o.origin === 'engine' && !this.#replayed.has(o.clientOrderId)) this.#awaiting.set(o.clientOrderId, []);
    this.#replayed.clear();
    for (const lane of this.#lanes) lane.exchangeQty = lane.qty;
    for (const lane of this.#lanes) lane.replay = null;
    this.#queue = [];
  }

  sync(_index: number, lane: number): readonly VenueEvent[] {
    const l = this.#lanes[lane];
    const events = this.#replaying ? (l.replay ?? []) : l.events;
    if (!this.#replaying) l.events = [];
    for (const e of events) this.#mirror(l, e);
    return events.length === 0 ? NO_EVENTS : events;
  }

  submit(order: OrderRequest): OrderAck {
    const k = this.#laneOf.get(order.symbol);
    if (k === undefined) return {status: 'rejected', orderId: order.id, reason: 'wrong-symbol'};
    const lane = this.#lanes[k];
    const reason = this.#rejection(lane, order);
    if (reason !== null) return {status: 'rejected', orderId: order.id, reason};
    const known = this.tracker.get(order.clientOrderId);
    if (known !== undefined && !this.#replaying && !sameOrder(known, order)) {
      // The id names another order (the engine's sequence diverged from the stored one): refused loudly, never swallowed as "already sent".
      this.#o.log(`order ${order.clientOrderId}: the client id is already used by ${known.side} ${known.qty} ${known.type} (${known.reason}); refused`);
      return {status: 'rejected', orderId: order.id, reason: 'client-id-in-use'};
    }
    this.#requests.set(order.clientOrderId, order);
    this.#reference.set(order.clientOrderId, referencePrice(lane));
    if (this.#replaying) {
      this.#replayed.add(order.clientOrderId);
      return {status: 'accepted', orderId: order.id};
    }
    // Already tracked (a restart re-deciding a slot whose order was sent before the crash): never sent twice.
    if (known !== undefined) {
      this.#release(order.clientOrderId);
      return {status: 'accepted', orderId: order.id};
    }
    const draft = this.tracker.draft(order, order.type, 'engine', null, this.#o.now());
    this.#queue.push({kind: 'create', order: draft, request: requestOf(order, order.type)});
    return {status: 'accepted', orderId: order.id};
  }

  amendStop(orderId: number, stopPrice: number): boolean {
    const old = this.tracker.byEngineId(orderId);
    if (old === undefined || isTerminal(old.state) || old.type !== 'stop-market' || !(stopPrice > 0)) return false;
    const lane = this.#lanes[this.#laneOf.get(old.symbol)!];
    const snapped = lane.tick.nearest(stopPrice);
    if (this.#replaying) return true;
    this.#queue.push({kind: 'cancel', order: old, reason: 'amended'});
    this.#placeProtective(old.parentClientOrderId ?? old.clientOrderId, lane, old.side, 'stop-market', old.qty, snapped, `a${-this.#nextVenueId}`);
    return true;
  }

  cancel(orderId: number, reason: string): boolean {
    const order = this.tracker.byEngineId(orderId);
    if (order === undefined || isTerminal(order.state)) return false;
    if (!this.#replaying) this.#queue.push({kind: 'cancel', order, reason});
    return true;
  }

  cancelAll(reason: string): number {
    const open = this.tracker.open().filter((o) => o.origin !== 'external');
    if (!this.#replaying) for (const order of open) this.#queue.push({kind: 'cancel', order, reason});
    return open.length;
  }

  openOrders(lane: number): readonly OrderRequest[] {
    const symbol = this.symbols[lane];
    const canceling = new Set(this.#queue.filter((op) => op.kind === 'cancel').map((op) => op.order.clientOrderId));
    return this.tracker.open().filter((o) => o.symbol === symbol && o.origin !== 'external' && !canceling.has(o.clientOrderId)).map(requestOfTracked);
  }

  position(lane: number): PositionView {
    const l = this.#lanes[lane];
    return {symbol: l.spec.symbol, qty: l.qty, entryPrice: l.entry, leverage: l.spec.leverage, marginMode: l.spec.marginMode, liquidationPrice: Number.NaN};
  }

  walletBalance(): number {
    return this.#wallet;
  }

  /** The position a symbol will hold once the fills waiting for the next bar are delivered. */
  expectedQty(symbol: SymbolId): number {
    const k = this.#laneOf.get(symbol);
    if (k === undefined) return 0;
    const l = this.#lanes[k];
    let qty = l.qty;
    const waiting = [...this.#awaiting.values()].flat();
    for (const e of [...l.events, ...waiting]) if (e.type === 'fill' && e.fill.symbol === symbol) qty += e.fill.side === 'buy' ? e.fill.qty : -e.fill.qty;
    return l.step.nearest(qty);
  }

  /** An order that never reached the exchange: the engine hears it was rejected ('lost'). */
  onLost(order: TrackedOrder): void {
    const k = this.#laneOf.get(order.symbol);
    if (k !== undefined && order.origin !== 'external') {
      this.#lanes[k].events.push({type: 'rejected', orderId: order.orderId, reason: 'lost: never reached the exchange', timeMs: this.#o.now(), symbol: order.symbol});
    }
  }

  /**
   * A position the exchange holds that no fill explains (opened before the session or by hand):
   * adopted as an external fill at the exchange's entry price, stored like any fill.
   */
  async adoptPosition(symbol: SymbolId, qty: number, entryPrice: number, nowMs: number): Promise<void> {
    const side = qty > 0 ? ('buy' as const) : ('sell' as const);
    const order = await this.adoptExternal({
      symbol, clientOrderId: `adopted-${symbol.replace(/[^A-Za-z0-9]/g, '')}-${nowMs}`, exchangeOrderId: `adopted-${nowMs}`, status: 'filled', side,
      type: 'other', qty: Math.abs(qty), filledQty: Math.abs(qty), avgPrice: entryPrice, price: entryPrice, stopPrice: Number.NaN, reduceOnly: false, updateTimeMs: nowMs,
    });
    await this.onTrade({
      tradeId: `adopted-${nowMs}`, exchangeOrderId: order.exchangeOrderId!, clientOrderId: order.clientOrderId, symbol, side, qty: Math.abs(qty), price: entryPrice,
      fee: 0, feeAsset: 'USDT', realizedPnl: 0, maker: false, timeMs: nowMs,
    }, order);
  }

  /**
   * After the restart catch-up: fills still waiting for an order the engine did not decide again
   * go to the engine now (the exchange holds the position either way); returns how many orders.
   */
  releaseAwaiting(): number {
    const ids = [...this.#awaiting.keys()].filter((id) => this.#awaiting.get(id)!.length > 0);
    for (const id of ids) {
      this.#o.log(`order ${id} of an uncommitted slot was not decided again after the restart; its fills are delivered anyway`);
      this.#release(id);
    }
    this.#awaiting.clear();
    return ids.length;
  }

  /** The engine submitted an order again: the fills that waited for it go out at the next bar, protection follows. */
  #release(clientOrderId: string): void {
    const held = this.#awaiting.get(clientOrderId);
    if (held === undefined) return;
    this.#awaiting.delete(clientOrderId);
    const tracked = this.tracker.get(clientOrderId);
    for (const e of held) {
      const k = this.#laneOf.get(e.type === 'fill' ? e.fill.symbol : '');
      if (k !== undefined) this.#lanes[k].events.push(e);
    }
    // The fill came before the request was known again: its attached stop-loss / take-profit are placed now.
    if (tracked !== undefined && held.length > 0 && !this.tracker.all().some((o) => o.parentClientOrderId === clientOrderId)) {
      const k = this.#laneOf.get(tracked.symbol);
      if (k !== undefined) this.#protect(this.#lanes[k], tracked, tracked.side === 'buy' ? 'sell' : 'buy');
    }
  }

  /** Orders queued and not yet sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Sends the queue, in order. */
  async flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const op = this.#queue.shift()!;
      if (op.kind === 'create') await this.#create(op.order, op.request);
      else await this.#cancel(op.order, op.reason);
    }
  }

  /** An order update (stream or REST): state, and its trade when it executed. Resolves true when the order was unknown (adopted as external). */
  async onOrderUpdate(order: ExchangeOrder, trade: ExchangeTrade | null): Promise<boolean> {
    let tracked = this.tracker.get(order.clientOrderId) ?? this.tracker.byExchangeId(order.exchangeOrderId);
    const unknown = tracked === undefined;
    if (tracked === undefined) tracked = await this.adoptExternal(order);
    else if (!isTerminal(tracked.state) || trade !== null) tracked = await this.tracker.update(tracked, order, this.#o.now());
    if (trade !== null) await this.onTrade(trade, tracked);
    if (order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected') {
      const k = this.#laneOf.get(tracked.symbol);
      if (k !== undefined && tracked.origin !== 'external') {
        this.#lanes[k].events.push({type: order.status === 'rejected' ? 'rejected' : 'canceled', orderId: tracked.orderId, reason: `exchange ${order.status}`, timeMs: order.updateTimeMs, symbol: tracked.symbol});
      }
    }
    return unknown;
  }

  /** A trade (fill) of a tracked order: stored, then delivered once per trade id at the next bar; protection follows an entry. */
  async onTrade(trade: ExchangeTrade, tracked: TrackedOrder): Promise<void> {
    if (!(await this.tracker.recordFill(trade, tracked))) return;
    const k = this.#laneOf.get(trade.symbol);
    if (k === undefined) return;
    const lane = this.#lanes[k];
    const fill: VenueEvent = {type: 'fill', fill: this.#fillOf(trade, tracked)};
    const awaiting = this.#awaiting.get(tracked.clientOrderId);
    if (awaiting !== undefined) awaiting.push(fill);
    else lane.events.push(fill);
    this.#afterFill(lane, tracked, trade);
  }

  /** Fills stored but never handed to the engine (a restart): they go out at the next bar. */
  async restoreUndelivered(): Promise<number> {
    let n = 0;
    for (const f of await this.tracker.undelivered()) {
      const tracked = this.tracker.get(f.clientOrderId);
      const k = this.#laneOf.get(f.symbol);
      if (tracked === undefined || k === undefined) continue;
      const fill: VenueEvent = {type: 'fill', fill: this.#fillOf({...f, clientOrderId: f.clientOrderId}, tracked)};
      const awaiting = this.#awaiting.get(tracked.clientOrderId);
      if (awaiting !== undefined) awaiting.push(fill);
      else this.#lanes[k].events.push(fill);
      n++;
    }
    return n;
  }

  /** Fills handed to the engine since the last call (the bar commit marks them delivered). */
  takeDelivered(): {symbol: SymbolId; tradeId: string}[] {
    const out = this.#delivered;
    this.#delivered = [];
    return out;
  }

  /** A funding fee the exchange charged (income FUNDING_FEE), delivered at the next bar, once per symbol and time. */
  onFundingFee(symbol: SymbolId, amount: number, timeMs: number, rate: number, markPrice: number): void {
    const k = this.#laneOf.get(symbol);
    if (k === undefined || this.#fundingSeen.has(`${symbol}|${timeMs}`)) return;
    this.#fundingSeen.add(`${symbol}|${timeMs}`);
    const lane = this.#lanes[k];
    lane.events.push({type: 'funding', funding: {symbol, timeMs, rate, markPrice, positionQty: lane.qty, amount}});
  }

  /** An order the bot did not place: recorded as external (never deleted, never canceled by the bot). */
  async adoptExternal(order: ExchangeOrder): Promise<TrackedOrder> {
    const adopted: TrackedOrder = {
      sessionId: this.tracker.sessionId, clientOrderId: order.clientOrderId, orderId: 0, symbol: order.symbol, side: order.side, type: order.type,
      qty: order.qty, price: order.price, stopPrice: order.stopPrice, reduceOnly: order.reduceOnly, reason: 'external', origin: 'external',
      parentClientOrderId: null, state: 'open', exchangeOrderId: order.exchangeOrderId, filledQty: order.filledQty, avgPrice: order.avgPrice,
      createdMs: order.updateTimeMs, updatedMs: this.#o.now(), detail: 'found at the exchange, not placed by this session',
    };
    this.#o.log(`adopted external order ${order.clientOrderId} (${order.symbol} ${order.side} ${order.qty} ${order.type})`);
    return this.tracker.update(await this.tracker.keep(adopted), order, this.#o.now());
  }

  #fillOf(trade: ExchangeTrade, tracked: TrackedOrder): Fill {
    const reference = this.#reference.get(tracked.clientOrderId) ?? trade.price;
    const fill: Fill = {
      orderId: tracked.orderId, clientOrderId: tracked.clientOrderId, symbol: trade.symbol, side: trade.side, qty: trade.qty, price: trade.price,
      fee: trade.feeAsset === 'USDT' ? trade.fee : 0, liquidity: trade.maker ? 'maker' : 'taker', slippage: Math.abs(trade.price - reference) * trade.qty,
      timeMs: trade.timeMs, reason: tracked.origin === 'external' ? 'external' : tracked.reason, reduceOnly: tracked.reduceOnly,
    };
    this.#tradeIds.set(fill, trade.tradeId);
    return fill;
  }

  /** The engine's position moves with every delivered event; the mirror follows for protection and views. */
  #mirror(l: Lane, e: VenueEvent): void {
    if (e.type === 'fill') {
      const {qty, price, fee} = e.fill;
      const signed = e.fill.side === 'buy' ? qty : -qty;
      const before = l.qty;
      let realised = 0;
      if (before === 0 || Math.sign(before) === Math.sign(signed)) {
        l.entry = (Math.abs(before) * l.entry + qty * price) / (Math.abs(before) + qty);
      } else {
        realised = Math.min(qty, Math.abs(before)) * (price - l.entry) * Math.sign(before);
      }
      l.qty = l.step.nearest(before + signed);
      if (l.qty === 0) l.entry = 0;
      else if (Math.sign(l.qty) !== Math.sign(before) && before !== 0) l.entry = price;
      this.#wallet += realised - fee;
      const tradeId = this.#tradeIds.get(e.fill);
      if (!this.#replaying && tradeId !== undefined) this.#delivered.push({symbol: e.fill.symbol, tradeId});
    } else if (e.type === 'funding') {
      this.#wallet += e.funding.amount;
      this.#fundingSeen.add(`${e.funding.symbol}|${e.funding.timeMs}`);
    }
  }

  #afterFill(lane: Lane, tracked: TrackedOrder, trade: ExchangeTrade): void {
    if (this.#replaying) return;
    const before = lane.exchangeQty;
    lane.exchangeQty = lane.step.nearest(before + (trade.side === 'buy' ? trade.qty : -trade.qty));
    // Protection dies with the position it protects: on flat, or on a reversal.
    if (lane.exchangeQty === 0 || Math.sign(lane.exchangeQty) !== Math.sign(before)) {
      for (const o of this.tracker.open()) {
        if (o.symbol === lane.spec.symbol && o.origin === 'protective' && o.clientOrderId !== tracked.clientOrderId && o.parentClientOrderId !== tracked.clientOrderId) {
          this.#queue.push({kind: 'cancel', order: o, reason: 'position-closed'});
        }
      }
    }
    const request = this.#requests.get(tracked.clientOrderId);
    const done = tracked.filledQty >= tracked.qty - lane.spec.instrument.stepSize * 1e-6;
    // One-cancels-other: the sibling of a protective order that executed.
    if (tracked.origin === 'protective' && tracked.parentClientOrderId !== null) {
      for (const o of this.tracker.open()) {
        if (o.parentClientOrderId === tracked.parentClientOrderId && o.clientOrderId !== tracked.clientOrderId) this.#queue.push({kind: 'cancel', order: o, reason: 'oco'});
      }
    }
    if (done && request?.attached !== undefined) this.#protect(lane, tracked, trade.side === 'buy' ? 'sell' : 'buy');
    this.#o.onWork?.();
  }

  /** The reduce-only stop-loss / take-profit an entry's request asked for. */
  #protect(lane: Lane, tracked: TrackedOrder, exit: 'buy' | 'sell'): void {
    const attached = this.#requests.get(tracked.clientOrderId)?.attached;
    if (attached === undefined) return;
    const qty = Math.min(tracked.filledQty, Math.abs(lane.exchangeQty));
    if (qty > 0 && attached.stopLoss !== undefined) this.#placeProtective(tracked.clientOrderId, lane, exit, 'stop-market', qty, attached.stopLoss, 'sl');
    if (qty > 0 && attached.takeProfit !== undefined) this.#placeProtective(tracked.clientOrderId, lane, exit, 'take-profit-market', qty, attached.takeProfit, 'tp');
  }

  #placeProtective(parent: string, lane: Lane, side: 'buy' | 'sell', type: 'stop-market' | 'take-profit-market', qty: number, stopPrice: number, suffix: string): void {
    const id = this.#nextVenueId--;
    const request: OrderRequest = {
      id, clientOrderId: `${parent}-${suffix}`, symbol: lane.spec.symbol, side, type: type === 'take-profit-market' ? 'limit' : 'stop-market', qty,
      stopPrice, reduceOnly: true, reason: type === 'stop-market' ? 'stop-loss' : 'take-profit', createdMs: this.#o.now(),
    };
    const draft = {...this.tracker.draft(request, type, 'protective', parent, this.#o.now()), stopPrice};
    this.#requests.set(request.clientOrderId, request);
    this.#queue.push({kind: 'create', order: draft, request: {symbol: lane.spec.symbol, clientOrderId: request.clientOrderId, side, type, qty, stopPrice, reduceOnly: true}});
  }

  async #create(order: TrackedOrder, request: ExchangeOrderRequest): Promise<void> {
    try {
      await this.tracker.save(order);
    } catch (error) {
      // Never sent unstored (a crash would forget it): refused, and the engine hears it at the next bar.
      this.#o.log(`order ${order.clientOrderId} not sent: it could not be stored (${(error as Error).message})`);
      const k = this.#laneOf.get(order.symbol);
      if (k !== undefined) this.#lanes[k].events.push({type: 'rejected', orderId: order.orderId, reason: 'not sent: the state store is unreachable', timeMs: this.#o.now(), symbol: order.symbol});
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const seen = await this.#o.client.createOrder(request);
        await this.tracker.update(order, seen, this.#o.now());
        return;
      } catch (error) {
        // -1021 proves the request was refused before anything happened: resend after the client resynced its clock.
        if (isExchangeError(error, 'clock-skew') && attempt < CLOCK_SKEW_ATTEMPTS) continue;
        await this.#failed(order, error);
        return;
      }
    }
  }

  async #failed(order: TrackedOrder, error: unknown): Promise<void> {
    const e = isExchangeError(error) ? error : new ExchangeError('network', (error as Error).message ?? String(error), {cause: error});
    const k = this.#laneOf.get(order.symbol)!;
    if (e.ambiguous) {
      this.#o.log(`order ${order.clientOrderId}: ${e.kind} (${e.message}); its fate is resolved by client id`);
      await this.tracker.setState(order, 'unknown', e.reason, this.#o.now());
      return;
    }
    // Proven not accepted (rejected, rate-limited before sending, auth): the engine hears of it at the next bar.
    await this.tracker.setState(order, 'rejected', e.reason, this.#o.now());
    this.#lanes[k].events.push({type: 'rejected', orderId: order.orderId, reason: e.reason, timeMs: this.#o.now(), symbol: order.symbol});
  }

  async #cancel(order: TrackedOrder, reason: string): Promise<void> {
    const current = this.tracker.get(order.clientOrderId) ?? order;
    if (isTerminal(current.state)) return;
    try {
      const seen = await this.#o.client.cancelOrder(current.symbol, current.clientOrderId);
      if (seen === null) await this.tracker.setState(current, 'canceled', `${reason} (not found at the exchange)`, this.#o.now());
      else await this.tracker.update(current, seen, this.#o.now());
      const k = this.#laneOf.get(current.symbol)!;
      if (reason === 'oco' || reason === 'position-closed') this.#lanes[k].events.push({type: 'canceled', orderId: current.orderId, reason, timeMs: this.#o.now(), symbol: current.symbol});
    } catch (error) {
      this.#o.log(`cancel of ${current.clientOrderId} failed (${(error as Error).message}); the reconciler retries`);
    }
  }

  #rejection(lane: Lane, order: OrderRequest): string | null {
    const spec = lane.spec.instrument;
    if (!(order.qty > 0) || !lane.step.isMultiple(order.qty)) return 'qty-not-step-multiple';
    if (order.qty < spec.minQty - spec.stepSize * 1e-9) return 'qty-below-min';
    if (order.price !== undefined && !lane.tick.isMultiple(order.price)) return 'price-not-tick-multiple';
    if (order.stopPrice !== undefined && !lane.tick.isMultiple(order.stopPrice)) return 'stop-price-not-tick-multiple';
    const level = order.type === 'limit' ? (order.price ?? NaN) : order.type === 'stop-market' ? (order.stopPrice ?? NaN) : referencePrice(lane);
    if (!order.reduceOnly && level === level && order.qty * level < spec.minNotional) return 'min-notional';
    return null;
  }
}

function referencePrice(lane: Lane): number {
  const bars = lane.spec.bars;
  return bars.length > 0 ? bars.close[bars.length - 1] : Number.NaN;
}

function requestOf(order: OrderRequest, type: OrderRequest['type']): ExchangeOrderRequest {
  return {
    symbol: order.symbol, clientOrderId: order.clientOrderId, side: order.side, type, qty: order.qty, reduceOnly: order.reduceOnly,
    ...(order.price === undefined ? {} : {price: order.price}), ...(order.stopPrice === undefined ? {} : {stopPrice: order.stopPrice}),
    ...(type === 'limit' ? {timeInForce: 'GTC' as const} : {}),
  };
}

/** Whether a tracked order is the one this request describes (a restart re-deciding its slot), not another under the same id. */
function sameOrder(tracked: TrackedOrder, request: OrderRequest): boolean {
  return tracked.side === request.side && tracked.type === request.type && Math.abs(tracked.qty - request.qty) < 1e-12 && tracked.reduceOnly === request.reduceOnly;
}

function requestOfTracked(o: TrackedOrder): OrderRequest {
  const type = o.type === 'take-profit-market' ? 'limit' : o.type === 'other' ? 'limit' : o.type;
  return {
    id: o.orderId, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, type, qty: o.qty, reduceOnly: o.reduceOnly, reason: o.reason,
    createdMs: o.createdMs, ...(o.price === o.price ? {price: o.price} : {}), ...(o.stopPrice === o.stopPrice ? {stopPrice: o.stopPrice} : {}),
  };
}
