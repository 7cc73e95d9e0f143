import {SqlSessionStore} from '../sql/session-store.js';
import {PgAdvisoryBotLock} from './bot-lock.js';
import {PgDatabase, type PgDatabaseOptions} from './database.js';
import {PgKillSwitchRepository} from './kill-switch-repository.js';
import {PgMarketDataStore} from './market-data-store.js';
import {PgMigrator} from './migrations.js';
import {PgRunStore} from './run-store.js';

export interface OpenPgStoreOptions extends PgDatabaseOptions {
  /** Apply pending migrations on open (default true; `iftb db migrate` is the explicit way). */
  readonly migrate?: boolean;
}

/** The production store of a running bot: one PostgreSQL database holding runs, sessions, the kill switch and live market data. */
export class PgStore {
  readonly runs: PgRunStore;
  readonly sessions: SqlSessionStore;
  readonly killSwitch: PgKillSwitchRepository;
  readonly marketData: PgMarketDataStore;
  readonly migrator: PgMigrator;
  readonly botLock: PgAdvisoryBotLock;

  private constructor(readonly db: PgDatabase) {
    this.runs = new PgRunStore(db);
    this.sessions = new SqlSessionStore(db);
    this.killSwitch = new PgKillSwitchRepository(db);
    this.marketData = new PgMarketDataStore(db);
    this.migrator = new PgMigrator(db);
    this.botLock = new PgAdvisoryBotLock(db);
  }

  static async open(url: string, options: OpenPgStoreOptions = {}): Promise<PgStore> {
    const store = new PgStore(new PgDatabase(url, options));
    try {
      if (options.migrate ?? true) await store.migrator.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.botLock.close();
    await this.db.close();
  }
}
