/**
 * Temporary DuckDB stores for tests: each in its own temp dir, closed and deleted after the test.
 */
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach} from 'vitest';
import {type DuckDb, DuckDbStore} from '../../src/adapters/duckdb/index.js';
import type {OpenStoreOptions} from '../../src/adapters/duckdb/store.js';
import {tempDir} from './candle-files.js';

export interface TempStores {
  /** A fresh temp dir, deleted after the test. */
  dir(): string;
  /** Opens `store.duckdb` in a fresh temp dir (or in `dir`); seeding is off unless asked for. */
  open(options?: OpenStoreOptions & {dir?: string}): Promise<{store: DuckDbStore; dir: string; path: string}>;
}

/** Call once per describe block: registers an afterEach that closes the stores and removes the dirs. */
export function useTempStores(): TempStores {
  const stores: DuckDbStore[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) {
      try {
        store.close();
      } catch {
        // already closed by the test
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
  });
  const dir = () => {
    const made = tempDir('iftb-duckdb-');
    dirs.push(made);
    return made;
  };
  return {
    dir,
    async open(options = {}) {
      const where = options.dir ?? dir();
      const path = join(where, 'store.duckdb');
      const store = await DuckDbStore.open(path, {seed: options.seed ?? false});
      stores.push(store);
      return {store, dir: where, path};
    },
  };
}

export interface TableCounts {
  readonly candles: number;
  readonly mark: number;
  readonly funding: number;
}

/** Row counts of the three market-data tables. */
export async function tableCounts(db: DuckDb): Promise<TableCounts> {
  const [row] = await db.rows(`SELECT (SELECT count(*) FROM candles) AS candles, (SELECT count(*) FROM mark_candles) AS mark,
    (SELECT count(*) FROM funding_rates) AS funding`);
  return {candles: Number(row.candles), mark: Number(row.mark), funding: Number(row.funding)};
}

/** Names of the tables in the main schema, sorted. */
export async function tableNames(db: DuckDb): Promise<string[]> {
  const rows = await db.rows(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name`);
  return rows.map((row) => String(row.table_name));
}
