/**
 * Binance USDⓈ-M REST payloads → the port's types. Binance sends numbers as strings (prices,
 * quantities) and ids as integers; each shape is checked once here, at the edge.
 */
import {z} from 'zod';
import type {
  Bar,
  ExchangeBalance,
  ExchangeFunding,
  ExchangeFundingFee,
  ExchangeOrder,
  ExchangeOrderStatus,
  ExchangeOrderType,
  ExchangePosition,
  ExchangeTrade,
  MarginMode,
  OrderSide,
  PremiumIndex,
} from '../../core/index.js';
import {badResponse} from './exchange-errors.js';
import {unifiedSymbolOf} from './symbols.js';

/** "123.4" or 123.4 → 123.4; "" → NaN (Binance leaves some fields empty). */
export const decimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (value === '') return Number.NaN;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    ctx.addIssue({code: 'custom', message: `not a number: ${String(value)}`});
    return z.NEVER;
  }
  return n;
});
const id = z.union([z.string(), z.number()]).transform(String);
const side = z.enum(['BUY', 'SELL']).transform((s): OrderSide => (s === 'BUY' ? 'buy' : 'sell'));
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

/** Parses `raw` with `schema`; a mismatch is an ExchangeError 'server' (the answer was unreadable). */
export function parseWire<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badResponse(what, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

const ORDER_STATUS: Readonly<Record<string, ExchangeOrderStatus>> = {
  NEW: 'new',
  PARTIALLY_FILLED: 'partially-filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

export function orderStatusOf(status: string): ExchangeOrderStatus {
  return ORDER_STATUS[status] ?? 'new';
}

/** The order's original type wins: a triggered stop runs as a MARKET order with origType STOP_MARKET. */
export function orderTypeOf(type: string, origType?: string): ExchangeOrderType | 'other' {
  const pick = origType === 'STOP_MARKET' || origType === 'TAKE_PROFIT_MARKET' ? origType : type;
  switch (pick) {
    case 'MARKET':
      return 'market';
    case 'LIMIT':
      return 'limit';
    case 'STOP_MARKET':
      return 'stop-market';
    case 'TAKE_PROFIT_MARKET':
      return 'take-profit-market';
    default:
      return 'other';
  }
}

const positive = (n: number) => (Number.isFinite(n) && n > 0 ? n : Number.NaN);

export const regularOrderSchema = z.object({
  orderId: id,
  symbol: z.string(),
  status: z.string(),
  clientOrderId: z.string(),
  price: decimal,
  avgPrice: decimal,
  origQty: decimal,
  executedQty: decimal,
  type: z.string(),
  origType: z.string().optional(),
  side,
  reduceOnly: flag.optional(),
  stopPrice: decimal.optional(),
  updateTime: z.number(),
});

export function regularOrderOf(raw: unknown, what: string): ExchangeOrder {
  const o = parseWire(regularOrderSchema, raw, what);
  return {
    symbol: unifiedSymbolOf(o.symbol),
    clientOrderId: o.clientOrderId,
    exchangeOrderId: o.orderId,
    status: orderStatusOf(o.status),
    side: o.side,
    type: orderTypeOf(o.type, o.origType),
    qty: o.origQty,
    filledQty: o.executedQty,
    avgPrice: o.executedQty > 0 ? positive(o.avgPrice) : Number.NaN,
    price: o.price,
    stopPrice: o.stopPrice ?? 0,
    reduceOnly: o.reduceOnly ?? false,
    updateTimeMs: o.updateTime,
  };
}

const algoOrderSchema = z.object({
  algoId: id,
  clientAlgoId: z.string(),
  symbol: z.string(),
  side,
  orderType: z.string().optional(),
  type: z.string().optional(),
  quantity: decimal,
  algoStatus: z.string(),
  triggerPrice: decimal,
  price: decimal.optional(),
  reduceOnly: flag.optional(),
  actualOrderId: z.union([z.string(), z.number()]).nullish(),
  executedQty: decimal.nullish(),
  avgPrice: decimal.nullish(),
  actualPrice: decimal.nullish(),
  updateTime: z.number(),
});

/**
 * A conditional (algo) order. Its exchangeOrderId is `algo-<algoId>` until it triggers, then the
 * id of the order it placed in the matching engine (fills from userTrades carry that id).
 */
export function algoOrderOf(raw: unknown, what: string): ExchangeOrder {
  const o = parseWire(algoOrderSchema, raw, what);
  const actual = o.actualOrderId === undefined || o.actualOrderId === null || String(o.actualOrderId) === '' ? null : String(o.actualOrderId);
  const filled = o.executedQty ?? 0;
  return {
    symbol: unifiedSymbolOf(o.symbol),
    clientOrderId: o.clientAlgoId,
    exchangeOrderId: actual ?? `algo-${o.algoId}`,
    status: algoStatusOf(o.algoStatus, filled, o.quantity),
    side: o.side,
    type: orderTypeOf(o.orderType ?? o.type ?? ''),
    qty: o.quantity,
    filledQty: filled,
    avgPrice: filled > 0 ? positive(o.avgPrice ?? o.actualPrice ?? Number.NaN) : Number.NaN,
    price: o.price ?? 0,
    stopPrice: o.triggerPrice,
    reduceOnly: o.reduceOnly ?? false,
    updateTimeMs: o.updateTime,
  };
}

/** TRIGGERING/TRIGGERED: the placed order is working; FINISHED: it completed in the matching engine. */
export function algoStatusOf(status: string, filled: number, qty: number): ExchangeOrderStatus {
  switch (status) {
    case 'NEW':
    case 'TRIGGERING':
    case 'TRIGGERED':
      return filled > 0 ? 'partially-filled' : 'new';
    case 'FINISHED':
      return filled >= qty && filled > 0 ? 'filled' : filled > 0 ? 'canceled' : 'expired';
    case 'CANCELED':
    case 'CANCELLED':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    default:
      return 'expired';
  }
}

const userTradeSchema = z.object({
  symbol: z.string(),
  id,
  orderId: id,
  side,
  price: decimal,
  qty: decimal,
  realizedPnl: decimal,
  commission: decimal,
  commissionAsset: z.string(),
  time: z.number(),
  maker: z.boolean(),
});

export function userTradeOf(raw: unknown, what: string): ExchangeTrade {
  const t = parseWire(userTradeSchema, raw, what);
  return {
    tradeId: t.id,
    exchangeOrderId: t.orderId,
    clientOrderId: null,
    symbol: unifiedSymbolOf(t.symbol),
    side: t.side,
    qty: t.qty,
    price: t.price,
    fee: Math.abs(t.commission),
    feeAsset: t.commissionAsset,
    realizedPnl: t.realizedPnl,
    maker: t.maker,
    timeMs: t.time,
  };
}

const positionRiskSchema = z.object({
  symbol: z.string(),
  positionAmt: decimal,
  entryPrice: decimal,
  markPrice: decimal,
  unRealizedProfit: decimal,
  liquidationPrice: decimal,
  isolatedMargin: decimal.optional(),
  updateTime: z.number(),
});

const symbolConfigSchema = z.object({
  symbol: z.string(),
  marginType: z.string(),
  leverage: decimal,
});

/** v3 positionRisk has no leverage or margin type any more; GET /fapi/v1/symbolConfig has both. */
export function positionsOf(risk: unknown, config: unknown, what: string): ExchangePosition[] {
  const rows = parseWire(z.array(positionRiskSchema), risk, what);
  const configs = new Map(parseWire(z.array(symbolConfigSchema), config, what).map((c) => [c.symbol, c]));
  return rows
    .filter((p) => p.positionAmt !== 0)
    .map((p) => {
      const c = configs.get(p.symbol);
      const marginMode: MarginMode = c !== undefined ? (c.marginType === 'ISOLATED' ? 'isolated' : 'cross') : (p.isolatedMargin ?? 0) !== 0 ? 'isolated' : 'cross';
      return {
        symbol: unifiedSymbolOf(p.symbol),
        qty: p.positionAmt,
        entryPrice: p.entryPrice,
        markPrice: p.markPrice,
        unrealizedPnl: p.unRealizedProfit,
        liquidationPrice: positive(p.liquidationPrice),
        leverage: c?.leverage ?? Number.NaN,
        marginMode,
        updateTimeMs: p.updateTime,
      };
    });
}

const accountSchema = z.object({
  assets: z.array(z.object({asset: z.string(), walletBalance: decimal, availableBalance: decimal, marginBalance: decimal, updateTime: z.number()})),
});

export function balanceOf(raw: unknown, asset: string, what: string): ExchangeBalance {
  const row = parseWire(accountSchema, raw, what).assets.find((a) => a.asset === asset);
  if (row === undefined) return {asset, walletBalance: 0, availableBalance: 0, marginBalance: 0, updateTimeMs: 0};
  return {asset, walletBalance: row.walletBalance, availableBalance: row.availableBalance, marginBalance: row.marginBalance, updateTimeMs: row.updateTime};
}

/** [openTime, open, high, low, close, volume, closeTime, …] */
const klineRowSchema = z.tuple([z.number(), decimal, decimal, decimal, decimal, decimal]).rest(z.unknown());

export function klinesOf(raw: unknown, what: string): Bar[] {
  return parseWire(z.array(klineRowSchema), raw, what).map(([openTime, open, high, low, close, volume]) => ({
    openTime,
    open,
    high,
    low,
    close,
    volume: Number.isNaN(volume) ? 0 : volume,
  }));
}

const fundingRateSchema = z.object({symbol: z.string(), fundingTime: z.number(), fundingRate: decimal, markPrice: decimal.optional()});

export function fundingRatesOf(raw: unknown, what: string): ExchangeFunding[] {
  return parseWire(z.array(fundingRateSchema), raw, what).map((f) => ({
    symbol: unifiedSymbolOf(f.symbol),
    timeMs: f.fundingTime,
    rate: f.fundingRate,
    markPrice: positive(f.markPrice ?? Number.NaN),
  }));
}

const premiumIndexSchema = z.object({
  symbol: z.string(),
  markPrice: decimal,
  indexPrice: decimal,
  lastFundingRate: decimal,
  nextFundingTime: z.number(),
  time: z.number(),
});

export function premiumIndexOf(raw: unknown, what: string): PremiumIndex {
  const p = parseWire(premiumIndexSchema, raw, what);
  return {
    symbol: unifiedSymbolOf(p.symbol),
    markPrice: p.markPrice,
    indexPrice: p.indexPrice,
    lastFundingRate: p.lastFundingRate,
    nextFundingTimeMs: p.nextFundingTime,
    timeMs: p.time,
  };
}

const incomeSchema = z.object({symbol: z.string(), incomeType: z.string(), income: decimal, asset: z.string(), time: z.number(), tranId: id});

export function fundingFeesOf(raw: unknown, what: string): ExchangeFundingFee[] {
  return parseWire(z.array(incomeSchema), raw, what)
    .filter((row) => row.incomeType === 'FUNDING_FEE')
    .map((row) => ({symbol: unifiedSymbolOf(row.symbol), id: row.tranId, amount: row.income, asset: row.asset, timeMs: row.time}));
}
