import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ErrorCode, fromRoot, IftbError} from '../../core/index.js';
import {type PgDatabase, storeError} from './database.js';

export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly upFile: string;
  readonly rollbackFile: string;
}

export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  /** ISO time it was applied, or null while pending. */
  readonly appliedAt: string | null;
}

/** The runbook's layout: `migrations/NNN_name.sql`, each undone by `migrations/rollback/NNN_rollback.sql`. */
export const PG_MIGRATIONS_DIR = fromRoot('migrations');
const MIGRATION_LOCK = 'iftb:schema-migrations';

export function listPgMigrations(dir = PG_MIGRATIONS_DIR): PgMigration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      upFile: join(dir, file),
      rollbackFile: join(dir, 'rollback', `${file.slice(0, 3)}_rollback.sql`),
    }));
}

/**
 * Applies and rolls back the numbered files. Each file is one transaction (BEGIN … COMMIT inside
 * it, so `psql -f` is just as atomic) that also records or removes its schema_migrations row; a
 * session advisory lock keeps two migrators (two bots starting) from racing.
 */
export class PgMigrator {
  constructor(private readonly db: PgDatabase, private readonly dir = PG_MIGRATIONS_DIR) {}

  async status(): Promise<MigrationStatus[]> {
    const applied = await this.#applied();
    return listPgMigrations(this.dir).map((m) => ({version: m.version, name: m.name, appliedAt: applied.get(m.version) ?? null}));
  }

  /** Applies every pending migration up to `to` (default: all); returns the versions applied. */
  async migrate(to = Infinity): Promise<number[]> {
    return this.#locked(async (runFile) => {
      const applied = await this.#applied();
      const done: number[] = [];
      for (const m of listPgMigrations(this.dir)) {
        if (m.version > to || applied.has(m.version)) continue;
        await runFile(m.upFile, m.version, true);
        done.push(m.version);
      }
      return done;
    });
  }

  /** Rolls back applied migrations newer than `to` (default: only the newest), newest first. */
  async rollback(to?: number): Promise<number[]> {
    return this.#locked(async (runFile) => {
      const applied = [...(await this.#applied()).keys()].sort((a, b) => b - a);
      const target = to ?? (applied.length > 1 ? applied[1] : 0);
      const done: number[] = [];
      for (const version of applied) {
        if (version <= target) break;
        const m = listPgMigrations(this.dir).find((x) => x.version === version);
        if (!m) throw new IftbError(ErrorCode.STORE_FAILED, `no migration file for applied version ${version}`);
        await runFile(m.rollbackFile, version, false);
        done.push(version);
      }
      return done;
    });
  }

  async #applied(): Promise<Map<number, string>> {
    await this.db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await this.db.rows('SELECT version, applied_at FROM schema_migrations ORDER BY version');
    return new Map(rows.map((r) => [Number(r.version), new Date(r.applied_at as Date).toISOString()]));
  }

  async #locked<T>(work: (runFile: (file: string, version: number, up: boolean) => Promise<void>) => Promise<T>): Promise<T> {
    return this.db.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
      try {
        return await work(async (file, version, up) => {
          try {
            // One simple-protocol query: the file's own BEGIN … COMMIT makes it atomic.
            await client.query(readFileSync(file, 'utf8'));
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw storeError(error, `${up ? 'migration' : 'rollback'} ${file}`);
          }
          const rows = (await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version])).rows;
          if ((rows.length === 1) !== up) {
            throw new IftbError(ErrorCode.STORE_FAILED, `${file} did not ${up ? 'record' : 'remove'} schema_migrations version ${version}`);
          }
        });
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK]).catch(() => undefined);
      }
    });
  }
}
