import {ErrorCode, IftbError, type KillSwitchEventRecord, type KillSwitchRecord, type KillSwitchRepository} from '../../core/index.js';
import {type DuckDb, firstLine} from './database.js';

/**
 * The kill-switch latch in the runbook's `kill_switch_events` table. The newest row decides; a row
 * an operator inserts by hand with only (activated_at, reason) engages the switch.
 */
export class DuckDbKillSwitchRepository implements KillSwitchRepository {
  constructor(private readonly db: DuckDb) {}

  async load(): Promise<KillSwitchRecord | null> {
    const rows = await this.db.rows(
      `SELECT action, reason, actor, epoch_ms(activated_at) AS at_ms, confirmation_code_hash
       FROM kill_switch_events ORDER BY id DESC LIMIT 1`,
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      action: row.action as KillSwitchRecord['action'],
      reason: String(row.reason),
      by: String(row.actor),
      atMs: Number(row.at_ms),
      confirmationCodeHash: row.confirmation_code_hash === null ? null : String(row.confirmation_code_hash),
    };
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
}
