/** Binance USDⓈ-M stream messages → the port's events (kline, ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, ALGO_UPDATE). */
import {z} from 'zod';
import {isTimeframe, type KlineUpdate, type SymbolId, type UserStreamEvent} from '../../core/index.js';
import {unifiedSymbolOf} from './symbols.js';
import {algoStatusOf, decimal, orderStatusOf, orderTypeOf} from './wire.js';

const klineEventSchema = z.object({
  e: z.literal('kline'),
  E: z.number(),
  s: z.string(),
  k: z.object({t: z.number(), i: z.string(), o: decimal, h: decimal, l: decimal, c: decimal, v: decimal, x: z.boolean()}),
});

/** A combined-stream frame wraps the event as {stream, data}. */
export function unwrapFrame(frame: unknown): unknown {
  if (typeof frame === 'object' && frame !== null && 'stream' in frame && 'data' in frame) return (frame as {data: unknown}).data;
  return frame;
}

/** null for anything that is not a kline event of a known timeframe (subscription acks, other streams). */
export function klineUpdateOf(event: unknown, symbols: ReadonlyMap<string, SymbolId>, receivedMs: number): KlineUpdate | null {
  const parsed = klineEventSchema.safeParse(event);
  if (!parsed.success) return null;
  const {E, s, k} = parsed.data;
  const timeframe = k.i;
  if (!isTimeframe(timeframe)) return null;
  return {
    symbol: symbols.get(s) ?? unifiedSymbolOf(s),
    timeframe,
    bar: {openTime: k.t, open: k.o, high: k.h, low: k.l, close: k.c, volume: k.v},
    // Binance's x: the kline is final; ccxt drops it, which is why this stream is raw
    closed: k.x,
    eventTimeMs: E,
    receivedMs,
  };
}

const orderUpdateSchema = z.object({
  e: z.literal('ORDER_TRADE_UPDATE'),
  E: z.number(),
  o: z.object({
    s: z.string(),
    c: z.string(),
    S: z.enum(['BUY', 'SELL']),
    o: z.string(),
    ot: z.string().optional(),
    q: decimal,
    p: decimal,
    ap: decimal,
    sp: decimal,
    x: z.string(),
    X: z.string(),
    i: z.union([z.number(), z.string()]),
    l: decimal,
    z: decimal,
    L: decimal,
    N: z.string().nullish(),
    n: decimal.nullish(),
    T: z.number(),
    t: z.union([z.number(), z.string()]),
    m: z.boolean(),
    R: z.boolean(),
    rp: decimal.optional(),
  }),
});

const accountUpdateSchema = z.object({
  e: z.literal('ACCOUNT_UPDATE'),
  E: z.number(),
  a: z.object({
    m: z.string(),
    B: z.array(z.object({a: z.string(), wb: decimal})),
    P: z.array(z.object({s: z.string(), pa: decimal, ep: decimal})),
  }),
});

const algoUpdateSchema = z.object({
  e: z.literal('ALGO_UPDATE'),
  E: z.number(),
  o: z.object({
    caid: z.string(),
    aid: z.union([z.number(), z.string()]),
    o: z.string(),
    s: z.string(),
    S: z.enum(['BUY', 'SELL']),
    q: decimal,
    X: z.string(),
    ai: z.union([z.number(), z.string()]).nullish(),
    ap: decimal.nullish(),
    aq: decimal.nullish(),
    tp: decimal,
    p: decimal.nullish(),
    R: z.boolean().optional(),
  }),
});

export type UserFrame = UserStreamEvent | {readonly type: 'listen-key-expired'; readonly eventTimeMs: number} | null;

/** null for events the port does not carry (MARGIN_CALL, ACCOUNT_CONFIG_UPDATE, TRADE_LITE, …). */
export function userFrameOf(event: unknown): UserFrame {
  const type = typeof event === 'object' && event !== null ? (event as {e?: unknown}).e : undefined;
  switch (type) {
    case 'ORDER_TRADE_UPDATE':
      return orderEvent(event);
    case 'ACCOUNT_UPDATE':
      return accountEvent(event);
    case 'ALGO_UPDATE':
      return algoEvent(event);
    case 'listenKeyExpired': {
      const time = Number((event as {E?: unknown}).E);
      return {type: 'listen-key-expired', eventTimeMs: Number.isFinite(time) ? time : Date.now()};
    }
    default:
      return null;
  }
}

function orderEvent(event: unknown): UserFrame {
  const parsed = orderUpdateSchema.safeParse(event);
  if (!parsed.success) return null;
  const {E, o} = parsed.data;
  const side = o.S === 'BUY' ? 'buy' : 'sell';
  const symbol = unifiedSymbolOf(o.s);
  const order = {
    symbol,
    clientOrderId: o.c,
    exchangeOrderId: String(o.i),
    status: orderStatusOf(o.X),
    side,
    type: orderTypeOf(o.o, o.ot),
    qty: o.q,
    filledQty: o.z,
    avgPrice: o.z > 0 && o.ap > 0 ? o.ap : Number.NaN,
    price: o.p,
    stopPrice: o.sp,
    reduceOnly: o.R,
    updateTimeMs: o.T,
  } as const;
  // CALCULATED is a liquidation or ADL execution: a fill all the same
  const executed = (o.x === 'TRADE' || o.x === 'CALCULATED') && o.l > 0;
  const trade = executed
    ? {
        tradeId: String(o.t),
        exchangeOrderId: String(o.i),
        clientOrderId: o.c,
        symbol,
        side,
        qty: o.l,
        price: o.L,
        fee: Math.abs(o.n ?? 0),
        feeAsset: o.N ?? 'USDT',
        realizedPnl: o.rp ?? 0,
        maker: o.m,
        timeMs: o.T,
      } as const
    : null;
  return {type: 'order', order, trade, eventTimeMs: E};
}

function accountEvent(event: unknown): UserFrame {
  const parsed = accountUpdateSchema.safeParse(event);
  if (!parsed.success) return null;
  const {E, a} = parsed.data;
  return {
    type: 'account',
    reason: a.m,
    balances: a.B.map((b) => ({asset: b.a, walletBalance: b.wb})),
    positions: a.P.map((p) => ({symbol: unifiedSymbolOf(p.s), qty: p.pa, entryPrice: p.ep})),
    eventTimeMs: E,
  };
}

function algoEvent(event: unknown): UserFrame {
  const parsed = algoUpdateSchema.safeParse(event);
  if (!parsed.success) return null;
  const {E, o} = parsed.data;
  const actual = o.ai === undefined || o.ai === null || String(o.ai) === '' ? null : String(o.ai);
  const filled = o.aq ?? 0;
  return {
    type: 'order',
    order: {
      symbol: unifiedSymbolOf(o.s),
      clientOrderId: o.caid,
      exchangeOrderId: actual ?? `algo-${o.aid}`,
      status: algoStatusOf(o.X, filled, o.q),
      side: o.S === 'BUY' ? 'buy' : 'sell',
      type: orderTypeOf(o.o),
      qty: o.q,
      filledQty: filled,
      avgPrice: filled > 0 && (o.ap ?? 0) > 0 ? (o.ap as number) : Number.NaN,
      price: o.p ?? 0,
      stopPrice: o.tp,
      reduceOnly: o.R ?? false,
      updateTimeMs: E,
    },
    trade: null,
    eventTimeMs: E,
  };
}
