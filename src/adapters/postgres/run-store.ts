import type {ClosedTrade, JournalEvent, RunRecord, RunStore, RunSummary, StoredCashEntry, SymbolId} from '../../core/index.js';
import {toCashEntry, toClosedTrade, toRunSummary} from '../sql/run-rows.js';
import type {PgDatabase} from './database.js';

/** The RunStore port over PostgreSQL; rows go in as arrays through unnest (one statement per table). */
export class PgRunStore implements RunStore {
  constructor(private readonly db: PgDatabase) {}

  async save(run: RunRecord, journal: readonly JournalEvent[], cash: readonly StoredCashEntry[], trades: readonly ClosedTrade[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // run_journal, run_cash and run_trades go with it (ON DELETE CASCADE); a session's state rows refer to it and refuse.
      await tx.run('DELETE FROM runs WHERE run_id = $1', [run.runId]);
      await tx.run(
        `INSERT INTO runs (run_id, mode, strategy, strategy_version, exchange, symbol, timeframe, from_ms, to_ms,
           config_json, config_hash, data_hash, metrics_json, report_dir) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [run.runId, run.mode, run.strategy, run.strategyVersion, run.exchange, run.symbol, run.timeframe, run.fromMs, run.toMs,
          JSON.stringify(run.config), run.configHash, run.dataHash, JSON.stringify(run.metrics), run.reportDir],
      );
      await tx.run(
        `INSERT INTO run_journal (run_id, seq, time_ms, type, event_json)
         SELECT $1, s.ord - 1, s.t, s.type, s.json FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS s(t, type, json, ord)`,
        [run.runId, journal.map((e) => Math.trunc(e.timeMs)), journal.map((e) => e.type), journal.map((e) => JSON.stringify(e))],
      );
      await tx.run(
        `INSERT INTO run_cash (run_id, seq, time_ms, kind, amount, balance, order_id, symbol)
         SELECT $1, s.ord - 1, s.t, s.kind, s.amount, s.balance, s.order_id, s.symbol
         FROM unnest($2::bigint[], $3::text[], $4::float8[], $5::float8[], $6::int[], $7::text[]) WITH ORDINALITY AS s(t, kind, amount, balance, order_id, symbol, ord)`,
        [run.runId, cash.map((c) => Math.trunc(c.timeMs)), cash.map((c) => c.kind), cash.map((c) => c.amount), cash.map((c) => c.balance),
          cash.map((c) => c.orderId), cash.map((c) => c.symbol ?? '')],
      );
      const col = <K extends keyof ClosedTrade>(k: K) => trades.map((t) => t[k]);
      await tx.run(
        `INSERT INTO run_trades (run_id, trade_id, side, qty, entry_time_ms, exit_time_ms, entry_price, exit_price, gross_pnl, fees, funding,
           liquidation_fee, net_pnl, entry_reason, exit_reason, bars, symbol)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::float8[], $5::bigint[], $6::bigint[], $7::float8[], $8::float8[], $9::float8[],
           $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::text[], $15::text[], $16::int[], $17::text[])`,
        [run.runId, col('id'), col('side'), col('qty'), col('entryTimeMs'), col('exitTimeMs'), col('entryPrice'), col('exitPrice'), col('grossPnl'),
          col('fees'), col('funding'), col('liquidationFee'), col('netPnl'), col('entryReason'), col('exitReason'), col('bars'), col('symbol')],
      );
    });
  }

  async list(): Promise<RunSummary[]> {
    return (await this.db.rows('SELECT * FROM runs ORDER BY created_at DESC, run_id')).map(toRunSummary);
  }

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
    const rows = await this.db.rows('SELECT * FROM run_trades WHERE run_id = $1 ORDER BY trade_id', [runId]);
    return rows.map((r) => toClosedTrade(r, symbol));
  }
}
