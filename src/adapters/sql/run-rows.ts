import type {ClosedTrade, KillSwitchRecord, RunSummary, StoredCashEntry, SymbolId} from '../../core/index.js';
import {numberOrNull} from './executor.js';

/** Row → record mapping of the run and kill-switch tables, the same columns in DuckDB and PostgreSQL. */
export function toRunSummary(r: Record<string, unknown>): RunSummary {
  return {
    runId: String(r.run_id),
    createdAt: new Date(r.created_at as Date).toISOString(),
    mode: r.mode as RunSummary['mode'],
    strategy: String(r.strategy),
    strategyVersion: String(r.strategy_version),
    exchange: String(r.exchange),
    symbol: String(r.symbol),
    timeframe: String(r.timeframe),
    fromMs: numberOrNull(r.from_ms),
    toMs: numberOrNull(r.to_ms),
    configHash: String(r.config_hash),
    dataHash: String(r.data_hash),
    metrics: JSON.parse(String(r.metrics_json)),
    reportDir: r.report_dir === null ? null : String(r.report_dir),
  };
}

export function toClosedTrade(r: Record<string, unknown>, symbol: SymbolId): ClosedTrade {
  return {
    id: Number(r.trade_id), symbol: typeof r.symbol === 'string' && r.symbol !== '' ? r.symbol : symbol, side: r.side as ClosedTrade['side'], qty: Number(r.qty),
    entryTimeMs: Number(r.entry_time_ms), exitTimeMs: Number(r.exit_time_ms), entryPrice: Number(r.entry_price),
    exitPrice: Number(r.exit_price), grossPnl: Number(r.gross_pnl), fees: Number(r.fees), funding: Number(r.funding),
    liquidationFee: Number(r.liquidation_fee), netPnl: Number(r.net_pnl), entryReason: String(r.entry_reason),
    exitReason: String(r.exit_reason), bars: Number(r.bars),
  };
}

export function toCashEntry(r: Record<string, unknown>): StoredCashEntry {
  const entry = {timeMs: Number(r.time_ms), kind: String(r.kind), amount: Number(r.amount), balance: Number(r.balance), orderId: Number(r.order_id)};
  return typeof r.symbol === 'string' && r.symbol !== '' ? {...entry, symbol: r.symbol} : entry;
}

export function toKillSwitchRecord(row: Record<string, unknown>): KillSwitchRecord {
  return {
    action: row.action as KillSwitchRecord['action'],
    reason: String(row.reason),
    by: String(row.actor),
    atMs: Number(row.at_ms),
    confirmationCodeHash: row.confirmation_code_hash === null ? null : String(row.confirmation_code_hash),
  };
}
