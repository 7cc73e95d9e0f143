import {execFile} from 'node:child_process';
import {resolve} from 'node:path';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {listPgMigrations, PgDatabase, PgMigrator} from '../../../src/adapters/postgres/index.js';
import {REPO_ROOT} from '../../support/candle-files.js';
import {PG_HOST, usePgDatabases} from '../../support/postgres.js';

const run = promisify(execFile);
const dbs = usePgDatabases();

async function schemaDump(name: string): Promise<string> {
  const {stdout} = await run('pg_dump', ['--schema-only', '--no-owner', '-h', PG_HOST, '-U', 'iftb', '-d', name]);
  // pg_dump ≥ 15.14 brackets the script with \restrict KEY, a random key per run.
  return stdout.replace(/^-- Dumped (from|by).*$/gm, '').replace(/^\\(un)?restrict .*$/gm, '');
}

async function tables(db: PgDatabase): Promise<string[]> {
  return (await db.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => String(r.tablename));
}

describe('PostgreSQL migrations (runbook layout)', () => {
  it('has NNN_name.sql with migrations/rollback/NNN_rollback.sql for each, 004 the newest', () => {
    const migrations = listPgMigrations();
    expect(migrations.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(migrations[3].rollbackFile).toBe(resolve(REPO_ROOT, 'migrations/rollback/004_rollback.sql'));
  });

  it('migrate → rollback --to 0 → migrate leaves an identical schema (pg_dump --schema-only)', async () => {
    const {name, url} = await dbs.fresh('roundtrip');
    const db = new PgDatabase(url);
    try {
      const migrator = new PgMigrator(db);
      expect(await migrator.migrate()).toEqual([1, 2, 3, 4]);
      expect(await migrator.migrate()).toEqual([]);
      const first = await schemaDump(name);
      expect(first).toContain('CREATE TABLE public.kill_switch_events');
      expect(await migrator.rollback()).toEqual([4]);
      expect(await migrator.rollback(0)).toEqual([3, 2, 1]);
      expect(await tables(db)).toEqual(['schema_migrations']);
      expect(await migrator.migrate(2)).toEqual([1, 2]);
      expect(await migrator.migrate()).toEqual([3, 4]);
      expect(await schemaDump(name)).toBe(first);
    } finally {
      await db.close();
    }
  });

  it("the runbook's `psql -f migrations/rollback/004_rollback.sql` undoes 004 and `iftb db` sees it pending", async () => {
    const {name, url} = await dbs.fresh('psqlrollback');
    const db = new PgDatabase(url);
    try {
      const migrator = new PgMigrator(db);
      await migrator.migrate();
      await db.run(`INSERT INTO runs (run_id, mode, strategy, strategy_version, exchange, symbol, timeframe, config_json, config_hash, data_hash, metrics_json)
        VALUES ('kept', 'paper', 's', '1', 'binanceusdm', 'BTC/USDT:USDT', '1m', '{}', 'h', 'd', '{}')`);
      const {stdout} = await run('psql', ['-h', 'localhost', '-U', 'iftb', '-d', name, '-f', 'migrations/rollback/004_rollback.sql'], {cwd: REPO_ROOT});
      expect(stdout).toMatch(/COMMIT/);
      expect(await tables(db)).not.toContain('sessions');
      expect(await tables(db)).toContain('runs');
      expect((await db.rows('SELECT run_id FROM runs')).map((r) => r.run_id)).toEqual(['kept']);
      expect((await migrator.status()).map((s) => [s.version, s.appliedAt !== null])).toEqual([[1, true], [2, true], [3, true], [4, false]]);
      expect(await migrator.migrate()).toEqual([4]);
      expect(await tables(db)).toContain('session_fills');
    } finally {
      await db.close();
    }
  });

  it('a failing migration file writes nothing and records nothing', async () => {
    const {url} = await dbs.fresh('atomic');
    const db = new PgDatabase(url);
    try {
      await db.run('CREATE TABLE sessions (x int)'); // makes 004 fail half-way
      const migrator = new PgMigrator(db);
      await expect(migrator.migrate()).rejects.toMatchObject({code: 'IFTB_E_STORE_FAILED'});
      expect((await migrator.status()).filter((s) => s.appliedAt !== null).map((s) => s.version)).toEqual([1, 2, 3]);
      expect(await tables(db)).not.toContain('session_bars');
    } finally {
      await db.close();
    }
  });
});
