import {ErrorCode, IftbError} from '../errors.js';
import type {Bar, SymbolId} from '../market.js';
import type {Timeframe} from '../timeframe.js';
import type {MarginMode, OrderSide} from '../trading.js';

/**
 * A real exchange account as the live runner sees it: REST calls and two streams. Implemented by
 * src/adapters/binance/ (ccxt + the raw WebSocket streams); src/live/ uses only this port, so the
 * runner is exchange-agnostic and tests point the same code at a local server.
 *
 * Every call either resolves with a value or rejects with an ExchangeError whose `kind` says what
 * the caller may do next. Nothing retries silently inside a call that changes state (order
 * create/cancel): the caller owns idempotency through client order ids.
 */
export interface ExchangeClient {
  /** ccxt exchange id ('binanceusdm'). */
  readonly id: string;
  /** Identifies the account (e.g. a hash of the API key), for locks and session keys; never the key itself. */
  readonly accountId: string;

  /** Exchange clock (GET /fapi/v1/time); the client keeps the offset for signing. */
  serverTimeMs(): Promise<number>;
  /** Candles starting at or after fromMs, oldest first, at most `limit`; the still-forming candle is included if in range. */
  klines(symbol: SymbolId, timeframe: Timeframe, fromMs: number, limit: number, kind?: 'candles' | 'mark'): Promise<Bar[]>;
  /** Funding settlements with time ≥ fromMs, oldest first. */
  fundingHistory(symbol: SymbolId, fromMs: number, limit?: number): Promise<ExchangeFunding[]>;
  /** GET /fapi/v1/premiumIndex: mark price, last settled rate, next funding time. */
  premiumIndex(symbol: SymbolId): Promise<PremiumIndex>;

  setLeverage(symbol: SymbolId, leverage: number): Promise<void>;
  /** Idempotent: "no need to change margin type" is success. */
  setMarginMode(symbol: SymbolId, mode: MarginMode): Promise<void>;

  /**
   * Sends one order. Resolves with the exchange's view once it is accepted (it may already be
   * filled). Rejects with kind 'rejected' (the exchange proved it did not accept it) or with an
   * ambiguous kind ('timeout' | 'network' | 'server'), after which the order's fate is unknown
   * until `fetchOrder` by client id says.
   */
  createOrder(order: ExchangeOrderRequest): Promise<ExchangeOrder>;
  /** By client order id; null when the exchange does not know it (Binance -2013). */
  fetchOrder(symbol: SymbolId, clientOrderId: string): Promise<ExchangeOrder | null>;
  /** Cancels by client order id; when nothing is open under that id, the order's final state (e.g. filled), or null if the exchange does not know it. */
  cancelOrder(symbol: SymbolId, clientOrderId: string): Promise<ExchangeOrder | null>;
  /** Open orders (regular and conditional) of a symbol. */
  openOrders(symbol: SymbolId): Promise<ExchangeOrder[]>;
  /** The account's trades (fills) of a symbol with time ≥ fromMs, oldest first. */
  trades(symbol: SymbolId, fromMs: number): Promise<ExchangeTrade[]>;
  /** Non-zero positions (one-way mode). A failed call rejects; it never means "flat". */
  positions(): Promise<ExchangePosition[]>;
  /** The margin asset's balance (USDT). */
  balance(): Promise<ExchangeBalance>;
  /** Funding fees charged to the account with time ≥ fromMs (GET /fapi/v1/income, FUNDING_FEE). */
  fundingFees(symbol: SymbolId, fromMs: number): Promise<ExchangeFundingFee[]>;

  /** Closed and forming klines of the symbols, with reconnect and re-subscribe inside. */
  marketStream(symbols: readonly SymbolId[], timeframe: Timeframe): MarketStream;
  /**
   * Order and account updates (listenKey, keepalive, rotation on expiry inside). A 'resync'
   * event follows every reconnect; the first connect sends none (snapshot from REST at start).
   */
  userStream(): UserStream;
  close(): Promise<void>;
}

export type ExchangeOrderType = 'market' | 'limit' | 'stop-market' | 'take-profit-market';
export type ExchangeOrderStatus = 'new' | 'partially-filled' | 'filled' | 'canceled' | 'rejected' | 'expired';

