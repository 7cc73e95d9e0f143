import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {PgStore} from '../../../src/adapters/postgres/index.js';
import {ErrorCode, type KillSwitchRecord} from '../../../src/core/index.js';
import {hashSecret, KillSwitch} from '../../../src/risk/index.js';
import {usePgDatabases} from '../../support/postgres.js';

const run = promisify(execFile);
const dbs = usePgDatabases();

/** Runbook method 3, verbatim but for the database name (each test has its own). */
function runbookInsert(database: string, reason: string) {
  return run('psql', ['-h', 'localhost', '-U', 'iftb', '-d', database, '-c',
    `\n  INSERT INTO kill_switch_events (activated_at, reason)\n  VALUES (NOW(), '${reason}');\n`]);
}

describe('runbook method 3: a psql insert into kill_switch_events', () => {
  it('reaches a watching bot within milliseconds (LISTEN/NOTIFY), engages the latch, and the latch survives reopening', async () => {
    const {name, url} = await dbs.fresh('method3');
    const store = await PgStore.open(url);
    const seen: {event: KillSwitchRecord; atMs: number}[] = [];
    // Polling every 60 s: only NOTIFY can make it in time.
    const watch = await store.killSwitch.watch((event) => seen.push({event, atMs: Date.now()}), {pollMs: 60_000});
    const ks = await KillSwitch.open(store.killSwitch, {now: Date.now, adminKeyHash: hashSecret('admin-key')});
    try {
      expect(watch.mode()).toBe('listen');
      expect(ks.engaged).toBe(false);
      const before = Date.now();
      const {stdout} = await runbookInsert(name, '긴급 중단 사유');
      const psqlDone = Date.now();
      expect(stdout).toContain('INSERT 0 1');
      while (seen.length === 0 && Date.now() - before < 5000) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(seen).toHaveLength(1);
      expect(seen[0].event).toMatchObject({action: 'activate', reason: '긴급 중단 사유', by: 'operator', confirmationCodeHash: null});
      expect(seen[0].atMs - psqlDone).toBeLessThan(1000); // measured: a few ms; the bound only guards against polling
      expect(await ks.observe(seen[0].event)).toBe('engaged');
      expect(ks.engaged).toBe(true);
      expect(ks.status()).toMatchObject({reason: '긴급 중단 사유', requiresAdminKey: true});
    } finally {
      await watch.close();
      await store.close();
    }
    const reopened = await PgStore.open(url);
    try {
      const again = await KillSwitch.open(reopened.killSwitch, {now: Date.now, adminKeyHash: hashSecret('admin-key')});
      expect(again.engaged).toBe(true);
      await expect(again.deactivate('ABC123', 'ops')).rejects.toMatchObject({code: ErrorCode.KILL_SWITCH});
      await again.forceDeactivate('admin-key', 'ops');
      expect(again.engaged).toBe(false);
      expect(await reopened.killSwitch.load()).toMatchObject({action: 'force-deactivate', by: 'ops'});
    } finally {
      await reopened.close();
    }
  });

  it('refuses a hand-written release: deactivation needs the confirmation code or the admin key', async () => {
    const {name, url} = await dbs.fresh('release');
    const store = await PgStore.open(url);
    try {
      await runbookInsert(name, 'stop');
      await expect(run('psql', ['-h', 'localhost', '-U', 'iftb', '-d', name, '-v', 'ON_ERROR_STOP=1', '-c',
        "INSERT INTO kill_switch_events (activated_at, reason, action) VALUES (NOW(), 'sneaky', 'deactivate')"]))
        .rejects.toMatchObject({stderr: expect.stringMatching(/needs the confirmation code or the admin key/)});
      await expect(run('psql', ['-h', 'localhost', '-U', 'iftb', '-d', name, '-v', 'ON_ERROR_STOP=1', '-c', 'DELETE FROM kill_switch_events']))
        .rejects.toMatchObject({stderr: expect.stringMatching(/append-only/)});
      expect(await store.killSwitch.load()).toMatchObject({action: 'activate', reason: 'stop'});
    } finally {
      await store.close();
    }
  });

  it('falls back to polling when LISTEN is unavailable', async () => {
    const {name, url} = await dbs.fresh('poll');
    const store = await PgStore.open(url);
    const seen: KillSwitchRecord[] = [];
    const watch = await store.killSwitch.watch((event) => seen.push(event), {pollMs: 100});
    try {
      // Kill the LISTEN connection from the server side, as a failover or proxy would.
      await store.db.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'iftb-listen' AND datname = current_database()");
      await runbookInsert(name, 'during reconnect');
      const start = Date.now();
      while (seen.length === 0 && Date.now() - start < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen.map((e) => e.reason)).toEqual(['during reconnect']);
      while (watch.mode() !== 'listen' && Date.now() - start < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(watch.mode()).toBe('listen');
    } finally {
      await watch.close();
      await store.close();
    }
  });
});
