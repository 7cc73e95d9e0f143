import type pg from 'pg';
import type {KillSwitchEventRecord, KillSwitchRecord, KillSwitchRepository, KillSwitchWatch, KillSwitchWatchOptions} from '../../core/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import {toKillSwitchRecord} from '../sql/run-rows.js';
import {type PgDatabase, storeError} from './database.js';

const CHANNEL = 'iftb_kill_switch';
const COLUMNS = `id, action, reason, actor, floor(extract(epoch FROM activated_at) * 1000)::bigint AS at_ms, confirmation_code_hash`;

/**
 * The runbook's `kill_switch_events` table on PostgreSQL (migration 003). The newest row decides;
 * a hand-inserted `(activated_at, reason)` row engages the switch, and its trigger NOTIFYs a
 * running bot through watch().
 */
export class PgKillSwitchRepository implements KillSwitchRepository {
  constructor(private readonly db: PgDatabase) {}

  async load(): Promise<KillSwitchRecord | null> {
    const rows = await this.db.rows(`SELECT ${COLUMNS} FROM kill_switch_events ORDER BY id DESC LIMIT 1`);
    return rows.length === 0 ? null : toKillSwitchRecord(rows[0]);
  }

  async append(event: KillSwitchEventRecord): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        // The release guard (migration 003) lets only the bot write releases: KillSwitch checked the code or admin key.
        if (event.action !== 'activate') await tx.run("SELECT set_config('iftb.kill_switch_release', 'verified', true)");
        await tx.run(
          `INSERT INTO kill_switch_events (activated_at, reason, action, actor, confirmation_code_hash)
           VALUES (timestamptz 'epoch' + $1::bigint * interval '1 millisecond', $2, $3, $4, $5)`,
          [Math.trunc(event.atMs), event.reason, event.action, event.by, event.confirmationCodeHash],
        );
      });
    } catch (error) {
      const cause = storeError(error, 'kill switch append');
      throw new IftbError(ErrorCode.STORE_FAILED, `cannot persist the kill switch event: ${cause.message}`, {retryable: cause.retryable, cause: error});
    }
  }

  /**
   * LISTEN on a dedicated connection; every notification (and every poll) reads the rows after the
   * last one seen, so nothing is missed or repeated while LISTEN reconnects. Polling runs always,
   * every pollMs, as the fallback.
   */
  async watch(onEvent: (event: KillSwitchRecord) => void, options: KillSwitchWatchOptions = {}): Promise<KillSwitchWatch> {
    const [top] = await this.db.rows('SELECT coalesce(max(id), 0) AS id FROM kill_switch_events');
    let lastId = Number(top.id);
    let closed = false;
    let listener: pg.Client | null = null;
    let reading: Promise<void> = Promise.resolve();
    const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
    const readNew = () => {
      reading = reading.then(async () => {
        if (closed) return;
        try {
          const rows = await this.db.rows(`SELECT ${COLUMNS} FROM kill_switch_events WHERE id > $1 ORDER BY id`, [lastId]);
          for (const row of rows) {
            lastId = Number(row.id);
            if (!closed) onEvent(toKillSwitchRecord(row));
          }
        } catch (error) {
          report(error);
        }
      });
      return reading;
    };
    const listen = async () => {
      if (closed || listener) return;
      try {
        const client = await this.db.dedicatedClient();
        client.on('notification', (message) => message.channel === CHANNEL && void readNew());
        client.on('error', () => dropListener(client));
        client.on('end', () => dropListener(client));
        await client.query(`LISTEN ${CHANNEL}`);
        if (closed) return void client.end().catch(() => undefined);
        listener = client;
        void readNew(); // rows that arrived while not listening
      } catch (error) {
        report(error);
      }
    };
    const dropListener = (client: pg.Client) => {
      if (listener === client) listener = null;
      client.end().catch(() => undefined);
    };
    await listen();
    const timer = setInterval(() => {
      void readNew();
      if (!listener) void listen();
    }, options.pollMs ?? 1000);
    timer.unref();
    return {
      mode: () => (listener ? 'listen' : 'poll'),
      close: async () => {
        closed = true;
        clearInterval(timer);
        const client = listener;
        listener = null;
        await client?.end().catch(() => undefined);
        await reading;
      },
    };
  }
}
