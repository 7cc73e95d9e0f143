import {DuckDb, listMigrations, migrate as migrateDuckDb, rollbackLatest} from '../adapters/duckdb/index.js';
import {backupDatabase, type BackupManifest, PgDatabase, PgMigrator, redactUrl, restoreDatabase, type RestoreReport} from '../adapters/postgres/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import {resolveStoreTarget, type StateStoreOptions, type StoreTarget} from './state-stores.js';

export interface MigrationRow {
  readonly version: number;
  readonly name: string;
  readonly applied: boolean;
}

export interface DbStatus {
  readonly kind: 'duckdb' | 'postgres';
  readonly location: string;
  readonly migrations: readonly MigrationRow[];
}

/** `iftb db migrate | rollback | status` on whichever store the options select. */
export async function dbStatus(options: StateStoreOptions): Promise<DbStatus> {
  const target = resolveStoreTarget(options);
  return withTarget(target, {
    pg: async (m) => (await m.status()).map((s) => ({version: s.version, name: s.name, applied: s.appliedAt !== null})),
    duck: async (db) => {
      const applied = await duckApplied(db);
      return listMigrations().map((m) => ({version: m.version, name: m.name, applied: applied.has(m.version)}));
    },
  }).then((migrations) => ({kind: target.kind, location: where(target), migrations}));
}

export async function dbMigrate(options: StateStoreOptions, to?: number): Promise<number[]> {
  return withTarget(resolveStoreTarget(options), {
    pg: (m) => m.migrate(to),
    duck: async (db) => {
      if (to !== undefined) throw new IftbError(ErrorCode.INPUT_INVALID, 'DuckDB migrates to the newest version only (--to is for PostgreSQL)');
      return migrateDuckDb(db);
    },
  });
}

/** Rolls back the newest migration, or every one newer than `to`. */
export async function dbRollback(options: StateStoreOptions, to?: number): Promise<number[]> {
  return withTarget(resolveStoreTarget(options), {
    pg: (m) => m.rollback(to),
    duck: async (db) => {
      if (to === undefined) {
        const version = await rollbackLatest(db);
        return version === null ? [] : [version];
      }
      const done: number[] = [];
      while (Math.max(0, ...(await duckApplied(db))) > to) {
        const version = await rollbackLatest(db);
        if (version === null) break;
        done.push(version);
      }
      return done;
    },
  });
}

export async function dbBackup(options: StateStoreOptions, outDir: string): Promise<BackupManifest> {
  return backupDatabase(requirePg(options, 'backup'), outDir);
}

export async function dbRestore(options: StateStoreOptions, dir: string): Promise<RestoreReport> {
  return restoreDatabase(dir, requirePg(options, 'restore'));
}

function requirePg(options: StateStoreOptions, what: string): string {
  const target = resolveStoreTarget(options);
  if (target.kind !== 'postgres') {
    throw new IftbError(ErrorCode.INPUT_INVALID, `db ${what} works on PostgreSQL (--store postgres://… or IFTB_DATABASE_URL); a DuckDB store is one file: copy ${target.path} while no process has it open`);
  }
  return target.url;
}

function where(target: StoreTarget): string {
  return target.kind === 'postgres' ? redactUrl(target.url) : target.path;
}

async function withTarget<T>(target: StoreTarget, work: {pg: (m: PgMigrator) => Promise<T>; duck: (db: DuckDb) => Promise<T>}): Promise<T> {
  if (target.kind === 'postgres') {
    const db = new PgDatabase(target.url, {max: 2});
    try {
      return await work.pg(new PgMigrator(db));
    } finally {
      await db.close();
    }
  }
  const db = await DuckDb.open(target.path);
  try {
    return await work.duck(db);
  } finally {
    db.close();
  }
}

async function duckApplied(db: DuckDb): Promise<Set<number>> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`);
  return new Set((await db.rows('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
}
