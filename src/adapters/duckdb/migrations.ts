import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fromRoot} from '../../core/index.js';
import type {DuckDb} from './database.js';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
  readonly down: string;
}

const MIGRATIONS_DIR = fromRoot('migrations', 'duckdb');

/** Numbered files `NNN_name.sql`, each with `rollback/NNN_name.sql`. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      up: readFileSync(join(dir, file), 'utf8'),
      down: readFileSync(join(dir, 'rollback', file), 'utf8'),
    }));
}

async function appliedVersions(db: DuckDb): Promise<Set<number>> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`);
  const rows = await db.rows('SELECT version FROM schema_migrations');
  return new Set(rows.map((row) => Number(row.version)));
}

/** Versions with a migration file that this store has not applied (read-only: creates nothing). */
export async function pendingMigrations(db: DuckDb): Promise<number[]> {
  const [exists] = await db.rows(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'schema_migrations' AND schema_name = 'main'`);
  const applied = Number(exists.n) === 0 ? new Set<number>() : new Set((await db.rows('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  return listMigrations().map((m) => m.version).filter((v) => !applied.has(v));
}

/** Applies every pending migration, each in its own transaction. Returns the versions applied. */
export async function migrate(db: DuckDb): Promise<number[]> {
  const applied = await appliedVersions(db);
  const done: number[] = [];
  for (const migration of listMigrations()) {
    if (applied.has(migration.version)) continue;
    await db.transaction(async () => {
      await db.run(migration.up);
      await db.run('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    });
    done.push(migration.version);
  }
  // Schema changes go to the data file at once: DuckDB cannot replay an ALTER TABLE of a table with a
  // nextval() default from the WAL (llm_answers, migration 009), so a kill -9 before the next
  // automatic checkpoint would leave a store that no longer opens.
  if (done.length > 0) await db.run('CHECKPOINT');
  return done;
}

/** Rolls back the newest applied migration; returns its version, or null when none is applied. */
export async function rollbackLatest(db: DuckDb): Promise<number | null> {
  const applied = [...(await appliedVersions(db))].sort((a, b) => b - a);
  if (applied.length === 0) return null;
  const migration = listMigrations().find((m) => m.version === applied[0]);
  if (!migration) throw new Error(`no migration file for applied version ${applied[0]}`);
  await db.transaction(async () => {
    await db.run(migration.down);
    await db.run('DELETE FROM schema_migrations WHERE version = $1', [migration.version]);
  });
  await db.run('CHECKPOINT');
  return migration.version;
}
