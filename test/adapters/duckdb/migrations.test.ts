import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DuckDb, listMigrations, migrate, rollbackLatest} from '../../../src/adapters/duckdb/index.js';
import {useTempStores, tableNames} from '../../support/duckdb-stores.js';

const MARKET_TABLES = ['candles', 'dataset_seeds', 'funding_rates', 'mark_candles'];

describe('DuckDB migrations', () => {
  const temp = useTempStores();

  it('lists every migration with a rollback script, numbered upwards from 1', () => {
    const migrations = listMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    // Numbers are reserved per slice (COMMON.md), so a branch may hold 007 before 005 lands.
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1])).toBe(true);
    for (const migration of migrations) {
      expect(migration.up).toMatch(/CREATE TABLE/i);
      expect(migration.down).toMatch(/DROP TABLE/i);
    }
  });

  it('gives a freshly opened store the market-data tables and records the applied version', async () => {
    const {store} = await temp.open();
    expect(await tableNames(store.db)).toEqual(expect.arrayContaining([...MARKET_TABLES, 'schema_migrations']));
    const versions = await store.db.rows('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(versions.map((row) => Number(row.version))).toEqual(listMigrations().map((m) => m.version));
    expect(versions[0].name).toBe('market_data');
  });

  it('applies pending migrations once and returns their versions, then nothing on the next run', async () => {
    const db = await DuckDb.open(join(temp.dir(), 'raw.duckdb'));
    try {
      const all = listMigrations().map((m) => m.version);
      expect(await migrate(db)).toEqual(all);
      expect(await migrate(db)).toEqual([]);
      expect(await tableNames(db)).toEqual(expect.arrayContaining(MARKET_TABLES));
    } finally {
      db.close();
    }
  });

  it('rolls back migrations newest first, dropping their tables, and migrate re-applies them', async () => {
    const {store} = await temp.open();
    const db = store.db;
    await db.run(`INSERT INTO candles VALUES ('binanceusdm', 'BTC/USDT:USDT', '1h', 0, 1, 2, 0.5, 1.5, 10)`);
    const versions = listMigrations().map((m) => m.version);
    for (const version of [...versions].reverse().slice(0, -1)) expect(await rollbackLatest(db)).toBe(version);
    expect(await tableNames(db)).not.toContain('runs');
    expect(await tableNames(db)).toContain('candles');

    expect(await rollbackLatest(db)).toBe(1);
    const afterRollback = await tableNames(db);
    for (const table of MARKET_TABLES) expect(afterRollback).not.toContain(table);
    expect(await db.rows('SELECT * FROM schema_migrations')).toEqual([]);
    expect(await rollbackLatest(db)).toBeNull();

    expect(await migrate(db)).toEqual(versions);
    expect(await tableNames(db)).toEqual(expect.arrayContaining([...MARKET_TABLES, 'runs', 'run_journal', 'kill_switch_events']));
    // The tables are new: the row written before the rollback is gone.
    expect(Number((await db.rows('SELECT count(*) AS n FROM candles'))[0].n)).toBe(0);
  });

  it('keeps the schema when the store file is closed and opened again', async () => {
    const {store, dir} = await temp.open();
    await store.db.run(`INSERT INTO funding_rates VALUES ('binanceusdm', 'BTC/USDT:USDT', 0, 0.0001, NULL)`);
    store.close();
    const {store: again} = await temp.open({dir});
    expect(await migrate(again.db)).toEqual([]);
    expect(Number((await again.db.rows('SELECT count(*) AS n FROM funding_rates'))[0].n)).toBe(1);
  });
});
