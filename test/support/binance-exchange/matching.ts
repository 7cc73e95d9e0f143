/**
 * Orders of the account: validation as Binance does it, market and limit execution at the
 * current price, conditional (algo) stop-market / take-profit-market orders triggered as prices
 * move, reduce-only capping, and the user-stream events of every state change.
 */
import type {Account, UserEventSink} from './account.js';
import type {MarketBook} from './book.js';
import type {ExchangeClock} from './clock.js';
import {decimalsOf, onGrid, round} from './instruments.js';
import {algoOrderJson, algoUpdate, orderTradeUpdate, regularOrderJson, type AlgoOrder, type Execution, type RegularOrder, type Side} from './order-wire.js';
import {MSG, reject} from './reject.js';

export type Params = Readonly<Record<string, string>>;

/** A price the market reached; `gap`: it jumped there with no trading in between (a new candle's open). */
export interface PathPoint {
  readonly price: number;
  readonly gap: boolean;
}

export interface MatchingOptions {
  /** Binance: "a unique id among open orders" — a filled order's id may be reused. 'any': never. */
  readonly clientIdScope: 'open' | 'any';
}

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED']);
const ALGO_OPEN = new Set(['NEW', 'TRIGGERING']);
/** Canceled or expired orders without fills drop out of queries after 3 days. */
const QUERY_HORIZON_MS = 3 * 86_400_000;

export class MatchingEngine {
  readonly orders: RegularOrder[] = [];
  readonly algos: AlgoOrder[] = [];
  private nextOrderId = 4_000_000_001;
  private nextAlgoId = 1_000_000_000_001;

  constructor(
    private readonly book: MarketBook,
    private readonly account: Account,
    private readonly clock: ExchangeClock,
    private readonly options: MatchingOptions,
    private readonly emit: UserEventSink,
  ) {}

  /** POST /fapi/v1/order: answers per newOrderRespType (RESULT: the state after matching; ACK: as accepted). */
  placeOrder(p: Params): Record<string, unknown> {
    const symbol = this.symbolOf(p);
    const spec = this.book.spec(symbol);
    const side = sideOf(p);
    const type = p.type;
    if (type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET' || type === 'STOP' || type === 'TAKE_PROFIT' || type === 'TRAILING_STOP_MARKET') {
      // conditional orders moved to the Algo Service in Dec 2025
      reject(-4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.');
    }
    if (type !== 'MARKET' && type !== 'LIMIT') reject(-1116, 'Invalid orderType.');
    if (p.positionSide !== undefined && p.positionSide !== 'BOTH') reject(-4061, "Order's position side does not match user's setting.");
    const clientOrderId = p.newClientOrderId ?? `web_${this.nextOrderId}`;
    if (!CLIENT_ID.test(clientOrderId)) reject(-4015, MSG.badClientId);
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && (this.options.clientIdScope === 'any' || OPEN.has(o.status)))) reject(-4116, MSG.duplicateId);
    const reduceOnly = p.reduceOnly === 'true';
    let qty = this.quantity(p, spec.symbol, type === 'MARKET' ? spec.marketMaxQty : spec.maxQty);
    const price = type === 'LIMIT' ? this.price(p, 'price', spec.symbol) : 0;
    const timeInForce = type === 'LIMIT' ? (p.timeInForce ?? reject(-1102, MSG.mandatory('timeInForce'))) : 'GTC';
    if (!['GTC', 'IOC', 'FOK', 'GTX'].includes(timeInForce)) reject(-1115, 'Invalid timeInForce.');
    const last = this.book.lastPrice(symbol) ?? reject(-1000, 'No market price yet: advance a candle or set a price on the local exchange first.');
    if (reduceOnly) {
      qty = this.reducible(symbol, side, qty);
      if (qty === 0) reject(-2022, MSG.reduceOnly);
    } else {
      const notional = qty * (type === 'LIMIT' ? price : last);
      if (notional < spec.minNotional) reject(-4164, MSG.minNotional(spec.minNotional));
      this.checkMargin(symbol, side, qty, type === 'LIMIT' ? price : last);
    }
    const marketable = type === 'MARKET' || (side === 'BUY' ? last <= price : last >= price);
    if (timeInForce === 'GTX' && marketable) reject(-5022, MSG.postOnly);

