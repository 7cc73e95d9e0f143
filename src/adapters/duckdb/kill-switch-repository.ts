import {
  ErrorCode,
  IftbError,
  type KillSwitchEventRecord,
  type KillSwitchRecord,
  type KillSwitchRepository,
  type KillSwitchWatch,
  type KillSwitchWatchOptions,
} from '../../core/index.js';
import {type DuckDb, firstLine} from './database.js';
import {toKillSwitchRecord} from '../sql/run-rows.js';

const COLUMNS = `id, action, reason, actor, epoch_ms(activated_at) AS at_ms, confirmation_code_hash`;

/**
 * The kill-switch latch in the runbook's `kill_switch_events` table. The newest row decides; a row
 * an operator inserts by hand with only (activated_at, reason) engages the switch.
 */
export class DuckDbKillSwitchRepository implements KillSwitchRepository {
  constructor(private readonly db: DuckDb) {}

  async load(): Promise<KillSwitchRecord | null> {
    const rows = await this.db.rows(`SELECT ${COLUMNS} FROM kill_switch_events ORDER BY id DESC LIMIT 1`);
    return rows.length === 0 ? null : toKillSwitchRecord(rows[0]);
  }

  async append(event: KillSwitchEventRecord): Promise<void> {
    try {
      await this.db.run(
        `INSERT INTO kill_switch_events (activated_at, reason, action, actor, confirmation_code_hash)
         VALUES (make_timestamp(CAST($1 AS BIGINT) * 1000), $2, $3, $4, $5)`,
        [BigInt(Math.trunc(event.atMs)), event.reason, event.action, event.by, event.confirmationCodeHash],
      );
    } catch (error) {
      throw new IftbError(ErrorCode.STORE_FAILED, `cannot persist the kill switch event: ${firstLine(error)}`, {cause: error});
    }
  }

  /** DuckDB has no notifications (and one process owns the file): rows are polled by id. */
  async watch(onEvent: (event: KillSwitchRecord) => void, options: KillSwitchWatchOptions = {}): Promise<KillSwitchWatch> {
    const [top] = await this.db.rows('SELECT coalesce(max(id), 0) AS id FROM kill_switch_events');
    let lastId = Number(top.id);
    let closed = false;
    let polling = false;
    const poll = async () => {
      if (closed || polling) return;
      polling = true;
      try {
        const rows = await this.db.rows(`SELECT ${COLUMNS} FROM kill_switch_events WHERE id > $1 ORDER BY id`, [BigInt(lastId)]);
        for (const row of rows) {
          lastId = Number(row.id);
          if (!closed) onEvent(toKillSwitchRecord(row));
        }
      } catch (error) {
        options.onError?.(error as Error);
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void poll(), options.pollMs ?? 1000);
    timer.unref();
    return {
      mode: () => 'poll',
      close: async () => {
        closed = true;
        clearInterval(timer);
      },
    };
  }
}
