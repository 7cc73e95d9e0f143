/** The REST endpoints of the local exchange, in Binance's shapes. */
import type {Account} from './account.js';
import {ASSET} from './account.js';
import {INTERVAL_MS, type MarketBook} from './book.js';
import type {ExchangeClock} from './clock.js';
import {decimalsOf, fmt, type SymbolSpec} from './instruments.js';
import type {ListenKeys} from './listen-keys.js';
import type {MatchingEngine, Params} from './matching.js';
import {algoOrderJson, regularOrderJson} from './order-wire.js';
import {MSG, reject} from './reject.js';

export interface ExchangeCore {
  readonly book: MarketBook;
  readonly account: Account;
  readonly engine: MatchingEngine;
  readonly clock: ExchangeClock;
  readonly listenKeys: ListenKeys;
}

/** none: public; key: X-MBX-APIKEY only (listenKey); signed: key + timestamp + signature. */
export type Security = 'none' | 'key' | 'signed';

export interface Route {
  readonly security: Security;
  handle(core: ExchangeCore, p: Params): unknown;
}

const DAY_MS = 86_400_000;

export const ROUTES: Readonly<Record<string, Route>> = {
  'GET /fapi/v1/ping': {security: 'none', handle: () => ({})},
  'GET /fapi/v1/time': {security: 'none', handle: (c) => ({serverTime: c.clock.now()})},
  'GET /fapi/v1/exchangeInfo': {security: 'none', handle: (c) => exchangeInfo([...c.book.specs.values()], c.clock.now())},
  'GET /fapi/v1/klines': {security: 'none', handle: (c, p) => klines(c, p, 'candles')},
  'GET /fapi/v1/markPriceKlines': {security: 'none', handle: (c, p) => klines(c, p, 'mark')},
  'GET /fapi/v1/fundingRate': {security: 'none', handle: fundingRate},
  'GET /fapi/v1/premiumIndex': {
    security: 'none',
    handle: (c, p) => (p.symbol === undefined ? [...c.book.specs.keys()].map((s) => premiumIndex(c, s)) : premiumIndex(c, symbolOf(c, p))),
  },

  'POST /fapi/v1/listenKey': {security: 'key', handle: (c) => ({listenKey: c.listenKeys.create()})},
  'PUT /fapi/v1/listenKey': {security: 'key', handle: (c, p) => (c.listenKeys.keepalive(p.listenKey ?? liveKeyOf(c)), {})},
  'DELETE /fapi/v1/listenKey': {security: 'key', handle: (c, p) => (c.listenKeys.remove(p.listenKey), {})},

  'GET /fapi/v3/account': {security: 'signed', handle: (c) => c.account.accountV3((s) => c.engine.openOrderMargin(s), listed(c))},
  'GET /fapi/v3/positionRisk': {
    security: 'signed',
    handle: (c, p) => c.account.positionRiskV3(p.symbol !== undefined ? [symbolOf(c, p)] : listed(c), (s) => c.engine.openOrderMargin(s)),
  },
  'GET /fapi/v1/positionSide/dual': {security: 'signed', handle: () => ({dualSidePosition: false})},
  'GET /fapi/v1/leverageBracket': {
    security: 'signed',
    handle: (c, p) => (p.symbol !== undefined ? bracketJson(c.book.spec(symbolOf(c, p))) : [...c.book.specs.values()].map(bracketJson)),
  },
  'GET /fapi/v1/symbolConfig': {
    security: 'signed',
    handle: (c, p) => (p.symbol !== undefined ? [symbolOf(c, p)] : [...c.book.specs.keys()]).map((s) => symbolConfig(c, s)),
  },
  'POST /fapi/v1/leverage': {security: 'signed', handle: setLeverage},
  'POST /fapi/v1/marginType': {security: 'signed', handle: setMarginType},

  'POST /fapi/v1/order': {security: 'signed', handle: (c, p) => c.engine.placeOrder(p)},
  'GET /fapi/v1/order': {security: 'signed', handle: (c, p) => orderJson(c, c.engine.query(p))},
  'DELETE /fapi/v1/order': {security: 'signed', handle: (c, p) => orderJson(c, c.engine.cancel(p))},
  'GET /fapi/v1/openOrders': {
    security: 'signed',
    handle: (c, p) => c.engine.openOrders(p.symbol === undefined ? undefined : symbolOf(c, p)).map((o) => orderJson(c, o)),
  },
  'POST /fapi/v1/algoOrder': {security: 'signed', handle: (c, p) => c.engine.placeAlgo(p)},
  'GET /fapi/v1/algoOrder': {security: 'signed', handle: (c, p) => algoJson(c, c.engine.queryAlgo(p))},
  'DELETE /fapi/v1/algoOrder': {
    security: 'signed',
    handle: (c, p) => {
      const algo = c.engine.cancelAlgo(p);
      return {algoId: algo.algoId, clientAlgoId: algo.clientAlgoId, code: '200', msg: 'success'};
    },
  },
  'GET /fapi/v1/openAlgoOrders': {
    security: 'signed',
    handle: (c, p) => c.engine.openAlgos(p.symbol === undefined ? undefined : symbolOf(c, p)).map((a) => algoJson(c, a)),
  },
  'GET /fapi/v1/userTrades': {security: 'signed', handle: userTrades},
  'GET /fapi/v1/income': {security: 'signed', handle: income},
};

