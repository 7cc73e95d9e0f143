import {
  CLIENT_ORDER_ID_PATTERN,
  ExchangeError,
  isExchangeError,
  type Bar,
  type ExchangeBalance,
  type ExchangeClient,
  type ExchangeFunding,
  type ExchangeFundingFee,
  type ExchangeOrder,
  type ExchangeOrderRequest,
  type ExchangePosition,
  type ExchangeTrade,
  type MarginMode,
  type MarketStream,
  type PremiumIndex,
  type SymbolId,
  type Timeframe,
  type UserStream,
} from '../../core/index.js';
import {accountIdOf, type BinanceCredentials, type BinanceEndpoints} from './endpoints.js';
import {BINANCE_USDM, createBinanceUsdmClient} from './exchange.js';
import {collectPages} from './history.js';
import {BinanceKlineStream} from './market-stream.js';
import {type ExchangeRequestObserver, RestSession} from './rest-session.js';
import {marketIdOf} from './symbols.js';
import {BinanceUserStream, type UserStreamTiming} from './user-stream.js';
import {algoOrderOf, balanceOf, fundingFeesOf, fundingRatesOf, klinesOf, positionsOf, premiumIndexOf, regularOrderOf, userTradeOf} from './wire.js';

export interface BinanceClientOptions {
  readonly endpoints: BinanceEndpoints;
  readonly credentials: BinanceCredentials | null;
  /** Per REST request; a create that times out is ambiguous (kind 'timeout'). Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly recvWindowMs?: number;
  /** Reconnect backoff, heartbeat and listenKey keepalive of the streams. */
  readonly streams?: UserStreamTiming;
  readonly log?: (line: string) => void;
  /** Counts requests and failures (iftb_exchange_requests_total / _errors_total); never blocks a call. */
  readonly observer?: ExchangeRequestObserver;
}

const MARGIN_ASSET = 'USDT';
const KLINES_MAX_LIMIT = 1500;
const FUNDING_MAX_LIMIT = 1000;
const WEEK_MS = 7 * 86_400_000;

/**
 * ExchangeClient for Binance USDⓈ-M futures: REST through ccxt's binanceusdm (signing, clock
 * offset, its routing of conditional orders to /fapi/v1/algoOrder), payloads read from Binance's
 * own fields, and the two streams over raw WebSockets. Nothing that changes state is retried here.
 */
export class BinanceUsdmExchangeClient implements ExchangeClient {
  readonly id = BINANCE_USDM;
  readonly accountId: string;
  private readonly rest: RestSession;
  private readonly streams = new Set<MarketStream | UserStream>();

  constructor(private readonly options: BinanceClientOptions) {
    this.accountId = accountIdOf(options.credentials);
    const client = createBinanceUsdmClient({
      apiUrlOverride: options.endpoints.restUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
      recvWindowMs: options.recvWindowMs,
      apiKey: options.credentials?.apiKey,
      apiSecret: options.credentials?.apiSecret,
    });
    this.rest = new RestSession(client, options.credentials, options.observer ?? null);
  }

  serverTimeMs(): Promise<number> {
    return this.rest.syncTime();
  }

  async klines(symbol: SymbolId, timeframe: Timeframe, fromMs: number, limit: number, kind: 'candles' | 'mark' = 'candles'): Promise<Bar[]> {
    checkWindow(fromMs, limit, KLINES_MAX_LIMIT);
    const params = {symbol: marketIdOf(symbol), interval: timeframe, startTime: fromMs, limit};
    const what = `fetch ${symbol} ${timeframe}${kind === 'mark' ? ' mark' : ''} klines`;
    const raw = await this.rest.call(what, false, (c) => (kind === 'mark' ? c.fapiPublicGetMarkPriceKlines(params) : c.fapiPublicGetKlines(params)));
    return klinesOf(raw, what).filter((bar) => bar.openTime >= fromMs);
  }

