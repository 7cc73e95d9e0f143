import {randomUUID} from 'node:crypto';
import type pg from 'pg';
import {type BotLock, type BotLockHandle, type BotLockKey, botLockName, type BotLockOptions, ErrorCode, IftbError} from '../../core/index.js';
import type {PgDatabase} from './database.js';

/**
 * The bot lock without Redis: a session-level PostgreSQL advisory lock held on a dedicated
 * connection. The server frees it the moment that connection dies (a killed bot), and the bot
 * learns it lost the lock when its connection errors or a liveness probe fails.
 */
export class PgAdvisoryBotLock implements BotLock {
  readonly kind = 'postgres' as const;
  readonly #handles = new Set<BotLockHandle>();

  constructor(private readonly db: PgDatabase, private readonly probeMs = 2000) {}

  async acquire(key: BotLockKey, options: BotLockOptions): Promise<BotLockHandle> {
    const name = `iftb-bot:${botLockName(key)}`;
    const token = randomUUID();
    // Named so an operator sees who holds it in pg_stat_activity.
    const client = await this.db.dedicatedClient(`iftb-lock:${token.slice(0, 8)}`);
    let got = false;
    try {
      got = (await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [name])).rows[0].ok === true;
    } finally {
      if (!got) await client.end().catch(() => undefined);
    }
    if (!got) throw new IftbError(ErrorCode.BOT_LOCKED, `another bot holds ${botLockName(key)} (PostgreSQL advisory lock); refusing to trade it twice`);
    let held = true;
    const lose = (detail: string) => {
      if (!held) return;
      held = false;
      clearInterval(probe);
      this.#handles.delete(handle);
      client.end().catch(() => undefined);
      options.onLost('connection-lost', detail);
    };
    client.on('error', (error: Error) => lose(`lock connection failed: ${error.message}`));
    client.on('end', () => lose('lock connection ended'));
    const probe = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => lose(`lock connection probe failed: ${error.message}`));
    }, this.probeMs);
    probe.unref();
    const handle: BotLockHandle = {
      key,
      token,
      held: () => held,
      release: async () => {
        if (!held) return;
        held = false;
        clearInterval(probe);
        this.#handles.delete(handle);
        await releaseAndEnd(client, name);
      },
    };
    this.#handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#handles].map((h) => h.release()));
  }
}

async function releaseAndEnd(client: pg.Client, name: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch(() => undefined);
  await client.end().catch(() => undefined);
}
