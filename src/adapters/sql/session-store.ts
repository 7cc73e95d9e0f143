import {
  type BarCommit,
  type ClosedTrade,
  ErrorCode,
  type ExchangeFillRecord,
  IftbError,
  type JournalEvent,
  type SessionBar,
  type SessionCommand,
  type SessionKey,
  type SessionRecord,
  type SessionStatus,
  type SessionStore,
  TERMINAL_ORDER_STATES,
  timeframeMs,
  type TrackedOrder,
} from '../../core/index.js';
import type {SqlExecutor, SqlRunner} from './executor.js';
import {
  BAR_COLUMNS, barValues, COMMAND_COLUMNS, FILL_COLUMNS, fillValues, ORDER_COLUMNS, orderValues, placeholders, sameBar, toBar, toCommand, toFill,
  toOrder, toSession,
} from './session-rows.js';

const SESSION_COLUMNS = `session_id, mode, exchange, account_id, strategy, strategy_version, symbols_json, timeframe, config_json, config_hash,
  models_json, first_bar_ms, started_ms, status, status_ms`;
const TRADE_COLUMNS = `run_id, trade_id, side, qty, entry_time_ms, exit_time_ms, entry_price, exit_price, gross_pnl, fees, funding,
  liquidation_fee, net_pnl, entry_reason, exit_reason, bars, symbol`;

/**
 * The SessionStore port in the SQL both stores speak; DuckDbSessionStore and PgSessionStore are
 * this class over their executor. Every write is one transaction and resolves after COMMIT.
 */
