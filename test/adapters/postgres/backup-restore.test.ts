import {execFile} from 'node:child_process';
import {appendFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {PgStore, tableDigests} from '../../../src/adapters/postgres/index.js';
import {barColumnsFromBars} from '../../../src/core/index.js';
import {CLI, makeBars, tempDir} from '../../support/candle-files.js';
import {createDatabase, dropDatabase, uniqueDbName, pgUrl} from '../../support/postgres.js';
import {commit, fill, order, sessionRecord} from '../contract/session-fixtures.js';

const run = promisify(execFile);

describe('iftb db backup / restore', () => {
  it('backup → drop → restore returns every row (counts and a checksum per table)', async () => {
    const name = uniqueDbName('backup');
    const dir = join(tempDir('iftb-backup-'), 'b1');
    await createDatabase(name);
    try {
      const store = await PgStore.open(pgUrl(name));
      try {
        await store.sessions.createSession(sessionRecord());
        for (let i = 0; i < 5; i++) await store.sessions.commitBar('p3f9a2c1', commit(i, 3 * (i + 1), 3));
        await store.sessions.upsertOrder(order());
        await store.sessions.appendFills([fill('1'), fill('2')]);
        await store.killSwitch.append({action: 'activate', reason: '긴급', by: 'ops', atMs: Date.UTC(2025, 0, 1), confirmationCodeHash: 'ab'.repeat(32)});
        await store.killSwitch.append({action: 'deactivate', reason: 'ok', by: 'ops', atMs: Date.UTC(2025, 0, 2), confirmationCodeHash: null});
        await store.marketData.appendBars({exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'}, barColumnsFromBars(makeBars(200)));
      } finally {
        await store.close();
      }
      const before = await tableDigests(pgUrl(name));
      expect(before.run_journal.rows).toBe(15);
      expect(before.candles.rows).toBe(200);

      const backup = await run(CLI, ['db', 'backup', '--out', dir, '--store', pgUrl(name)]);
      expect(backup.stdout).toMatch(/backup of postgres:\/\/iftb@127\.0\.0\.1:5432\/iftb_t_backup_\w+ \(schema 4\)/);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest.tables).toEqual(before);

      await dropDatabase(name);
      await createDatabase(name);
      const restored = await run(CLI, ['db', 'restore', dir, '--store', pgUrl(name)]);
      expect(restored.stdout).toMatch(/counts and checksums match/);
      expect(await tableDigests(pgUrl(name))).toEqual(before);
      const reopened = await PgStore.open(pgUrl(name));
      try {
        expect(await reopened.sessions.journal('p3f9a2c1')).toHaveLength(15);
        expect(await reopened.killSwitch.load()).toMatchObject({action: 'deactivate'});
      } finally {
        await reopened.close();
      }

      // Restoring over data, or a corrupted dump, is refused with one clear line.
      await expect(run(CLI, ['db', 'restore', dir, '--store', pgUrl(name)])).rejects.toMatchObject({stderr: expect.stringMatching(/needs an empty database/)});
      appendFileSync(join(dir, 'iftb.dump'), 'x');
      await expect(run(CLI, ['db', 'restore', dir, '--store', pgUrl(name)])).rejects.toMatchObject({stderr: expect.stringMatching(/corrupt backup/)});
    } finally {
      await dropDatabase(name);
    }
  });
});
