/**
 * The two stores every contract suite runs against: a fresh DuckDB file and a fresh PostgreSQL
 * database (its own, dropped afterwards). Same inputs, same reads back.
 */
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {PgStore} from '../../../src/adapters/postgres/index.js';
import type {KillSwitchRepository, MarketDataStore, RunStore, SessionStore} from '../../../src/core/index.js';
import {tempDir} from '../../support/candle-files.js';
import {usePgDatabases} from '../../support/postgres.js';

export interface ContractStores {
  readonly sessions: SessionStore;
  readonly runs: RunStore;
  readonly killSwitch: KillSwitchRepository;
  readonly marketData: MarketDataStore;
  /** Runs SQL on the store directly (what an operator's hand does). */
  sql(statement: string): Promise<void>;
  /** Closes and opens the same store again (a restart). */
  reopen(): Promise<ContractStores>;
}

export type StoreKind = 'duckdb' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['duckdb', 'postgres'];

/** Call once per file at the top level; `open(kind)` gives a fresh store, closed after each test. */
export function useContractStores(): {open(kind: StoreKind): Promise<ContractStores>} {
  const pg = usePgDatabases();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });
  const openDuck = async (path: string): Promise<ContractStores> => {
    const store = await DuckDbStore.open(path, {seed: false});
    let closed = false;
    const close = async () => {
      if (!closed) store.close();
      closed = true;
    };
    closers.push(close);
    return {sessions: store.sessions, runs: store.runs, killSwitch: store.killSwitch, marketData: store.marketData,
      sql: async (statement) => void (await store.db.run(statement)), reopen: async () => (await close(), openDuck(path))};
  };
  const openPg = async (url: string): Promise<ContractStores> => {
    const store = await PgStore.open(url);
    let closed = false;
    const close = async () => {
      if (!closed) await store.close();
      closed = true;
    };
    closers.push(close);
    return {sessions: store.sessions, runs: store.runs, killSwitch: store.killSwitch, marketData: store.marketData,
      sql: async (statement) => void (await store.db.run(statement)), reopen: async () => (await close(), openPg(url))};
  };
  return {
    async open(kind) {
      if (kind === 'duckdb') {
        const dir = tempDir('iftb-contract-');
        closers.push(async () => rmSync(dir, {recursive: true, force: true}));
        return openDuck(join(dir, 'store.duckdb'));
      }
      return openPg((await pg.fresh('contract')).url);
    },
  };
}
