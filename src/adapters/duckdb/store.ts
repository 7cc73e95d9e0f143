import {existsSync} from 'node:fs';
import {fromRoot} from '../../core/index.js';
import {DuckDb, type DuckDbOpenOptions} from './database.js';
import {DuckDbMarketDataStore} from './market-data-store.js';
import {DuckDbRunStore} from './run-store.js';
import {DuckDbLlmAnswerStore} from './llm-answer-store.js';
import {DuckDbNewsStore} from './news.js';
import {DuckDbSweepStore} from './sweep-store.js';
import {migrate, pendingMigrations} from './migrations.js';
import {SqlSessionStore} from '../sql/session-store.js';
import {duckDbExecutor} from './sql-executor.js';
import {DuckDbKillSwitchRepository} from './kill-switch-repository.js';
import {pendingSeeds, seedSample} from './sample-seed.js';
import {DuckDbInstrumentStore} from './instrument-store.js';
import {seedBuiltinInstruments} from './instrument-seed.js';

export const DEFAULT_DB_PATH = fromRoot('datasets', 'iftb.duckdb');

export interface OpenStoreOptions extends DuckDbOpenOptions {
  /** Import the shipped sample on first use (default true). */
  readonly seed?: boolean;
}

/** The embedded store: one DuckDB file holding market data, runs and state. */
export class DuckDbStore {
  readonly marketData: DuckDbMarketDataStore;
  readonly runs: DuckDbRunStore;
  readonly llmAnswers: DuckDbLlmAnswerStore;
  readonly news: DuckDbNewsStore;
  /** Paper/live session state (the SessionStore port; migration 006). */
  readonly sessions: SqlSessionStore;
  readonly killSwitch: DuckDbKillSwitchRepository;
  readonly instruments: DuckDbInstrumentStore;
  readonly sweeps: DuckDbSweepStore;

  private constructor(readonly db: DuckDb) {
    this.marketData = new DuckDbMarketDataStore(db);
    this.runs = new DuckDbRunStore(db);
    this.llmAnswers = new DuckDbLlmAnswerStore(db);
    this.news = new DuckDbNewsStore(db);
    this.sessions = new SqlSessionStore(duckDbExecutor(db));
    this.killSwitch = new DuckDbKillSwitchRepository(db);
    this.instruments = new DuckDbInstrumentStore(db);
    this.sweeps = new DuckDbSweepStore(db);
  }

  /**
   * Opens the store, migrating it and importing the shipped sample first when it needs that.
   * `readOnly` opens it so other readers may share it; a store that is new, behind on migrations
   * or unseeded is first brought up to date read-write (once), then reopened read-only.
   */
  static async open(path: string = DEFAULT_DB_PATH, options: OpenStoreOptions = {}): Promise<DuckDbStore> {
    const seed = options.seed ?? true;
    if (options.readOnly && path !== ':memory:' && existsSync(path)) {
      const db = await DuckDb.open(path, options);
      try {
        if (!(await needsSetup(db, seed))) return new DuckDbStore(db);
      } catch (error) {
        db.close();
        throw error;
      }
      db.close();
    }
    const db = await DuckDb.open(path, {...options, readOnly: false});
    try {
      await migrate(db);
      // Two rows, always (unlike the sample): every store can resolve the built-in symbols.
      await seedBuiltinInstruments(db, new DuckDbInstrumentStore(db));
      if (seed) await seedSample(db);
    } catch (error) {
      db.close();
      throw error;
    }
    if (!options.readOnly || path === ':memory:') return new DuckDbStore(db);
    db.close();
    return new DuckDbStore(await DuckDb.open(path, options));
  }

  get readOnly(): boolean {
    return this.db.readOnly;
  }

  close(): void {
    this.db.close();
  }
}

async function needsSetup(db: DuckDb, seed: boolean): Promise<boolean> {
  if ((await pendingMigrations(db)).length > 0) return true;
  return seed && (await pendingSeeds(db)).length > 0;
}
