/**
 * A local Binance USDⓈ-M futures exchange for tests: real HTTP and WebSocket on 127.0.0.1, the
 * response shapes Binance sends, HMAC signing, one account with a matching engine, candles the
 * test drives, and fault injection. See README.md beside this file.
 */
import {createServer, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import type {Bar} from '../../../src/core/index.js';
import {Account} from './account.js';
import {INTERVAL_MS, MarketBook, type FundingSettlement} from './book.js';
import {formingOf, klineEvent, pathTo} from './candles.js';
import {ExchangeClock} from './clock.js';
import {handleControl} from './control.js';
import {FaultPlan, type Fault} from './faults.js';
import {handleRequest, sendJson, type RecordedRequest} from './http-handler.js';
import {DEFAULT_SYMBOLS, type SymbolSpec} from './instruments.js';
import {ListenKeys} from './listen-keys.js';
import {MatchingEngine, type Params} from './matching.js';
import {algoOrderJson, regularOrderJson} from './order-wire.js';
import {BinanceReject} from './reject.js';
import type {ExchangeCore} from './rest-routes.js';
import {StreamServer, type StreamKind} from './streams.js';

export interface LocalExchangeOptions {
  readonly symbols?: readonly SymbolSpec[];
  /** The account's keys; defaults are fixed test values. */
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** USDT; default 10 000. */
  readonly walletBalance?: number;
  /** Default 20 (Binance's default for new symbols). */
  readonly leverage?: number;
  /** Default 0.0005 / 0.0002 (Binance's regular tier). */
  readonly takerFee?: number;
  readonly makerFee?: number;
  /** The interval `advance(bar)` drives when none is named; default 1m. */
  readonly interval?: string;
  /** Where the exchange clock starts (then runs at wall speed); default now. */
  readonly startTimeMs?: number;
  /** Funding rate applied at each settlement unless set per symbol; default 0.0001. */
  readonly fundingRate?: number;
  readonly fundingIntervalHours?: number;
  /** Candles (and mark candles) served before any advance, per symbol, for `interval`. */
  readonly klines?: Readonly<Record<string, readonly Bar[]>>;
  readonly markKlines?: Readonly<Record<string, readonly Bar[]>>;
  /** Past funding settlements served by /fapi/v1/fundingRate. */
  readonly funding?: Readonly<Record<string, readonly FundingSettlement[]>>;
  /** 'open' (Binance: unique among open orders) or 'any' (never reused). */
  readonly clientIdScope?: 'open' | 'any';
  /** Requests per minute before a real 429; default 2400. */
  readonly weightLimit?: number;
  /** Default 0 (any free port). */
  readonly port?: number;
}

export interface AdvanceInput {
  readonly bar: Bar;
  /** Binance id; default the first listed symbol. */
  readonly symbol?: string;
  readonly interval?: string;
  /** The mark-price candle of the same period; default the bar itself. */
  readonly mark?: Bar;
  /** The forming update sent before the closed kline: default part-way (first extreme); false: none. */
  readonly forming?: Bar | false;
  /** A missed bar: the closed kline is not sent on the stream (REST still serves it). */
  readonly missClosed?: boolean;
}

export const TEST_API_KEY = 'iftbLocalExchangeTestKey00000000000000000000000000000000000000001';
export const TEST_API_SECRET = 'iftbLocalExchangeTestSecret000000000000000000000000000000000000001';

export class LocalBinanceExchange {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Every REST request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly faults = new FaultPlan();
  private readonly core: ExchangeCore;
  private readonly interval: string;
  private readonly held = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly tradeIds = {next: 5_000_000_001};
  private streams!: StreamServer;
  private server!: Server;
  private fundingCursor: number;
  /** While user events are held: the ones not sent yet, in order. */
  private heldUserEvents: Record<string, unknown>[] | null = null;
  private urlValue = '';

  constructor(private readonly options: LocalExchangeOptions = {}) {
    this.apiKey = options.apiKey ?? TEST_API_KEY;
    this.apiSecret = options.apiSecret ?? TEST_API_SECRET;
    this.interval = options.interval ?? '1m';
    const specs = new Map((options.symbols ?? DEFAULT_SYMBOLS).map((s) => [s.symbol, s] as const));
    const clock = new ExchangeClock(options.startTimeMs);
    const book = new MarketBook(specs, options.fundingRate ?? 0.0001, (options.fundingIntervalHours ?? 8) * 3_600_000);
    const emit = (event: Record<string, unknown>) => {
      if (this.heldUserEvents !== null) this.heldUserEvents.push(event);
      else this.streams?.broadcastUser(event);
    };
    const account = new Account(book, clock, {walletBalance: options.walletBalance ?? 10_000, leverage: options.leverage ?? 20, takerFee: options.takerFee ?? 0.0005, makerFee: options.makerFee ?? 0.0002}, emit);
    const engine = new MatchingEngine(book, account, clock, {clientIdScope: options.clientIdScope ?? 'open'}, emit);
    this.core = {book, account, engine, clock, listenKeys: new ListenKeys()};
    this.fundingCursor = clock.now();
    for (const [symbol, bars] of Object.entries(options.klines ?? {})) {
      for (const bar of bars) book.upsert(symbol, this.interval, bar);
      const last = bars[bars.length - 1];
      if (last !== undefined) book.setLast(symbol, last.close);
    }
    for (const [symbol, bars] of Object.entries(options.markKlines ?? {})) {
      for (const bar of bars) book.upsert(symbol, this.interval, bar, 'mark');
      const last = bars[bars.length - 1];
      if (last !== undefined) book.setMark(symbol, last.close);
    }
    for (const [symbol, rows] of Object.entries(options.funding ?? {})) for (const row of rows) book.addSettlement(symbol, row);
  }

  /** http://127.0.0.1:PORT — the REST origin (IFTB_BINANCE_REST_URL). */
  get url(): string {
    return this.urlValue;
  }

  /** ws://127.0.0.1:PORT — the stream origin (IFTB_BINANCE_WS_URL). */
  get wsUrl(): string {
    return this.urlValue.replace(/^http/, 'ws');
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const done = req.url?.startsWith('/__iftb/') ? handleControl(this, req, res) : handleRequest(this.context(), req, res);
      done.catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, null, 500, {code: -1000, msg: `local exchange bug: ${error instanceof Error ? error.message : String(error)}`});
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.streams = new StreamServer(this.server, this.core.listenKeys, () => this.core.clock.now());
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.urlValue = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.streams.close();
    for (const res of this.held) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- driving the market -------------------------------------------------------------------

  /**
   * One candle: a forming kline update (x=false), then the closed kline (x=true). Each update
   * moves the exchange clock to its event time, settles funding that fell due, executes what its
   * prices cross (limits, stops) and is then pushed to the kline stream.
   */
  advance(input: AdvanceInput | Bar): void {
    const step: AdvanceInput = 'bar' in input ? input : {bar: input};
    const symbol = step.symbol ?? [...this.core.book.specs.keys()][0];
    const interval = step.interval ?? this.interval;
    const tf = INTERVAL_MS[interval];
    const {bar} = step;
    if (!this.core.book.has(symbol)) throw new Error(`local exchange: unknown symbol ${symbol}`);
    if (tf === undefined || bar.openTime % tf !== 0) throw new Error(`local exchange: ${bar.openTime} is not a ${interval} open time`);
    if (!(bar.low <= Math.min(bar.open, bar.close) && bar.high >= Math.max(bar.open, bar.close))) throw new Error(`local exchange: impossible candle at ${bar.openTime}`);
    const previous = this.core.book.lastCandle(symbol, interval);
    if (previous !== undefined && bar.openTime < previous.openTime) throw new Error(`local exchange: candle ${bar.openTime} is older than ${previous.openTime}`);
    const mark = step.mark ?? {...bar, volume: 0};
    if (step.forming !== false) this.update(symbol, interval, step.forming ?? formingOf(bar), formingOf(mark), false, bar.openTime + Math.floor(tf / 2), false);
    this.update(symbol, interval, bar, mark, true, bar.openTime + tf, step.missClosed === true);
  }

  /** A traded price the test sets (market orders fill at it); the mark follows. */
  setPrice(symbol: string, price: number): void {
    const last = this.core.book.lastPrice(symbol);
    this.core.book.setLast(symbol, price);
    this.core.book.setMark(symbol, price);
    if (last !== undefined) this.core.engine.onPath(symbol, [{price: last, gap: false}, {price, gap: true}], 'both');
  }

  setMarkPrice(symbol: string, price: number): void {
    const mark = this.core.book.markPrice(symbol);
    this.core.book.setMark(symbol, price);
    if (mark !== undefined) this.core.engine.onPath(symbol, [{price: mark, gap: false}, {price, gap: true}], 'mark');
  }

  setFundingRate(symbol: string, rate: number): void {
    this.core.book.setFundingRate(symbol, rate);
  }

  /** Sets the exchange clock; settlements that fall due on the way are made. */
  setTime(ms: number): void {
    this.core.clock.set(ms);
    this.settleFunding();
  }

  now(): number {
    return this.core.clock.now();
  }

  /** An order placed outside the bot (the web UI, another program): same engine, same events. */
  placeOrder(params: Readonly<Record<string, string | number | boolean>>): Record<string, unknown> {
    const p: Params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
    try {
      return p.type === 'STOP_MARKET' || p.type === 'TAKE_PROFIT_MARKET' ? this.core.engine.placeAlgo({algoType: 'CONDITIONAL', ...p}) : this.core.engine.placeOrder({newOrderRespType: 'RESULT', ...p});
    } catch (error) {
      if (error instanceof BinanceReject) throw new Error(`local exchange refused the order: ${error.code} ${error.msg}`);
      throw error;
    }
  }

  // ---- faults ---------------------------------------------------------------------------------

  inject(fault: Fault): void {
    this.faults.inject(fault);
  }

  /** Kills stream connections without a close frame; returns how many. */
  dropStreams(kind: StreamKind = 'all'): number {
    return this.streams.drop(kind);
  }

  /** Leaves stream connections open but silent (no events, no pongs); returns how many. */
  stallStreams(kind: StreamKind = 'all'): number {
    return this.streams.stall(kind);
  }

  /** Expires the live listenKey: `listenKeyExpired` on the user stream, which then closes. */
  expireListenKey(): string[] {
    return this.streams.expireListenKeys();
  }

  /**
   * Withholds user-data events (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, …) while the stream stays up
   * and answers pings: the bot learns of fills only from REST answers and queries.
   */
  holdUserEvents(): void {
    this.heldUserEvents ??= [];
  }

  /** Sends the withheld user events to the user streams open now (late, as a lagging stream would); returns how many. */
  releaseUserEvents(): number {
    const events = this.heldUserEvents ?? [];
    this.heldUserEvents = null;
    for (const event of events) this.streams.broadcastUser(event);
    return events.length;
  }

  /** The next `count` WebSocket connection attempts fail (HTTP 503). */
  refuseStreams(count: number): void {
    this.streams.refuse(count);
  }

  // ---- introspection ----------------------------------------------------------------------

  /** Every order (regular and conditional) ever accepted under this client id: proves "no duplicate order". */
  ordersByClientId(clientOrderId: string): Record<string, unknown>[] {
    const {engine, book} = this.core;
    return [
      ...engine.orders.filter((o) => o.clientOrderId === clientOrderId && o.algoId === null).map((o) => regularOrderJson(o, book.spec(o.symbol))),
      ...engine.algos.filter((a) => a.clientAlgoId === clientOrderId).map((a) => algoOrderJson(a, book.spec(a.symbol))),
    ];
  }

  orders(): Record<string, unknown>[] {
    return this.core.engine.orders.map((o) => regularOrderJson(o, this.core.book.spec(o.symbol)));
  }

  algoOrders(): Record<string, unknown>[] {
    return this.core.engine.algos.map((a) => algoOrderJson(a, this.core.book.spec(a.symbol)));
  }

  /** Signed quantity and entry price per symbol with a position. */
  positions(): {symbol: string; qty: number; entryPrice: number}[] {
    return [...this.core.account.positions.entries()].filter(([, p]) => p.amt !== 0).map(([symbol, p]) => ({symbol, qty: p.amt, entryPrice: p.entryPrice}));
  }

  balance(): {walletBalance: number} {
    return {walletBalance: this.core.account.wallet};
  }

  trades(): {id: number; symbol: string; orderId: number; side: string; qty: number; price: number; commission: number; realizedPnl: number; time: number}[] {
    return this.core.account.trades.map((t) => ({...t}));
  }

  incomes(): {symbol: string; incomeType: string; income: number; time: number; tranId: number}[] {
    return this.core.account.incomes.map((r) => ({...r}));
  }

  /** REST requests, optionally of one path. */
  requestLog(path?: string): RecordedRequest[] {
    return this.requests.filter((r) => path === undefined || r.path === path);
  }

  streamConnections(): {open: {market: number; user: number}; accepted: {market: number; user: number}} {
    return {open: this.streams.open(), accepted: {...this.streams.connections}};
  }

  private update(symbol: string, interval: string, bar: Bar, mark: Bar, closed: boolean, eventTime: number, silent: boolean): void {
    const {book, engine, clock} = this.core;
    const tf = INTERVAL_MS[interval];
    const lastPath = pathTo(book.lastPrice(symbol), book.lastCandle(symbol, interval), bar);
    const markPath = pathTo(book.markPrice(symbol), book.lastCandle(symbol, interval, 'mark'), mark);
    clock.advanceTo(eventTime);
    // a settlement at this candle's open uses the mark price of that moment
    if (book.lastCandle(symbol, interval)?.openTime !== bar.openTime) book.setMark(symbol, mark.open);
    this.settleFunding();
    book.upsert(symbol, interval, bar);
    book.upsert(symbol, interval, mark, 'mark');
    book.setLast(symbol, bar.close);
    book.setMark(symbol, mark.close);
    const separateMark = markPath.some((point, i) => point.price !== lastPath[i]?.price) || markPath.length !== lastPath.length;
    engine.onPath(symbol, lastPath, separateMark ? 'last' : 'both');
    if (separateMark) engine.onPath(symbol, markPath, 'mark');
    if (!silent) this.streams.broadcastKline(`${symbol.toLowerCase()}@kline_${interval}`, klineEvent(book.spec(symbol), interval, tf, bar, closed, clock.now(), this.tradeIds));
  }

  private settleFunding(): void {
    const {book, account, clock} = this.core;
    const now = clock.now();
    for (let time = book.nextFundingTime(this.fundingCursor); time <= now; time = book.nextFundingTime(time)) {
      for (const symbol of book.specs.keys()) {
        const markPrice = book.markPrice(symbol);
        if (markPrice === undefined) continue;
        const fundingRate = book.fundingRate(symbol);
        book.addSettlement(symbol, {fundingTime: time, fundingRate, markPrice});
        account.settleFunding(symbol, fundingRate, markPrice, time);
      }
    }
    this.fundingCursor = Math.max(this.fundingCursor, now);
  }

  private context() {
    return {
      core: this.core,
      credentials: {apiKey: this.apiKey, apiSecret: this.apiSecret},
      faults: this.faults,
      requests: this.requests,
      held: this.held,
      weightLimit: this.options.weightLimit ?? 2400,
      weight: this.weight,
    };
  }

  private readonly weight = {minute: 0, used: 0};
}

export async function startBinanceExchange(options: LocalExchangeOptions = {}): Promise<LocalBinanceExchange> {
  return new LocalBinanceExchange(options).start();
}
