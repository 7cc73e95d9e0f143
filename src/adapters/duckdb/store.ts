import {fromRoot} from '../../core/index.js';
import {DuckDb} from './database.js';
import {DuckDbMarketDataStore} from './market-data-store.js';
import {DuckDbRunStore} from './run-store.js';
import {DuckDbLlmAnswerStore} from './llm-answer-store.js';
import {DuckDbNewsStore} from './news.js';
import {DuckDbSweepStore} from './sweep-store.js';
import {migrate} from './migrations.js';
import {SqlSessionStore} from '../sql/session-store.js';
import {duckDbExecutor} from './sql-executor.js';
import {DuckDbKillSwitchRepository} from './kill-switch-repository.js';
import {seedSample} from './sample-seed.js';
import {DuckDbInstrumentStore} from './instrument-store.js';
import {seedBuiltinInstruments} from './instrument-seed.js';

export const DEFAULT_DB_PATH = fromRoot('datasets', 'iftb.duckdb');

export interface OpenStoreOptions {
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

  static async open(path: string = DEFAULT_DB_PATH, options: OpenStoreOptions = {}): Promise<DuckDbStore> {
    const db = await DuckDb.open(path);
    try {
      await migrate(db);
      // Two rows, always (unlike the sample): every store can resolve the built-in symbols.
      await seedBuiltinInstruments(db, new DuckDbInstrumentStore(db));
      if (options.seed ?? true) await seedSample(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new DuckDbStore(db);
  }

  close(): void {
    this.db.close();
  }
}
