export {PgDatabase, isTransient, storeError, type PgDatabaseOptions} from './database.js';
export {PgMigrator, listPgMigrations, PG_MIGRATIONS_DIR, type MigrationStatus, type PgMigration} from './migrations.js';
export {PgRunStore} from './run-store.js';
export {PgKillSwitchRepository} from './kill-switch-repository.js';
export {PgMarketDataStore} from './market-data-store.js';
export {PgAdvisoryBotLock} from './bot-lock.js';
export {PgStore, type OpenPgStoreOptions} from './store.js';
export {backupDatabase, restoreDatabase, tableDigests, redactUrl, type BackupManifest, type RestoreReport, type TableDigest} from './backup.js';