export interface ExchangeOrderRequest {
  readonly symbol: SymbolId;
  /** ≤ 36 characters matching ^[.A-Z:/a-z0-9_-]{1,36}$; persisted by the caller before the call. */
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: ExchangeOrderType;
  /** Already on the instrument's step grid. */
  readonly qty: number;
  /** Limit price (limit orders), on the tick grid. */
  readonly price?: number;
  /** Trigger price (stop-market, take-profit-market), on the tick grid; triggered by mark price. */
  readonly stopPrice?: number;
  readonly reduceOnly: boolean;
  readonly timeInForce?: 'GTC' | 'IOC' | 'GTX';
}

export interface ExchangeOrder {
  readonly symbol: SymbolId;
  readonly clientOrderId: string;
  /**
   * The venue's id. A conditional order that has not triggered yet is `algo-<algoId>` on Binance;
   * once triggered it is the id of the order it placed, which is the id its fills carry.
   */
  readonly exchangeOrderId: string;
  readonly status: ExchangeOrderStatus;
  readonly side: OrderSide;
  /** 'other': a type the bot never sends (e.g. a STOP limit or trailing stop placed by hand). */
  readonly type: ExchangeOrderType | 'other';
  readonly qty: number;
  readonly filledQty: number;
  /** Volume-weighted fill price; NaN before any fill. */
  readonly avgPrice: number;
  readonly price: number;
  readonly stopPrice: number;
  readonly reduceOnly: boolean;
  readonly updateTimeMs: number;
}

/** One execution of an order (a Binance user trade, or an ORDER_TRADE_UPDATE with x = TRADE). */
export interface ExchangeTrade {
  /** Unique per symbol; the dedupe key of fills. */
  readonly tradeId: string;
  readonly exchangeOrderId: string;
  /** Present on stream events; REST userTrades carry only the order id. */
  readonly clientOrderId: string | null;
  readonly symbol: SymbolId;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  /** Commission, ≥ 0, in `feeAsset`. */
  readonly fee: number;
  readonly feeAsset: string;
  /** The exchange's realised PnL of this execution (for reconciliation; the ledger computes its own). */
  readonly realizedPnl: number;
  readonly maker: boolean;
  readonly timeMs: number;
}

export interface ExchangePosition {
  readonly symbol: SymbolId;
  /** Signed: > 0 long, < 0 short. */
  readonly qty: number;
  readonly entryPrice: number;
  readonly markPrice: number;
  readonly unrealizedPnl: number;
  /** NaN when the exchange shows none. */
  readonly liquidationPrice: number;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  readonly updateTimeMs: number;
}

export interface ExchangeBalance {
  readonly asset: string;
  readonly walletBalance: number;
  readonly availableBalance: number;
  readonly marginBalance: number;
  readonly updateTimeMs: number;
}

export interface ExchangeFunding {
  readonly symbol: SymbolId;
  readonly timeMs: number;
  readonly rate: number;
  /** NaN when the exchange leaves it empty. */
  readonly markPrice: number;
}

export interface ExchangeFundingFee {
  readonly symbol: SymbolId;
  /** Unique id of the income row (tranId). */
  readonly id: string;
  /** Signed: negative when the account paid. */
  readonly amount: number;
  readonly asset: string;
  readonly timeMs: number;
}

export interface PremiumIndex {
  readonly symbol: SymbolId;
  readonly markPrice: number;
  readonly indexPrice: number;
  readonly lastFundingRate: number;
  readonly nextFundingTimeMs: number;
  readonly timeMs: number;
}

/** A kline message: the forming candle (closed = false) or its final state (closed = true, Binance `x`). */
export interface KlineUpdate {
  readonly symbol: SymbolId;
  readonly timeframe: Timeframe;
  readonly bar: Bar;
  readonly closed: boolean;
  /** Exchange event time (E). */
  readonly eventTimeMs: number;
  /** Local arrival time (performance-independent wall clock, Date.now()). */
  readonly receivedMs: number;
}