  async fundingHistory(symbol: SymbolId, fromMs: number, limit = FUNDING_MAX_LIMIT): Promise<ExchangeFunding[]> {
    checkWindow(fromMs, limit, FUNDING_MAX_LIMIT);
    const what = `fetch ${symbol} funding rates`;
    const raw = await this.rest.call(what, false, (c) => c.fapiPublicGetFundingRate({symbol: marketIdOf(symbol), startTime: fromMs, limit}));
    return fundingRatesOf(raw, what).filter((row) => row.timeMs >= fromMs);
  }

  async premiumIndex(symbol: SymbolId): Promise<PremiumIndex> {
    const what = `fetch ${symbol} premium index`;
    return premiumIndexOf(await this.rest.call(what, false, (c) => c.fapiPublicGetPremiumIndex({symbol: marketIdOf(symbol)})), what);
  }

  async setLeverage(symbol: SymbolId, leverage: number): Promise<void> {
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > 125) {
      throw new ExchangeError('rejected', `${BINANCE_USDM}: leverage must be an integer 1..125, got ${leverage}`, {reason: 'invalid-leverage'});
    }
    await this.rest.call(`set ${symbol} leverage ${leverage}`, true, (c) => c.fapiPrivatePostLeverage({symbol: marketIdOf(symbol), leverage}));
  }

  async setMarginMode(symbol: SymbolId, mode: MarginMode): Promise<void> {
    const marginType = mode === 'isolated' ? 'ISOLATED' : 'CROSSED';
    try {
      await this.rest.call(`set ${symbol} margin ${mode}`, true, (c) => c.fapiPrivatePostMarginType({symbol: marketIdOf(symbol), marginType}));
    } catch (error) {
      // -4046 "No need to change margin type."
      if (isExchangeError(error) && error.exchangeCode === -4046) return;
      throw error;
    }
  }

  async createOrder(order: ExchangeOrderRequest): Promise<ExchangeOrder> {
    checkOrder(order);
    await this.rest.ensureMarkets();
    const what = `create ${order.type} order ${order.clientOrderId}`;
    const params: Record<string, unknown> = {clientOrderId: order.clientOrderId, reduceOnly: order.reduceOnly};
    let ccxtType: 'market' | 'limit' = 'market';
    if (order.type === 'limit') {
      ccxtType = 'limit';
      params.timeInForce = order.timeInForce ?? 'GTC';
    } else if (order.type === 'stop-market' || order.type === 'take-profit-market') {
      // ccxt turns these into STOP_MARKET / TAKE_PROFIT_MARKET on POST /fapi/v1/algoOrder (clientAlgoId)
      params[order.type === 'stop-market' ? 'stopLossPrice' : 'takeProfitPrice'] = order.stopPrice;
      params.workingType = 'MARK_PRICE';
    }
    const placed = await this.rest.call(what, true, (c) => c.createOrder(order.symbol, ccxtType, order.side, order.qty, order.price, params));
    const info = (placed as {info?: unknown}).info;
    return isAlgo(info) ? algoOrderOf(info, what) : regularOrderOf(info, what);
  }

  /** Regular orders first, then conditional ones (GET /fapi/v1/algoOrder by clientAlgoId). */
  async fetchOrder(symbol: SymbolId, clientOrderId: string): Promise<ExchangeOrder | null> {
    const id = marketIdOf(symbol);
    const what = `fetch order ${clientOrderId}`;
    const regular = await notFoundAsNull(this.rest.call(what, true, (c) => c.fapiPrivateGetOrder({symbol: id, origClientOrderId: clientOrderId})));
    if (regular !== null) return regularOrderOf(regular, what);
    const algo = await notFoundAsNull(this.rest.call(what, true, (c) => c.fapiPrivateGetAlgoOrder({symbol: id, clientAlgoId: clientOrderId})));
    return algo === null ? null : algoOrderOf(algo, what);
  }

  /** When neither a regular nor a conditional order is open under that id, its final state (or null). */
  async cancelOrder(symbol: SymbolId, clientOrderId: string): Promise<ExchangeOrder | null> {
    const id = marketIdOf(symbol);
    const what = `cancel order ${clientOrderId}`;
    const regular = await notFoundAsNull(this.rest.call(what, true, (c) => c.fapiPrivateDeleteOrder({symbol: id, origClientOrderId: clientOrderId})));
    if (regular !== null) return regularOrderOf(regular, what);
    const algo = await notFoundAsNull(this.rest.call(what, true, (c) => c.fapiPrivateDeleteAlgoOrder({symbol: id, clientAlgoId: clientOrderId})));
    if (algo !== null) {
      // the algo cancel answers only {algoId, clientAlgoId, code, msg}
      const state = await notFoundAsNull(this.rest.call(what, true, (c) => c.fapiPrivateGetAlgoOrder({symbol: id, clientAlgoId: clientOrderId})));
      if (state !== null) return algoOrderOf(state, what);
    }
    return this.fetchOrder(symbol, clientOrderId);
  }

  async openOrders(symbol: SymbolId): Promise<ExchangeOrder[]> {
    const id = marketIdOf(symbol);
    const what = `fetch ${symbol} open orders`;
    const [regular, algo] = await Promise.all([
      this.rest.call(what, true, (c) => c.fapiPrivateGetOpenOrders({symbol: id})),
      this.rest.call(what, true, (c) => c.fapiPrivateGetOpenAlgoOrders({symbol: id})),
    ]);
    return [...asArray(regular, what).map((o) => regularOrderOf(o, what)), ...asArray(algo, what).map((o) => algoOrderOf(o, what))];
  }

  /** userTrades allows 7 days per request; the range is walked in weeks, pages of 1000 inside. */
  async trades(symbol: SymbolId, fromMs: number): Promise<ExchangeTrade[]> {
    const id = marketIdOf(symbol);
    const what = `fetch ${symbol} trades`;
    // the week windows end at the exchange's "now", which needs the clock offset first
    await this.rest.ensureTimeSync();
    const rows = await collectPages({
      fromMs,
      nowMs: this.rest.serverNowMs(),
      windowMs: WEEK_MS,
      pageLimit: 1000,
      fetch: async (startTime, endTime) => {
        const params = {symbol: id, startTime, limit: 1000, ...(endTime !== null ? {endTime} : {})};
        return asArray(await this.rest.call(what, true, (c) => c.fapiPrivateGetUserTrades(params)), what).map((t) => userTradeOf(t, what));
      },
      key: (t) => t.tradeId,
      time: (t) => t.timeMs,
    });
    return rows.sort((a, b) => a.timeMs - b.timeMs || Number(a.tradeId) - Number(b.tradeId));
  }

  async positions(): Promise<ExchangePosition[]> {
    const what = 'fetch positions';
    const [risk, config] = await Promise.all([
      this.rest.call(what, true, (c) => c.fapiPrivateV3GetPositionRisk({})),
      this.rest.call(what, true, (c) => c.fapiPrivateGetSymbolConfig({})),
    ]);
    return positionsOf(risk, config, what);
  }

  async balance(): Promise<ExchangeBalance> {
    const what = 'fetch balance';
    return balanceOf(await this.rest.call(what, true, (c) => c.fapiPrivateV3GetAccount({})), MARGIN_ASSET, what);
  }

  async fundingFees(symbol: SymbolId, fromMs: number): Promise<ExchangeFundingFee[]> {
    const id = marketIdOf(symbol);
    const what = `fetch ${symbol} funding fees`;
    await this.rest.ensureTimeSync();
    const rows = await collectPages({
      fromMs,
      nowMs: this.rest.serverNowMs(),
      windowMs: null,
      pageLimit: 1000,
      fetch: async (startTime) => {
        const params = {symbol: id, incomeType: 'FUNDING_FEE', startTime, limit: 1000};
        return fundingFeesOf(await this.rest.call(what, true, (c) => c.fapiPrivateGetIncome(params)), what);
      },
      key: (f) => f.id,
      time: (f) => f.timeMs,
    });
    return rows.sort((a, b) => a.timeMs - b.timeMs);
  }

  marketStream(symbols: readonly SymbolId[], timeframe: Timeframe): MarketStream {
    return this.track(new BinanceKlineStream(this.options.endpoints.wsUrl, symbols, timeframe, this.options.streams));
  }

  userStream(): UserStream {
    const call = <T>(what: string, request: () => Promise<T>) => this.rest.call(what, false, request);
    const requireKeys = () => {
      if (this.options.credentials === null) throw new ExchangeError('auth', `${BINANCE_USDM}: the user-data stream needs BINANCE_API_KEY`, {reason: 'no-credentials'});
    };
    const client = this.rest.client;
    return this.track(
      new BinanceUserStream(
        this.options.endpoints.wsUrl,
        {
          create: async () => {
            requireKeys();
            const response = (await call('create listenKey', () => client.fapiPrivatePostListenKey({}))) as {listenKey?: unknown};
            if (typeof response.listenKey !== 'string' || response.listenKey === '') {
              throw new ExchangeError('server', `${BINANCE_USDM}: POST /fapi/v1/listenKey answered without a listenKey`, {reason: 'bad-response'});
            }
            return response.listenKey;
          },
          keepalive: async (listenKey) => void (await call('keep listenKey alive', () => client.fapiPrivatePutListenKey({listenKey}))),
          remove: async (listenKey) => void (await call('close listenKey', () => client.fapiPrivateDeleteListenKey({listenKey}))),
        },
        this.options.streams,
        this.options.log,
      ),
    );
  }

  async close(): Promise<void> {
    const streams = [...this.streams];
    this.streams.clear();
    await Promise.all(streams.map((stream) => stream.close()));
    await this.rest.client.close();
  }

  private track<S extends MarketStream | UserStream>(stream: S): S {
    this.streams.add(stream);
    return stream;
  }
}