function symbolOf(c: ExchangeCore, p: Params): string {
  if (p.symbol === undefined) return reject(-1102, MSG.mandatory('symbol'));
  return c.book.has(p.symbol) ? p.symbol : reject(-1121, MSG.invalidSymbol);
}

/** v3 account and positionRisk list only symbols with a position or open orders. */
function listed(c: ExchangeCore): string[] {
  return [...c.book.specs.keys()].filter((s) => c.account.position(s).amt !== 0 || c.engine.openOrders(s).length > 0 || c.engine.openAlgos(s).length > 0);
}

function liveKeyOf(c: ExchangeCore): string {
  return c.listenKeys.create();
}

const priceDecimals = (spec: SymbolSpec) => Math.max(spec.pricePrecision, decimalsOf(spec.tickSize));

function orderJson(c: ExchangeCore, order: Parameters<typeof regularOrderJson>[0]): Record<string, unknown> {
  return regularOrderJson(order, c.book.spec(order.symbol));
}

function algoJson(c: ExchangeCore, algo: Parameters<typeof algoOrderJson>[0]): Record<string, unknown> {
  return algoOrderJson(algo, c.book.spec(algo.symbol));
}

function intParam(p: Params, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = p[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) return reject(-1130, `Data sent for parameter '${name}' is not valid.`);
  return value;
}