/** Connection state changes of a stream, for health, metrics and alerts. */
export type StreamState =
  | {readonly state: 'connected'; readonly atMs: number}
  | {readonly state: 'disconnected'; readonly atMs: number; readonly reason: string}
  /** A reconnect attempt is scheduled after `delayMs` (backoff). */
  | {readonly state: 'reconnecting'; readonly atMs: number; readonly attempt: number; readonly delayMs: number};

export interface MarketStream {
  /** Starts the connection; resolves once subscribed (rejects if the first connect fails for good). */
  start(onKline: (update: KlineUpdate) => void, onState: (state: StreamState) => void): Promise<void>;
  close(): Promise<void>;
}

export type UserStreamEvent =
  /** ORDER_TRADE_UPDATE: the order's new state, and the execution when x = TRADE. */
  | {readonly type: 'order'; readonly order: ExchangeOrder; readonly trade: ExchangeTrade | null; readonly eventTimeMs: number}
  /** ACCOUNT_UPDATE: reason m (ORDER, FUNDING_FEE, …), balances and positions after it. */
  | {
      readonly type: 'account';
      readonly reason: string;
      readonly balances: readonly {readonly asset: string; readonly walletBalance: number}[];
      readonly positions: readonly {readonly symbol: SymbolId; readonly qty: number; readonly entryPrice: number}[];
      readonly eventTimeMs: number;
    }
  /** The listenKey expired or the stream was re-created: the caller re-snapshots from REST. */
  | {readonly type: 'resync'; readonly reason: string; readonly eventTimeMs: number};

export interface UserStream {
  start(onEvent: (event: UserStreamEvent) => void, onState: (state: StreamState) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * What an exchange failure means for the caller:
 * - 'rejected': the exchange refused it and holds nothing (bad params, -2019 margin, -4164 notional, reduce-only);
 * - 'not-found': the order/resource does not exist (-2013, -2011);
 * - 'timeout' | 'network' | 'server': ambiguous — a state-changing call may or may not have taken effect;
 * - 'rate-limit' (429, -1003) | 'banned' (418): back off for `retryAfterMs` (or a default) before any call
 *   (the Binance client also refuses to send anything until then, with the same kind);
 * - 'clock-skew' (-1021): resync the time offset, then retry (the Binance client resyncs and retries
 *   once itself, since -1021 proves nothing ran; the caller sees it only when it persists);
 * - 'auth' (-1022, -2014, -2015, 401): fatal until the operator fixes keys.
 */
export type ExchangeErrorKind = 'rejected' | 'not-found' | 'timeout' | 'network' | 'server' | 'rate-limit' | 'banned' | 'clock-skew' | 'auth';

export class ExchangeError extends IftbError {
  readonly kind: ExchangeErrorKind;
  /** Binance's numeric code (e.g. -2019), or null for transport failures. */
  readonly exchangeCode: number | null;
  /** HTTP status, or null. */
  readonly status: number | null;
  /** How long to wait before the next request (rate-limit, banned), or null. */
  readonly retryAfterMs: number | null;
  /** A short journal reason: 'insufficient-margin', 'min-notional', 'rate-limited', … */
  readonly reason: string;

  constructor(
    kind: ExchangeErrorKind,
    message: string,
    details: {exchangeCode?: number | null; status?: number | null; retryAfterMs?: number | null; reason?: string; cause?: unknown} = {},
  ) {
    const fatal = kind === 'auth';
    super(fatal ? ErrorCode.VENUE_FATAL : ErrorCode.VENUE_TEMPORARY, message, {retryable: !fatal && kind !== 'rejected' && kind !== 'not-found', cause: details.cause});
    this.name = 'ExchangeError';
    this.kind = kind;
    this.exchangeCode = details.exchangeCode ?? null;
    this.status = details.status ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.reason = details.reason ?? kind;
  }

  /** A state-changing call that failed this way may still have taken effect on the exchange. */
  get ambiguous(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'server';
  }
}

export function isExchangeError(error: unknown, kind?: ExchangeErrorKind): error is ExchangeError {
  return error instanceof ExchangeError && (kind === undefined || error.kind === kind);
}

/** Binance's client order id rule. */
export const CLIENT_ORDER_ID_PATTERN = /^[.A-Z:/a-z0-9_-]{1,36}$/;