export function createBinanceExchangeClient(options: BinanceClientOptions): ExchangeClient {
  return new BinanceUsdmExchangeClient(options);
}

function isAlgo(info: unknown): boolean {
  return typeof info === 'object' && info !== null && 'algoId' in info;
}

async function notFoundAsNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (isExchangeError(error, 'not-found')) return null;
    throw error;
  }
}

function asArray(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new ExchangeError('server', `${BINANCE_USDM}: ${what}: expected a list`, {reason: 'bad-response'});
  return raw;
}

function checkWindow(fromMs: number, limit: number, max: number): void {
  if (!Number.isSafeInteger(fromMs) || fromMs < 0 || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ExchangeError('rejected', `${BINANCE_USDM}: fromMs must be a non-negative integer and limit 1..${max} (got ${fromMs}, ${limit})`, {reason: 'invalid-request'});
  }
}

/** Refused before sending, so kind 'rejected' is certain: nothing reached the exchange. */
function checkOrder(order: ExchangeOrderRequest): void {
  const problem = !CLIENT_ORDER_ID_PATTERN.test(order.clientOrderId)
    ? `client order id '${order.clientOrderId}' does not match ${CLIENT_ORDER_ID_PATTERN.source}`
    : !(Number.isFinite(order.qty) && order.qty > 0)
      ? `quantity must be > 0, got ${order.qty}`
      : order.type === 'limit' && !(Number.isFinite(order.price) && (order.price as number) > 0)
        ? 'a limit order needs a price > 0'
        : (order.type === 'stop-market' || order.type === 'take-profit-market') && !(Number.isFinite(order.stopPrice) && (order.stopPrice as number) > 0)
          ? `a ${order.type} order needs a stopPrice > 0`
          : null;
  if (problem !== null) {
    throw new ExchangeError('rejected', `${BINANCE_USDM}: order ${order.clientOrderId} not sent: ${problem}`, {
      reason: problem.startsWith('client order id') ? 'invalid-client-order-id' : 'invalid-request',
    });
  }
}
