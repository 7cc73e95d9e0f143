import {Command, InvalidArgumentError, Option} from 'commander';
import {dbBackup, dbMigrate, dbRestore, dbRollback, dbStatus} from '../../app/db-admin.js';
import type {StateStoreOptions} from '../../app/state-stores.js';
import {DEFAULT_DB_PATH} from '../../adapters/duckdb/index.js';
import type {CliIo} from '../context.js';
import {renderTable} from '../format.js';

interface DbOptions {
  store?: string;
  db?: string;
  to?: number;
  json?: boolean;
  out?: string;
}

const version = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a migration number (0 = none)');
  return n;
};

/** --store (PostgreSQL URL, env IFTB_DATABASE_URL) and --db (the DuckDB file used when no URL is set). */
function targetOptions(command: Command): Command {
  return command
    .addOption(new Option('--store <url>', 'PostgreSQL URL (postgres://user@host:5432/db); DuckDB when unset').env('IFTB_DATABASE_URL'))
    .addOption(new Option('--db <path>', 'DuckDB store file (when no --store)').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'));
}

const storeOf = (o: DbOptions): StateStoreOptions => ({store: o.store, db: o.db, env: {}});

export function dbCommand(io: CliIo): Command {
  const db = new Command('db').description('the state store: schema migrations, backup and restore (PostgreSQL or DuckDB)');
  targetOptions(db.command('status').description('which migrations are applied').option('--json', 'print as JSON')).action(async (o: DbOptions) => {
    const status = await dbStatus(storeOf(o));
    if (o.json) return io.out(JSON.stringify(status, null, 2));
    io.out(`${status.kind} ${status.location}`);
    io.out(renderTable(['version', 'name', 'state'], status.migrations.map((m) => [String(m.version).padStart(3, '0'), m.name, m.applied ? 'applied' : 'pending'])));
  });
  targetOptions(db.command('migrate').description('apply pending migrations, each in one transaction').addOption(new Option('--to <n>', 'stop at this version').argParser(version)))
    .action(async (o: DbOptions) => {
      const done = await dbMigrate(storeOf(o), o.to);
      io.out(done.length === 0 ? 'schema is up to date' : `applied ${done.map((v) => String(v).padStart(3, '0')).join(', ')}`);
    });
  targetOptions(db.command('rollback').description('undo the newest migration, or every one newer than --to (data in dropped tables is lost)')
    .addOption(new Option('--to <n>', 'roll back to this version (0: everything)').argParser(version)))
    .action(async (o: DbOptions) => {
      const done = await dbRollback(storeOf(o), o.to);
      io.out(done.length === 0 ? 'nothing to roll back' : `rolled back ${done.map((v) => String(v).padStart(3, '0')).join(', ')}`);
    });
  targetOptions(db.command('backup').description('pg_dump (custom format) + manifest with per-table row counts and sha256')
    .requiredOption('--out <dir>', 'an empty directory for the dump and manifest.json'))
    .action(async (o: DbOptions) => {
      const manifest = await dbBackup(storeOf(o), o.out!);
      const rows = Object.values(manifest.tables).reduce((sum, t) => sum + t.rows, 0);
      io.out(`backup of ${manifest.source} (schema ${manifest.schemaVersion ?? '-'}) in ${o.out}: ${Object.keys(manifest.tables).length} tables, ${rows} rows, dump sha256 ${manifest.dumpSha256.slice(0, 16)}…`);
    });
  targetOptions(db.command('restore').description('pg_restore a backup into an empty database, then verify every table\'s count and checksum')
    .argument('<dir>', 'a directory written by `iftb db backup`'))
    .action(async (dir: string, o: DbOptions) => {
      const report = await dbRestore(storeOf(o), dir);
      io.out(`restored ${report.tables} tables, ${report.rows} rows from ${dir}; counts and checksums match the manifest`);
    });
  return db;
}
