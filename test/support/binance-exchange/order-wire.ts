/** Orders as Binance serves them: REST order and algo-order objects, ORDER_TRADE_UPDATE and ALGO_UPDATE events. */
import type {TradeRecord} from './account.js';
import {decimalsOf, fmt, type SymbolSpec} from './instruments.js';

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type AlgoStatus = 'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type Side = 'BUY' | 'SELL';

export interface RegularOrder {
  readonly orderId: number;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: 'MARKET' | 'LIMIT';
  /** STOP_MARKET / TAKE_PROFIT_MARKET for an order a triggered conditional placed. */
  readonly origType: string;
  readonly timeInForce: string;
  origQty: number;
  readonly price: number;
  readonly stopPrice: number;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly workingType: string;
  status: OrderStatus;
  executedQty: number;
  cumQuote: number;
  readonly time: number;
  updateTime: number;
  /** The conditional order that placed it. */
  readonly algoId: number | null;
}

export interface AlgoOrder {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  readonly quantity: number;
  readonly triggerPrice: number;
  readonly workingType: 'MARK_PRICE' | 'CONTRACT_PRICE';
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly timeInForce: string;
  algoStatus: AlgoStatus;
  actualOrderId: number | null;
  executedQty: number;
  avgPrice: number;
  readonly createTime: number;
  updateTime: number;
  triggerTime: number;
  /** Why the algo service refused it at trigger time (ALGO_UPDATE `rm`). */
  rejectReason: string;
}

const priceText = (spec: SymbolSpec, value: number) => fmt(value, Math.max(spec.pricePrecision, decimalsOf(spec.tickSize)));
const qtyText = (spec: SymbolSpec, value: number) => fmt(value, decimalsOf(spec.stepSize));

export function avgPriceOf(order: RegularOrder): number {
  return order.executedQty > 0 ? order.cumQuote / order.executedQty : 0;
}

export function regularOrderJson(order: RegularOrder, spec: SymbolSpec): Record<string, unknown> {
  return {
    orderId: order.orderId,
    symbol: order.symbol,
    status: order.status,
    clientOrderId: order.clientOrderId,
    price: priceText(spec, order.price),
    avgPrice: fmt(avgPriceOf(order), 5),
    origQty: qtyText(spec, order.origQty),
    executedQty: qtyText(spec, order.executedQty),
    cumQty: qtyText(spec, order.executedQty),
    cumQuote: fmt(order.cumQuote, 5),
    timeInForce: order.timeInForce,
    type: order.type,
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    side: order.side,
    positionSide: 'BOTH',
    stopPrice: priceText(spec, order.stopPrice),
    workingType: order.workingType,
    priceProtect: false,
    origType: order.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: order.time,
    updateTime: order.updateTime,
  };
}

export function algoOrderJson(algo: AlgoOrder, spec: SymbolSpec): Record<string, unknown> {
  return {
    algoId: algo.algoId,
    clientAlgoId: algo.clientAlgoId,
    algoType: 'CONDITIONAL',
    orderType: algo.orderType,
    symbol: algo.symbol,
    side: algo.side,
    positionSide: 'BOTH',
    timeInForce: algo.timeInForce,
    quantity: qtyText(spec, algo.quantity),
    algoStatus: algo.algoStatus,
    actualOrderId: algo.actualOrderId === null ? '' : String(algo.actualOrderId),
    actualPrice: priceText(spec, algo.avgPrice),
    executedQty: qtyText(spec, algo.executedQty),
    avgPrice: priceText(spec, algo.avgPrice),
    triggerPrice: priceText(spec, algo.triggerPrice),
    price: priceText(spec, 0),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: algo.workingType,
    priceMatch: 'NONE',
    closePosition: algo.closePosition,
    priceProtect: algo.priceProtect,
    reduceOnly: algo.reduceOnly,
    createTime: algo.createTime,
    updateTime: algo.updateTime,
    triggerTime: algo.triggerTime,
    goodTillDate: 0,
  };
}

export type Execution = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED';

export function orderTradeUpdate(order: RegularOrder, spec: SymbolSpec, execution: Execution, time: number, trade?: TradeRecord): Record<string, unknown> {
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: time,
    T: time,
    o: {
      s: order.symbol,
      c: order.clientOrderId,
      S: order.side,
      o: order.type,
      f: order.timeInForce,
      q: qtyText(spec, order.origQty),
      p: priceText(spec, order.price),
      ap: fmt(avgPriceOf(order), 5),
      sp: priceText(spec, order.stopPrice),
      x: execution,
      X: order.status,
      i: order.orderId,
      l: qtyText(spec, trade?.qty ?? 0),
      z: qtyText(spec, order.executedQty),
      L: priceText(spec, trade?.price ?? 0),
      N: 'USDT',
      n: fmt(trade?.commission ?? 0, 8),
      T: trade?.time ?? time,
      t: trade?.id ?? 0,
      b: '0',
      a: '0',
      m: trade?.maker ?? false,
      R: order.reduceOnly,
      wt: order.workingType,
      ot: order.origType,
      ps: 'BOTH',
      cp: order.closePosition,
      rp: fmt(trade?.realizedPnl ?? 0, 8),
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

export function algoUpdate(algo: AlgoOrder, spec: SymbolSpec, time: number): Record<string, unknown> {
  return {
    e: 'ALGO_UPDATE',
    T: time,
    E: time,
    o: {
      caid: algo.clientAlgoId,
      aid: algo.algoId,
      at: 'CONDITIONAL',
      o: algo.orderType,
      s: algo.symbol,
      S: algo.side,
      ps: 'BOTH',
      f: algo.timeInForce,
      q: qtyText(spec, algo.quantity),
      X: algo.algoStatus,
      ai: algo.actualOrderId === null ? '' : String(algo.actualOrderId),
      ap: priceText(spec, algo.avgPrice),
      aq: qtyText(spec, algo.executedQty),
      act: algo.actualOrderId === null ? '0' : 'MARKET',
      tp: priceText(spec, algo.triggerPrice),
      p: priceText(spec, 0),
      V: 'EXPIRE_MAKER',
      wt: algo.workingType,
      pm: 'NONE',
      cp: algo.closePosition,
      pP: algo.priceProtect,
      R: algo.reduceOnly,
      tt: algo.triggerTime,
      gtd: 0,
      ...(algo.rejectReason !== '' ? {rm: algo.rejectReason} : {}),
    },
  };
}
