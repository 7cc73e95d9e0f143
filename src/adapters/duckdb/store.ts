import {fromRoot} from '../../core/index.js';
import {DuckDb} from './database.js';
import {DuckDbMarketDataStore} from './market-data-store.js';
import {DuckDbRunStore} from './run-store.js';
import {DuckDbLlmAnswerStore} from './llm-answer-store.js';
import {DuckDbNewsStore} from './news.js';
import {DuckDbSweepStore} from './sweep-store.js';
import {migrate} from './migrations.js';
import {seedSample} from './sample-seed.js';

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
  readonly sweeps: DuckDbSweepStore;

  private constructor(readonly db: DuckDb) {
    this.marketData = new DuckDbMarketDataStore(db);
    this.runs = new DuckDbRunStore(db);
    this.llmAnswers = new DuckDbLlmAnswerStore(db);
    this.news = new DuckDbNewsStore(db);
    this.sweeps = new DuckDbSweepStore(db);
  }

  static async open(path: string = DEFAULT_DB_PATH, options: OpenStoreOptions = {}): Promise<DuckDbStore> {
    const db = await DuckDb.open(path);
    try {
      await migrate(db);
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
