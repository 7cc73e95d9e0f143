import {describe, expect, it} from 'vitest';
import {FileBotLock} from '../../src/adapters/duckdb/bot-lock.js';
import {PgAdvisoryBotLock, PgDatabase} from '../../src/adapters/postgres/index.js';
import {ErrorCode} from '../../src/core/index.js';
import {tempDir} from '../support/candle-files.js';
import {usePgDatabases} from '../support/postgres.js';

const KEY = {exchange: 'binanceusdm', accountId: 'acct-1', symbol: 'BTC/USDT:USDT'};
const dbs = usePgDatabases();

describe('bot locks without Redis', () => {
  it('PostgreSQL advisory lock: a second holder refuses, the first learns when its connection dies, then it is free', async () => {
    const {url} = await dbs.fresh('advisory');
    const db = new PgDatabase(url);
    const a = new PgAdvisoryBotLock(db, 100);
    const b = new PgAdvisoryBotLock(db, 100);
    try {
      const losses: string[] = [];
      const held = await a.acquire(KEY, {onLost: (reason) => losses.push(reason)});
      await expect(b.acquire(KEY, {onLost: () => undefined})).rejects.toMatchObject({code: ErrorCode.BOT_LOCKED});
      const other = await b.acquire({...KEY, symbol: 'ETH/USDT:USDT'}, {onLost: () => undefined});
      await db.run('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`iftb-lock:${held.token.slice(0, 8)}`]);
      const start = Date.now();
      while (losses.length === 0 && Date.now() - start < 3000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(losses).toEqual(['connection-lost']);
      expect(held.held()).toBe(false);
      const taken = await b.acquire(KEY, {onLost: () => undefined});
      expect(taken.held()).toBe(true);
      await other.release();
    } finally {
      await a.close();
      await b.close();
      await db.close();
    }
  });

  it('file lock beside a DuckDB store: refuses a live holder, takes over a dead one', async () => {
    const dir = tempDir('iftb-filelock-');
    const lock = new FileBotLock(dir);
    const handle = await lock.acquire(KEY, {onLost: () => undefined});
    await expect(new FileBotLock(dir).acquire(KEY, {onLost: () => undefined})).rejects.toMatchObject({code: ErrorCode.BOT_LOCKED});
    await handle.release();
    const again = await new FileBotLock(dir).acquire(KEY, {onLost: () => undefined});
    expect(again.held()).toBe(true);
    await again.release();
    const {writeFileSync} = await import('node:fs');
    const {hostname} = await import('node:os');
    writeFileSync(`${dir}/binanceusdm_acct-1_BTC_USDT_USDT.lock`, JSON.stringify({pid: 2 ** 22 + 12345, host: hostname(), token: 'dead', atMs: 0}));
    const stale = await new FileBotLock(dir).acquire(KEY, {onLost: () => undefined});
    expect(stale.held()).toBe(true);
    await stale.release();
  });
});