export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: SqlExecutor) {}

  async createSession(s: SessionRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      const taken = await tx.rows(
        'SELECT run_id FROM runs WHERE run_id = $1 UNION ALL SELECT session_id FROM sessions WHERE session_id = $1',
        [s.sessionId],
      );
      if (taken.length > 0) throw new IftbError(ErrorCode.INPUT_INVALID, `session ${s.sessionId} already exists`);
      await tx.run(
        `INSERT INTO runs (run_id, mode, strategy, strategy_version, exchange, symbol, timeframe, from_ms, to_ms, config_json, config_hash,
           data_hash, metrics_json, report_dir) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, NULL)`,
        [s.sessionId, s.mode, s.strategy, s.strategyVersion, s.exchange, [...s.symbols].sort().join(','), s.timeframe, s.firstBarMs,
          JSON.stringify(s.config), s.configHash, `${s.mode}-session`, '{}'],
      );
      await tx.run(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders(15)})`, [
        s.sessionId, s.mode, s.exchange, s.accountId, s.strategy, s.strategyVersion, JSON.stringify([...s.symbols].sort()), s.timeframe,
        JSON.stringify(s.config), s.configHash, JSON.stringify(s.models), s.firstBarMs, s.startedMs, s.status, s.statusMs,
      ]);
    });
  }

  async session(sessionId: string): Promise<SessionRecord | null> {
    const rows = await this.db.rows(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE session_id = $1`, [sessionId]);
    return rows.length === 0 ? null : toSession(rows[0]);
  }

  async resumable(key: SessionKey): Promise<SessionRecord | null> {
    const rows = await this.db.rows(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE mode = $1 AND exchange = $2 AND account_id = $3 AND strategy = $4 AND symbols_json = $5
         AND timeframe = $6 AND status <> 'stopped-final' ORDER BY started_ms DESC, session_id DESC LIMIT 1`,
      [key.mode, key.exchange, key.accountId, key.strategy, JSON.stringify([...key.symbols].sort()), key.timeframe],
    );
    return rows.length === 0 ? null : toSession(rows[0]);
  }

  async setStatus(sessionId: string, status: SessionStatus, atMs: number): Promise<void> {
    const changed = await this.db.run('UPDATE sessions SET status = $2, status_ms = $3 WHERE session_id = $1', [sessionId, status, atMs]);
    if (changed === 0) throw unknownSession(sessionId);
  }

  async commitBar(sessionId: string, commit: BarCommit): Promise<void> {
    const {bar, events} = commit;
    await this.db.transaction(async (tx) => {
      const stored = await tx.rows(`SELECT ${BAR_COLUMNS} FROM session_bars WHERE session_id = $1 AND bar_open_ms = $2`, [sessionId, bar.barOpenMs]);
      if (stored.length > 0) {
        if (sameBar(toBar(stored[0]), bar)) return; // the retry of a commit that did reach the disk
        throw new IftbError(ErrorCode.DATA_CONFLICT, `session ${sessionId}: bar ${new Date(bar.barOpenMs).toISOString()} is already committed`);
      }
      const session = await tx.rows('SELECT timeframe FROM sessions WHERE session_id = $1', [sessionId]);
      if (session.length === 0) throw unknownSession(sessionId);
      const journalStart = bar.journalEnd - events.length;
      const journalLength = await count(tx, 'run_journal', sessionId);
      if (journalLength !== journalStart) {
        throw new IftbError(ErrorCode.DATA_CONFLICT,
          `session ${sessionId}: bar ${new Date(bar.barOpenMs).toISOString()} journal starts at seq ${journalStart} but ${journalLength} events are stored`);
      }
      for (const [i, event] of events.entries()) {
        await tx.run('INSERT INTO run_journal (run_id, seq, time_ms, type, event_json) VALUES ($1, $2, $3, $4, $5)',
          [sessionId, journalStart + i, Math.trunc(event.timeMs), event.type, JSON.stringify(event)]);
      }
      const cashStart = await count(tx, 'run_cash', sessionId);
      for (const [i, c] of commit.cash.entries()) {
        await tx.run('INSERT INTO run_cash (run_id, seq, time_ms, kind, amount, balance, order_id, symbol) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [sessionId, cashStart + i, Math.trunc(c.timeMs), c.kind, c.amount, c.balance, c.orderId, c.symbol ?? '']);
      }
      for (const t of commit.trades) await tx.run(`INSERT INTO run_trades (${TRADE_COLUMNS}) VALUES (${placeholders(17)})`, tradeValues(sessionId, t));
      await tx.run(`INSERT INTO session_bars (session_id, ${BAR_COLUMNS}) VALUES (${placeholders(11)})`, barValues(sessionId, bar));
      const barEnd = bar.barOpenMs + timeframeMs(session[0].timeframe as SessionRecord['timeframe']);
      await tx.run('UPDATE runs SET metrics_json = $2, to_ms = $3 WHERE run_id = $1', [sessionId, JSON.stringify(commit.metrics), barEnd]);
      for (const f of commit.deliveredFills) {
        await tx.run('UPDATE session_fills SET delivered_at_bar_ms = $4 WHERE session_id = $1 AND symbol = $2 AND trade_id = $3',
          [sessionId, f.symbol, f.tradeId, bar.barOpenMs]);
      }
      for (const c of commit.appliedCommands ?? []) {
        await tx.run('UPDATE session_commands SET applied_before_bar_ms = $3, outcome = $4 WHERE session_id = $1 AND command_id = $2',
          [sessionId, c.commandId, bar.barOpenMs, c.outcome]);
      }
    });
  }

  async bars(sessionId: string): Promise<SessionBar[]> {
    const rows = await this.db.rows(`SELECT ${BAR_COLUMNS} FROM session_bars WHERE session_id = $1 ORDER BY bar_open_ms`, [sessionId]);
    return rows.map(toBar);
  }

  async journal(sessionId: string): Promise<JournalEvent[]> {
    const rows = await this.db.rows('SELECT event_json FROM run_journal WHERE run_id = $1 ORDER BY seq', [sessionId]);
    return rows.map((r) => JSON.parse(String(r.event_json)) as JournalEvent);
  }

  async appendCommand(sessionId: string, c: SessionCommand): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const known = await tx.rows('SELECT command_id FROM session_commands WHERE session_id = $1 AND command_id = $2', [sessionId, c.commandId]);
      if (known.length > 0) return false;
      const seq = await count(tx, 'session_commands', sessionId, 'session_id');
      await tx.run(`INSERT INTO session_commands (session_id, seq, ${COMMAND_COLUMNS}) VALUES (${placeholders(9)})`,
        [sessionId, seq, c.commandId, c.kind, c.reason, c.by, c.receivedMs, c.appliedBeforeBarMs, c.outcome]);
      return true;
    });
  }

  async commands(sessionId: string): Promise<SessionCommand[]> {
    const rows = await this.db.rows(`SELECT ${COMMAND_COLUMNS} FROM session_commands WHERE session_id = $1 ORDER BY seq, received_ms`, [sessionId]);
    return rows.map(toCommand);
  }

  async upsertOrder(order: TrackedOrder): Promise<void> {
    const values = orderValues(order);
    await this.db.transaction(async (tx) => {
      const columns = ORDER_COLUMNS.split(',').map((c) => c.trim());
      const set = columns.slice(2).map((c, i) => `${c} = $${i + 3}`).join(', ');
      const changed = await tx.run(`UPDATE session_orders SET ${set} WHERE session_id = $1 AND client_order_id = $2`, values);
      if (changed === 0) await tx.run(`INSERT INTO session_orders (${ORDER_COLUMNS}) VALUES (${placeholders(values.length)})`, values);
    });
  }

  async orders(sessionId: string, filter: {readonly open?: boolean} = {}): Promise<TrackedOrder[]> {
    const rows = await this.db.rows(`SELECT ${ORDER_COLUMNS} FROM session_orders WHERE session_id = $1 ORDER BY created_ms, client_order_id`, [sessionId]);
    const orders = rows.map(toOrder);
    return filter.open ? orders.filter((o) => !TERMINAL_ORDER_STATES.includes(o.state)) : orders;
  }

  async appendFills(fills: readonly ExchangeFillRecord[]): Promise<number> {
    if (fills.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      let added = 0;
      for (const f of fills) {
        const known = await tx.rows('SELECT trade_id FROM session_fills WHERE session_id = $1 AND symbol = $2 AND trade_id = $3', [f.sessionId, f.symbol, f.tradeId]);
        if (known.length > 0) continue;
        await tx.run(`INSERT INTO session_fills (${FILL_COLUMNS}) VALUES (${placeholders(14)})`, fillValues(f));
        added++;
      }
      return added;
    });
  }

  async fills(sessionId: string): Promise<ExchangeFillRecord[]> {
    const rows = await this.db.rows(`SELECT ${FILL_COLUMNS} FROM session_fills WHERE session_id = $1 ORDER BY time_ms, symbol, trade_id`, [sessionId]);
    return rows.map(toFill);
  }
}

async function count(tx: SqlRunner, table: string, id: string, column = 'run_id'): Promise<number> {
  const [row] = await tx.rows(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [id]);
  return Number(row.n);
}

function tradeValues(runId: string, t: ClosedTrade) {
  return [runId, t.id, t.side, t.qty, t.entryTimeMs, t.exitTimeMs, t.entryPrice, t.exitPrice, t.grossPnl, t.fees, t.funding, t.liquidationFee,
    t.netPnl, t.entryReason, t.exitReason, t.bars, t.symbol];
}

function unknownSession(sessionId: string): IftbError {
  return new IftbError(ErrorCode.INPUT_INVALID, `no session ${sessionId}`);
}