    const order = this.newOrder({symbol, clientOrderId, side, type, origType: type, timeInForce, qty, price, reduceOnly, algoId: null});
    const ack = regularOrderJson(order, spec);
    // a marketable limit takes the book at the current price, which is at or better than its limit
    if (marketable) this.execute(order, last, false);
    else if (timeInForce === 'IOC' || timeInForce === 'FOK') this.finish(order, 'EXPIRED', 'EXPIRED');
    return p.newOrderRespType === 'RESULT' ? regularOrderJson(order, spec) : ack;
  }

  /** POST /fapi/v1/algoOrder (algoType CONDITIONAL): STOP_MARKET and TAKE_PROFIT_MARKET. */
  placeAlgo(p: Params): Record<string, unknown> {
    const symbol = this.symbolOf(p);
    const spec = this.book.spec(symbol);
    if (p.algoType !== 'CONDITIONAL') reject(-1102, MSG.mandatory('algoType'));
    const side = sideOf(p);
    const type = p.type;
    if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET') reject(-1116, 'Invalid orderType.');
    if (p.positionSide !== undefined && p.positionSide !== 'BOTH') reject(-4061, "Order's position side does not match user's setting.");
    const clientAlgoId = p.clientAlgoId ?? `web_algo_${this.nextAlgoId}`;
    if (!CLIENT_ID.test(clientAlgoId)) reject(-4015, MSG.badClientId);
    if (this.algos.some((a) => a.clientAlgoId === clientAlgoId && (this.options.clientIdScope === 'any' || ALGO_OPEN.has(a.algoStatus)))) reject(-4116, MSG.duplicateId);
    const closePosition = p.closePosition === 'true';
    const quantity = closePosition ? 0 : this.quantity(p, symbol, spec.maxQty);
    const triggerPrice = this.price(p, 'triggerPrice', symbol);
    const workingType = p.workingType === 'MARK_PRICE' ? 'MARK_PRICE' : 'CONTRACT_PRICE';
    const reduceOnly = p.reduceOnly === 'true' || closePosition;
    if (reduceOnly && this.reducible(symbol, side, closePosition ? Number.MAX_VALUE : quantity) === 0) reject(-2022, MSG.reduceOnly);
    const current = (workingType === 'MARK_PRICE' ? this.book.markPrice(symbol) : this.book.lastPrice(symbol)) ?? reject(-1000, 'No market price yet.');
    const triggersUp = (type === 'STOP_MARKET') === (side === 'BUY');
    if (triggersUp ? current >= triggerPrice : current <= triggerPrice) reject(-2021, MSG.wouldTrigger);
    const now = this.clock.now();
    const algo: AlgoOrder = {
      algoId: this.nextAlgoId++,
      clientAlgoId,
      symbol,
      side,
      orderType: type,
      quantity,
      triggerPrice,
      workingType,
      reduceOnly,
      closePosition,
      priceProtect: p.priceProtect === 'true',
      timeInForce: p.timeInForce ?? 'GTC',
      algoStatus: 'NEW',
      actualOrderId: null,
      executedQty: 0,
      avgPrice: 0,
      createTime: now,
      updateTime: now,
      triggerTime: 0,
      rejectReason: '',
    };
    this.algos.push(algo);
    this.emit(algoUpdate(algo, spec, now));
    return algoOrderJson(algo, spec);
  }

  /** GET /fapi/v1/order by orderId or origClientOrderId (the newest order with that id). */
  query(p: Params): RegularOrder {
    const symbol = this.symbolOf(p);
    const now = this.clock.now();
    const visible = (o: RegularOrder) => !((o.status === 'CANCELED' || o.status === 'EXPIRED') && o.executedQty === 0 && now - o.updateTime > QUERY_HORIZON_MS);
    const found = this.find(this.orders.filter((o) => o.symbol === symbol && visible(o)), p.orderId, p.origClientOrderId, (o) => o.orderId, (o) => o.clientOrderId);
    return found ?? reject(-2013, MSG.orderNotFound);
  }

  cancel(p: Params): RegularOrder {
    const symbol = this.symbolOf(p);
    const order = this.find(this.orders.filter((o) => o.symbol === symbol && OPEN.has(o.status)), p.orderId, p.origClientOrderId, (o) => o.orderId, (o) => o.clientOrderId);
    if (order === undefined) return reject(-2011, MSG.unknownOrder);
    this.finish(order, 'CANCELED', 'CANCELED');
    return order;
  }

  queryAlgo(p: Params): AlgoOrder {
    return this.find(this.algos, p.algoId, p.clientAlgoId, (a) => a.algoId, (a) => a.clientAlgoId) ?? reject(-2013, MSG.orderNotFound);
  }

  cancelAlgo(p: Params): AlgoOrder {
    const algo = this.find(this.algos.filter((a) => ALGO_OPEN.has(a.algoStatus)), p.algoId, p.clientAlgoId, (a) => a.algoId, (a) => a.clientAlgoId);
    if (algo === undefined) return reject(-2011, MSG.unknownOrder);
    algo.algoStatus = 'CANCELED';
    algo.updateTime = this.clock.now();
    this.emit(algoUpdate(algo, this.book.spec(algo.symbol), algo.updateTime));
    return algo;
  }

  openOrders(symbol?: string): RegularOrder[] {
    return this.orders.filter((o) => OPEN.has(o.status) && (symbol === undefined || o.symbol === symbol));
  }

  openAlgos(symbol?: string): AlgoOrder[] {
    return this.algos.filter((a) => ALGO_OPEN.has(a.algoStatus) && (symbol === undefined || a.symbol === symbol));
  }

  /** Initial margin reserved by resting opening limit orders. */
  openOrderMargin(symbol: string): number {
    const leverage = this.account.settingsOf(symbol).leverage;
    const sum = this.openOrders(symbol)
      .filter((o) => !o.reduceOnly)
      .reduce((acc, o) => acc + ((o.origQty - o.executedQty) * o.price) / leverage, 0);
    return round(sum, 8);
  }

  /**
   * Walks the prices the market went through and executes what they cross, in the order they
   * are crossed: resting limits fill at their price (maker), triggered stops at the trigger, or at
   * the gapped-to price when the market jumped past it. `series` says which orders watch it.
   */
  onPath(symbol: string, path: readonly PathPoint[], series: 'last' | 'mark' | 'both'): void {
    for (let i = 1; i < path.length; i++) {
      const from = path[i - 1].price;
      const to = path[i].price;
      if (to === from) continue;
      const up = to > from;
      for (;;) {
        const hit = this.firstCrossed(symbol, from, to, up, series);
        if (hit === null) break;
        if (hit.kind === 'limit') this.execute(hit.order, hit.order.price, true);
        else this.trigger(hit.algo, path[i].gap ? to : hit.algo.triggerPrice);
      }
    }
  }

  private firstCrossed(symbol: string, from: number, to: number, up: boolean, series: 'last' | 'mark' | 'both'): {kind: 'limit'; order: RegularOrder; level: number} | {kind: 'algo'; algo: AlgoOrder; level: number} | null {
    const crossed = (level: number) => (up ? level > from && level <= to : level < from && level >= to);
    const candidates: ({kind: 'limit'; order: RegularOrder; level: number} | {kind: 'algo'; algo: AlgoOrder; level: number})[] = [];
    if (series !== 'mark') {
      for (const order of this.openOrders(symbol)) {
        if (order.type === 'LIMIT' && (order.side === 'SELL') === up && crossed(order.price)) candidates.push({kind: 'limit', order, level: order.price});
      }
    }
    for (const algo of this.openAlgos(symbol)) {
      const watches = series === 'both' || (series === 'mark') === (algo.workingType === 'MARK_PRICE');
      const triggersUp = (algo.orderType === 'STOP_MARKET') === (algo.side === 'BUY');
      if (watches && triggersUp === up && crossed(algo.triggerPrice)) candidates.push({kind: 'algo', algo, level: algo.triggerPrice});
    }
    if (candidates.length === 0) return null;
    candidates.sort((a, b) => (up ? a.level - b.level : b.level - a.level));
    return candidates[0];
  }

  /** The algo service places a MARKET order (same client id, origType STOP_MARKET / TAKE_PROFIT_MARKET). */
  private trigger(algo: AlgoOrder, price: number): void {
    const spec = this.book.spec(algo.symbol);
    const now = this.clock.now();
    algo.triggerTime = now;
    algo.updateTime = now;
    let qty = algo.closePosition ? Math.abs(this.account.position(algo.symbol).amt) : algo.quantity;
    if (algo.reduceOnly) qty = this.reducible(algo.symbol, algo.side, qty);
    let refusal = qty === 0 ? 'Reduce Only reject' : '';
    if (refusal === '' && !algo.reduceOnly && !this.hasMargin(algo.symbol, algo.side, qty, price)) refusal = 'Margin is insufficient';
    if (refusal !== '') {
      algo.algoStatus = 'REJECTED';
      algo.rejectReason = refusal;
      this.emit(algoUpdate(algo, spec, now));
      return;
    }
    algo.algoStatus = 'TRIGGERING';
    this.emit(algoUpdate(algo, spec, now));
    const order = this.newOrder({
      symbol: algo.symbol,
      clientOrderId: algo.clientAlgoId,
      side: algo.side,
      type: 'MARKET',
      origType: algo.orderType,
      timeInForce: 'GTC',
      qty,
      price: 0,
      reduceOnly: algo.reduceOnly,
      algoId: algo.algoId,
      stopPrice: algo.triggerPrice,
      workingType: algo.workingType,
      closePosition: algo.closePosition,
    });
    algo.actualOrderId = order.orderId;
    algo.algoStatus = 'TRIGGERED';
    this.emit(algoUpdate(algo, spec, now));
    this.execute(order, price, false);
    algo.executedQty = order.executedQty;
    algo.avgPrice = order.executedQty > 0 ? round(order.cumQuote / order.executedQty, 8) : 0;
    algo.algoStatus = 'FINISHED';
    algo.updateTime = this.clock.now();
    this.emit(algoUpdate(algo, spec, algo.updateTime));
  }

  /** Fills the order's remaining quantity (capped for reduce-only) at `price`. */
  private execute(order: RegularOrder, price: number, maker: boolean): void {
    const spec = this.book.spec(order.symbol);
    let qty = round(order.origQty - order.executedQty, decimalsOf(spec.stepSize));
    if (order.reduceOnly) qty = this.reducible(order.symbol, order.side, qty);
    if (qty <= 0) {
      this.finish(order, 'EXPIRED', 'EXPIRED');
      return;
    }
    const trade = this.account.fill(order.symbol, order.side, qty, price, maker, order.orderId);
    order.executedQty = round(order.executedQty + qty, decimalsOf(spec.stepSize));
    order.cumQuote = round(order.cumQuote + qty * price, 8);
    order.status = order.executedQty >= order.origQty ? 'FILLED' : order.reduceOnly ? 'EXPIRED' : 'PARTIALLY_FILLED';
    order.updateTime = trade.time;
    this.emit(orderTradeUpdate(order, spec, 'TRADE', trade.time, trade));
    this.account.emitAccountUpdate('ORDER', [order.symbol]);
  }

  private finish(order: RegularOrder, status: 'CANCELED' | 'EXPIRED', execution: Execution): void {
    order.status = status;
    order.updateTime = this.clock.now();
    this.emit(orderTradeUpdate(order, this.book.spec(order.symbol), execution, order.updateTime));
  }

  private newOrder(fields: {
    symbol: string;
    clientOrderId: string;
    side: Side;
    type: 'MARKET' | 'LIMIT';
    origType: string;
    timeInForce: string;
    qty: number;
    price: number;
    reduceOnly: boolean;
    algoId: number | null;
    stopPrice?: number;
    workingType?: string;
    closePosition?: boolean;
  }): RegularOrder {
    const now = this.clock.now();
    const order: RegularOrder = {
      orderId: this.nextOrderId++,
      symbol: fields.symbol,
      clientOrderId: fields.clientOrderId,
      side: fields.side,
      type: fields.type,
      origType: fields.origType,
      timeInForce: fields.timeInForce,
      origQty: fields.qty,
      price: fields.price,
      stopPrice: fields.stopPrice ?? 0,
      reduceOnly: fields.reduceOnly,
      closePosition: fields.closePosition ?? false,
      workingType: fields.workingType ?? 'CONTRACT_PRICE',
      status: 'NEW',
      executedQty: 0,
      cumQuote: 0,
      time: now,
      updateTime: now,
      algoId: fields.algoId,
    };
    this.orders.push(order);
    this.emit(orderTradeUpdate(order, this.book.spec(order.symbol), 'NEW', now));
    return order;
  }

  /** How much of `qty` closes the position (0 when the order would only open or add). */
  private reducible(symbol: string, side: Side, qty: number): number {
    const amt = this.account.position(symbol).amt;
    const closing = side === 'BUY' ? amt < 0 : amt > 0;
    return closing ? Math.min(qty, Math.abs(amt)) : 0;
  }

  private checkMargin(symbol: string, side: Side, qty: number, price: number): void {
    if (!this.hasMargin(symbol, side, qty, price)) reject(-2019, MSG.margin);
  }

  /** Only the part of an order that adds exposure needs initial margin (plus its taker fee). */
  private hasMargin(symbol: string, side: Side, qty: number, price: number): boolean {
    const opening = qty - this.reducible(symbol, side, qty);
    if (opening <= 0) return true;
    const required = (opening * price) / this.account.settingsOf(symbol).leverage + opening * price * 0.0005;
    let reserved = 0;
    for (const s of this.book.specs.keys()) reserved += this.openOrderMargin(s);
    return required <= this.account.available(reserved);
  }

  private quantity(p: Params, symbol: string, maxQty: number): number {
    const spec = this.book.spec(symbol);
    if (p.quantity === undefined) return reject(-1102, MSG.mandatory('quantity'));
    const qty = Number(p.quantity);
    if (!Number.isFinite(qty)) return reject(-1102, MSG.mandatory('quantity'));
    if (qty <= 0) return reject(-4003, 'Quantity less than or equal to zero.');
    if (!onGrid(qty, spec.stepSize)) return reject(-1111, 'Precision is over the maximum defined for this asset.');
    if (qty < spec.minQty) return reject(-4004, 'Quantity less than min quantity.');
    if (qty > maxQty) return reject(-4005, 'Quantity greater than max quantity.');
    return round(qty, decimalsOf(spec.stepSize));
  }

  private price(p: Params, name: 'price' | 'triggerPrice', symbol: string): number {
    const spec = this.book.spec(symbol);
    const raw = p[name] ?? (name === 'triggerPrice' ? p.stopPrice : undefined);
    const price = Number(raw);
    if (raw === undefined || !Number.isFinite(price) || price <= 0) return reject(-1102, MSG.mandatory(name));
    if (!onGrid(price, spec.tickSize)) return reject(-4014, 'Price not increased by tick size.');
    if (price < spec.minPrice) return reject(-4013, 'Price less than min price.');
    if (price > spec.maxPrice) return reject(-4016, 'Limit price can\'t be higher than max price.');
    return round(price, decimalsOf(spec.tickSize));
  }

  private symbolOf(p: Params): string {
    return this.book.has(p.symbol) ? p.symbol : reject(-1121, MSG.invalidSymbol);
  }

  private find<T>(items: readonly T[], id: string | undefined, clientId: string | undefined, idOf: (item: T) => number, clientIdOf: (item: T) => string): T | undefined {
    if (id === undefined && clientId === undefined) return reject(-1102, 'Either orderId or origClientOrderId must be sent.');
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (id !== undefined ? String(idOf(item)) === id : clientIdOf(item) === clientId) return item;
    }
    return undefined;
  }
}

function sideOf(p: Params): Side {
  return p.side === 'BUY' || p.side === 'SELL' ? p.side : reject(-1117, 'Invalid side.');
}
