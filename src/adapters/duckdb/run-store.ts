import type {ClosedTrade, JournalEvent, RunRecord, RunStore, RunSummary, StoredCashEntry, SymbolId} from '../../core/index.js';
import type {DuckDb} from './database.js';
import {toCashEntry, toClosedTrade, toRunSummary} from '../sql/run-rows.js';

/** The RunStore port over DuckDB. Saving a run id again replaces it whole. */
export type {RunRecord, RunSummary, StoredCashEntry};

export class DuckDbRunStore implements RunStore {
  constructor(private readonly db: DuckDb) {}

  async save(run: RunRecord, journal: readonly JournalEvent[], cash: readonly StoredCashEntry[], trades: readonly ClosedTrade[]): Promise<void> {
    const db = this.db;
    await db.transaction(async () => {
      for (const table of ['runs', 'run_journal', 'run_cash', 'run_trades']) {
        await db.run(`DELETE FROM ${table} WHERE run_id = $1`, [run.runId]);
      }
      await db.run(
        `INSERT INTO runs (run_id, mode, strategy, strategy_version, exchange, symbol, timeframe, from_ms, to_ms,
           config_json, config_hash, data_hash, metrics_json, report_dir) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [run.runId, run.mode, run.strategy, run.strategyVersion, run.exchange, run.symbol, run.timeframe,
          run.fromMs === null ? null : BigInt(run.fromMs), run.toMs === null ? null : BigInt(run.toMs),
          JSON.stringify(run.config), run.configHash, run.dataHash, JSON.stringify(run.metrics), run.reportDir],
      );
      const journalRows = await db.connection.createAppender('run_journal');
      journal.forEach((event, seq) => {
        journalRows.appendVarchar(run.runId);
        journalRows.appendInteger(seq);
        journalRows.appendBigInt(BigInt(Math.trunc(event.timeMs)));
        journalRows.appendVarchar(event.type);
        journalRows.appendVarchar(JSON.stringify(event));
        journalRows.endRow();
      });
      journalRows.closeSync();
      const cashRows = await db.connection.createAppender('run_cash');
      cash.forEach((entry, seq) => {
        cashRows.appendVarchar(run.runId);
        cashRows.appendInteger(seq);
        cashRows.appendBigInt(BigInt(Math.trunc(entry.timeMs)));
        cashRows.appendVarchar(entry.kind);
        cashRows.appendDouble(entry.amount);
        cashRows.appendDouble(entry.balance);
        cashRows.appendInteger(entry.orderId);
        cashRows.appendVarchar(entry.symbol ?? '');
        cashRows.endRow();
      });
      cashRows.closeSync();
      const tradeRows = await db.connection.createAppender('run_trades');
      for (const t of trades) {
        tradeRows.appendVarchar(run.runId);
        tradeRows.appendInteger(t.id);
        tradeRows.appendVarchar(t.side);
        tradeRows.appendDouble(t.qty);
        tradeRows.appendBigInt(BigInt(t.entryTimeMs));
        tradeRows.appendBigInt(BigInt(t.exitTimeMs));
        for (const v of [t.entryPrice, t.exitPrice, t.grossPnl, t.fees, t.funding, t.liquidationFee, t.netPnl]) tradeRows.appendDouble(v);
        tradeRows.appendVarchar(t.entryReason);
        tradeRows.appendVarchar(t.exitReason);
        tradeRows.appendInteger(t.bars);
        tradeRows.appendVarchar(t.symbol);
        tradeRows.endRow();
      }
      tradeRows.closeSync();
    });
  }

  async list(): Promise<RunSummary[]> {
    const rows = await this.db.rows('SELECT * FROM runs ORDER BY created_at DESC, run_id');
    return rows.map(toRunSummary);
  }

  /** One run with its config, or null when no run has that id. */
  async get(runId: string): Promise<(RunSummary & {readonly config: unknown}) | null> {
    const rows = await this.db.rows('SELECT * FROM runs WHERE run_id = $1', [runId]);
    return rows.length === 0 ? null : {...toRunSummary(rows[0]), config: JSON.parse(String(rows[0].config_json))};
  }

  async journal(runId: string): Promise<JournalEvent[]> {
    const rows = await this.db.rows('SELECT event_json FROM run_journal WHERE run_id = $1 ORDER BY seq', [runId]);
    return rows.map((r) => JSON.parse(String(r.event_json)) as JournalEvent);
  }

  async cash(runId: string): Promise<StoredCashEntry[]> {
    const rows = await this.db.rows('SELECT time_ms, kind, amount, balance, order_id, symbol FROM run_cash WHERE run_id = $1 ORDER BY seq', [runId]);
    return rows.map(toCashEntry);
  }

  async trades(runId: string, symbol: SymbolId): Promise<ClosedTrade[]> {
    const rows = await this.db.rows(
      `SELECT trade_id, side, qty, entry_time_ms, exit_time_ms, entry_price, exit_price, gross_pnl, fees, funding, liquidation_fee,
         net_pnl, entry_reason, exit_reason, bars, symbol FROM run_trades WHERE run_id = $1 ORDER BY trade_id`,
      [runId],
    );
    return rows.map((r) => toClosedTrade(r, symbol));
  }
}