function klines(c: ExchangeCore, p: Params, kind: 'candles' | 'mark'): unknown[] {
  const symbol = symbolOf(c, p);
  const interval = p.interval ?? reject(-1102, MSG.mandatory('interval'));
  const tf = INTERVAL_MS[interval] ?? reject(-1120, 'Invalid interval.');
  const limit = intParam(p, 'limit', 500, 1, 1500) as number;
  const start = intParam(p, 'startTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  const end = intParam(p, 'endTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  const spec = c.book.spec(symbol);
  const d = priceDecimals(spec);
  return c.book.klines(symbol, interval, kind, start, end, limit).map((bar) => {
    const [o, h, l, cl] = [bar.open, bar.high, bar.low, bar.close].map((x) => fmt(x, d));
    if (kind === 'mark') return [bar.openTime, o, h, l, cl, '0', bar.openTime + tf - 1, '0', 60, '0', '0', '0'];
    const quote = fmt(bar.volume * bar.close, 5);
    return [bar.openTime, o, h, l, cl, fmt(bar.volume, 3), bar.openTime + tf - 1, quote, Math.round(bar.volume * 17) + 1, fmt(bar.volume / 2, 3), fmt((bar.volume * bar.close) / 2, 5), '0'];
  });
}

function fundingRate(c: ExchangeCore, p: Params): unknown[] {
  const symbol = symbolOf(c, p);
  const limit = intParam(p, 'limit', 100, 1, 1000) as number;
  const rows = c.book.fundingHistory(symbol, intParam(p, 'startTime', undefined, 0, Number.MAX_SAFE_INTEGER), intParam(p, 'endTime', undefined, 0, Number.MAX_SAFE_INTEGER), limit);
  const d = priceDecimals(c.book.spec(symbol));
  return rows.map((r) => ({symbol, fundingTime: r.fundingTime, fundingRate: fmt(r.fundingRate, 8), markPrice: r.markPrice === undefined ? '' : fmt(r.markPrice, d + 6)}));
}

function premiumIndex(c: ExchangeCore, symbol: string): Record<string, unknown> {
  const now = c.clock.now();
  const mark = c.book.markPrice(symbol) ?? 0;
  const d = priceDecimals(c.book.spec(symbol)) + 6;
  return {
    symbol,
    markPrice: fmt(mark, d),
    indexPrice: fmt(mark, d),
    estimatedSettlePrice: fmt(mark, d),
    lastFundingRate: fmt(c.book.fundingRate(symbol), 8),
    interestRate: '0.00010000',
    nextFundingTime: c.book.nextFundingTime(now),
    time: now,
  };
}

function bracketJson(spec: SymbolSpec): Record<string, unknown> {
  return {symbol: spec.symbol, notionalCoef: 1.0, brackets: spec.brackets.map((b) => ({...b}))};
}

function maxNotional(spec: SymbolSpec, leverage: number): number {
  const allowed = spec.brackets.filter((b) => b.initialLeverage >= leverage);
  return allowed.length === 0 ? 0 : allowed[allowed.length - 1].notionalCap;
}

function symbolConfig(c: ExchangeCore, symbol: string): Record<string, unknown> {
  const settings = c.account.settingsOf(symbol);
  return {
    symbol,
    marginType: settings.marginType === 'isolated' ? 'ISOLATED' : 'CROSSED',
    isAutoAddMargin: 'false',
    leverage: settings.leverage,
    maxNotionalValue: String(maxNotional(c.book.spec(symbol), settings.leverage)),
  };
}

function setLeverage(c: ExchangeCore, p: Params): unknown {
  const symbol = symbolOf(c, p);
  const spec = c.book.spec(symbol);
  const leverage = Number(p.leverage);
  if (!Number.isInteger(leverage) || leverage < 1 || leverage > spec.brackets[0].initialLeverage) reject(-4028, `Leverage ${p.leverage ?? ''} is not valid`);
  c.account.settingsOf(symbol).leverage = leverage;
  return {leverage, maxNotionalValue: String(maxNotional(spec, leverage)), symbol};
}

function setMarginType(c: ExchangeCore, p: Params): unknown {
  const symbol = symbolOf(c, p);
  const wanted = p.marginType === 'ISOLATED' ? 'isolated' : p.marginType === 'CROSSED' ? 'cross' : reject(-1102, MSG.mandatory('marginType'));
  const settings = c.account.settingsOf(symbol);
  if (settings.marginType === wanted) reject(-4046, 'No need to change margin type.');
  if (c.account.position(symbol).amt !== 0) reject(-4048, 'Margin type cannot be changed if there exists position.');
  if (c.engine.openOrders(symbol).length > 0) reject(-4047, 'Margin type cannot be changed if there exists open orders.');
  settings.marginType = wanted;
  return {code: 200, msg: 'success'};
}

/** 7 days at most per request; fromId cannot be combined with a time range. */
function userTrades(c: ExchangeCore, p: Params): unknown[] {
  const symbol = symbolOf(c, p);
  const limit = intParam(p, 'limit', 500, 1, 1000) as number;
  const fromId = intParam(p, 'fromId', undefined, 0, Number.MAX_SAFE_INTEGER);
  let start = intParam(p, 'startTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  let end = intParam(p, 'endTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  if (fromId !== undefined && (start !== undefined || end !== undefined)) reject(-4166, 'The parameter fromId cannot be sent with startTime or endTime.');
  if (start !== undefined && end !== undefined && end - start > 7 * DAY_MS) reject(-4166, 'More than 7 days between startTime and endTime.');
  if (fromId === undefined) {
    if (start === undefined && end === undefined) end = c.clock.now();
    if (start === undefined) start = (end as number) - 7 * DAY_MS;
    if (end === undefined) end = start + 7 * DAY_MS;
  }
  const spec = c.book.spec(symbol);
  const qd = decimalsOf(spec.stepSize);
  const pd = priceDecimals(spec);
  return c.account.trades
    .filter((t) => t.symbol === symbol && (fromId !== undefined ? t.id >= fromId : t.time >= (start as number) && t.time <= (end as number)))
    .slice(0, limit)
    .map((t) => ({
      buyer: t.side === 'BUY',
      commission: fmt(t.commission, 8),
      commissionAsset: ASSET,
      id: t.id,
      maker: t.maker,
      orderId: t.orderId,
      price: fmt(t.price, pd),
      qty: fmt(t.qty, qd),
      quoteQty: fmt(t.qty * t.price, 5),
      realizedPnl: fmt(t.realizedPnl, 8),
      side: t.side,
      positionSide: 'BOTH',
      symbol,
      time: t.time,
    }));
}

function income(c: ExchangeCore, p: Params): unknown[] {
  const symbol = p.symbol === undefined ? undefined : symbolOf(c, p);
  const limit = intParam(p, 'limit', 100, 1, 1000) as number;
  let start = intParam(p, 'startTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  const end = intParam(p, 'endTime', undefined, 0, Number.MAX_SAFE_INTEGER);
  if (start === undefined && end === undefined) start = c.clock.now() - 7 * DAY_MS;
  return c.account.incomes
    .filter((r) => (symbol === undefined || r.symbol === symbol) && (p.incomeType === undefined || r.incomeType === p.incomeType))
    .filter((r) => (start === undefined || r.time >= start) && (end === undefined || r.time <= end))
    .slice(0, limit)
    .map((r) => ({
      symbol: r.symbol,
      incomeType: r.incomeType,
      income: fmt(r.income, 8),
      asset: ASSET,
      info: r.incomeType === 'FUNDING_FEE' ? 'FUNDING_FEE' : '',
      time: r.time,
      tranId: r.tranId,
      tradeId: r.tradeId,
    }));
}

function exchangeInfo(specs: readonly SymbolSpec[], now: number): unknown {
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [
      {rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400},
      {rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200},
      {rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300},
    ],
    exchangeFilters: [],
    assets: [{asset: ASSET, marginAvailable: true, autoAssetExchange: '-10000'}],
    symbols: specs.map((s) => ({
      symbol: s.symbol,
      pair: s.symbol,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status: 'TRADING',
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: s.baseAsset,
      quoteAsset: s.quoteAsset,
      marginAsset: s.quoteAsset,
      pricePrecision: s.pricePrecision,
      quantityPrecision: s.quantityPrecision,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      underlyingSubType: [],
      settlePlan: 0,
      triggerProtect: '0.0500',
      liquidationFee: '0.012500',
      marketTakeBound: '0.05',
      maxMoveOrderLimit: 10000,
      filters: [
        {filterType: 'PRICE_FILTER', minPrice: String(s.minPrice), maxPrice: String(s.maxPrice), tickSize: String(s.tickSize)},
        {filterType: 'LOT_SIZE', minQty: String(s.minQty), maxQty: String(s.maxQty), stepSize: String(s.stepSize)},
        {filterType: 'MARKET_LOT_SIZE', minQty: String(s.minQty), maxQty: String(s.marketMaxQty), stepSize: String(s.stepSize)},
        {filterType: 'MAX_NUM_ORDERS', limit: 200},
        {filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10},
        {filterType: 'MIN_NOTIONAL', notional: String(s.minNotional)},
        {filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4'},
      ],
      orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    })),
  };
}
