import type {ExchangeFillRecord, SessionBar, SessionCommand, SessionRecord, TrackedOrder} from '../../core/index.js';
import {numberOrNull, type SqlValue} from './executor.js';

/** Row ⇄ record mapping of the session tables (the same columns in DuckDB 006 and PostgreSQL 004). */
export function toSession(r: Record<string, unknown>): SessionRecord {
  return {
    sessionId: String(r.session_id),
    mode: r.mode as SessionRecord['mode'],
    exchange: String(r.exchange),
    accountId: String(r.account_id),
    strategy: String(r.strategy),
    strategyVersion: String(r.strategy_version),
    symbols: JSON.parse(String(r.symbols_json)),
    timeframe: r.timeframe as SessionRecord['timeframe'],
    config: JSON.parse(String(r.config_json)),
    configHash: String(r.config_hash),
    models: JSON.parse(String(r.models_json)),
    firstBarMs: Number(r.first_bar_ms),
    startedMs: Number(r.started_ms),
    status: r.status as SessionRecord['status'],
    statusMs: Number(r.status_ms),
  };
}

export const BAR_COLUMNS =
  'bar_open_ms, journal_end, data_age_ms, decision_latency_ms, venue_requests, venue_errors, stale_data, equity, position_qty, committed_ms';

export function barValues(sessionId: string, b: SessionBar): SqlValue[] {
  return [sessionId, b.barOpenMs, b.journalEnd, b.dataAgeMs, b.decisionLatencyMs, b.venueRequests, b.venueErrors, b.staleData, b.equity, b.positionQty, b.committedMs];
}

export function toBar(r: Record<string, unknown>): SessionBar {
  return {
    barOpenMs: Number(r.bar_open_ms),
    journalEnd: Number(r.journal_end),
    dataAgeMs: Number(r.data_age_ms),
    decisionLatencyMs: Number(r.decision_latency_ms),
    venueRequests: Number(r.venue_requests),
    venueErrors: Number(r.venue_errors),
    staleData: Boolean(r.stale_data),
    equity: Number(r.equity),
    positionQty: Number(r.position_qty),
    committedMs: Number(r.committed_ms),
  };
}

export function sameBar(a: SessionBar, b: SessionBar): boolean {
  return (Object.keys(a) as (keyof SessionBar)[]).every((k) => Object.is(a[k], b[k]));
}

export const COMMAND_COLUMNS = 'command_id, kind, reason, actor, received_ms, applied_before_bar_ms, outcome';

export function toCommand(r: Record<string, unknown>): SessionCommand {
  return {
    commandId: String(r.command_id),
    kind: r.kind as SessionCommand['kind'],
    reason: String(r.reason),
    by: String(r.actor),
    receivedMs: Number(r.received_ms),
    appliedBeforeBarMs: numberOrNull(r.applied_before_bar_ms),
    outcome: r.outcome === null ? null : String(r.outcome),
  };
}

export const ORDER_COLUMNS = `session_id, client_order_id, order_id, symbol, side, type, qty, price, stop_price, reduce_only, reason, origin,
  parent_client_order_id, state, exchange_order_id, filled_qty, avg_price, created_ms, updated_ms, detail`;

export function orderValues(o: TrackedOrder): SqlValue[] {
  return [o.sessionId, o.clientOrderId, o.orderId, o.symbol, o.side, o.type, o.qty, o.price, o.stopPrice, o.reduceOnly, o.reason, o.origin,
    o.parentClientOrderId, o.state, o.exchangeOrderId, o.filledQty, o.avgPrice, o.createdMs, o.updatedMs, o.detail];
}

export function toOrder(r: Record<string, unknown>): TrackedOrder {
  return {
    sessionId: String(r.session_id),
    clientOrderId: String(r.client_order_id),
    orderId: Number(r.order_id),
    symbol: String(r.symbol),
    side: r.side as TrackedOrder['side'],
    type: r.type as TrackedOrder['type'],
    qty: Number(r.qty),
    price: Number(r.price),
    stopPrice: Number(r.stop_price),
    reduceOnly: Boolean(r.reduce_only),
    reason: String(r.reason),
    origin: r.origin as TrackedOrder['origin'],
    parentClientOrderId: r.parent_client_order_id === null ? null : String(r.parent_client_order_id),
    state: r.state as TrackedOrder['state'],
    exchangeOrderId: r.exchange_order_id === null ? null : String(r.exchange_order_id),
    filledQty: Number(r.filled_qty),
    avgPrice: Number(r.avg_price),
    createdMs: Number(r.created_ms),
    updatedMs: Number(r.updated_ms),
    detail: r.detail === null ? null : String(r.detail),
  };
}

export const FILL_COLUMNS = `session_id, symbol, trade_id, client_order_id, exchange_order_id, side, qty, price, fee, fee_asset, realized_pnl,
  maker, time_ms, delivered_at_bar_ms`;

export function fillValues(f: ExchangeFillRecord): SqlValue[] {
  return [f.sessionId, f.symbol, f.tradeId, f.clientOrderId, f.exchangeOrderId, f.side, f.qty, f.price, f.fee, f.feeAsset, f.realizedPnl,
    f.maker, f.timeMs, f.deliveredAtBarMs];
}

export function toFill(r: Record<string, unknown>): ExchangeFillRecord {
  return {
    sessionId: String(r.session_id),
    symbol: String(r.symbol),
    tradeId: String(r.trade_id),
    clientOrderId: String(r.client_order_id),
    exchangeOrderId: String(r.exchange_order_id),
    side: r.side as ExchangeFillRecord['side'],
    qty: Number(r.qty),
    price: Number(r.price),
    fee: Number(r.fee),
    feeAsset: String(r.fee_asset),
    realizedPnl: Number(r.realized_pnl),
    maker: Boolean(r.maker),
    timeMs: Number(r.time_ms),
    deliveredAtBarMs: numberOrNull(r.delivered_at_bar_ms),
  };
}

/** `$1, $2, …, $n` */
export function placeholders(n: number, from = 1): string {
  return Array.from({length: n}, (_, i) => `$${i + from}`).join(', ');
}
