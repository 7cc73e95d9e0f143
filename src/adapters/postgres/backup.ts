import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {ErrorCode, IftbError} from '../../core/index.js';
import {PgDatabase} from './database.js';

const run = promisify(execFile);
const DUMP_FILE = 'iftb.dump';
const MANIFEST_FILE = 'manifest.json';

export interface TableDigest {
  readonly rows: number;
  /** sha256 of the table's rows as text, sorted (UTC, shortest exact floats): equal content, equal digest. */
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: 'iftb-pg-backup-1';
  readonly createdAt: string;
  /** The source URL without its password. */
  readonly source: string;
  readonly schemaVersion: number | null;
  readonly dumpFile: string;
  readonly dumpSha256: string;
  readonly tables: Readonly<Record<string, TableDigest>>;
}

/** Row count and content digest of every table in schema public. */
export async function tableDigests(url: string): Promise<Record<string, TableDigest>> {
  const db = new PgDatabase(url, {max: 1});
  try {
    return await db.withClient(async (client) => {
      await client.query("SET TimeZone = 'UTC'; SET extra_float_digits = 1");
      const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows;
      const digests: Record<string, TableDigest> = {};
      for (const {tablename} of tables) {
        const ident = `"${String(tablename).replaceAll('"', '""')}"`;
        const [row] = (await client.query(
          `SELECT count(*) AS n, encode(sha256(convert_to(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''), 'UTF8')), 'hex') AS h FROM ${ident} t`,
        )).rows;
        digests[tablename] = {rows: Number(row.n), sha256: String(row.h)};
      }
      return digests;
    });
  } finally {
    await db.close();
  }
}

/** `iftb db backup`: pg_dump (custom format) into DIR plus a manifest of row counts and checksums. */
export async function backupDatabase(url: string, dir: string, now = () => new Date()): Promise<BackupManifest> {
  mkdirSync(dir, {recursive: true});
  if (existsSync(join(dir, MANIFEST_FILE))) throw new IftbError(ErrorCode.INPUT_INVALID, `${dir} already holds a backup; choose an empty directory`);
  const before = await tableDigests(url);
  await tool('pg_dump', ['--format=custom', '--no-owner', `--file=${join(dir, DUMP_FILE)}`, `--dbname=${url}`]);
  // The dump is one consistent snapshot, the digests are taken beside it: a bot writing meanwhile would make them disagree.
  const after = await tableDigests(url);
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    throw new IftbError(ErrorCode.STORE_FAILED, 'the database changed while it was backed up (stop the bot or retry)', {retryable: true});
  }
  const manifest: BackupManifest = {
    format: 'iftb-pg-backup-1',
    createdAt: now().toISOString(),
    source: redactUrl(url),
    schemaVersion: await schemaVersion(url),
    dumpFile: DUMP_FILE,
    dumpSha256: sha256File(join(dir, DUMP_FILE)),
    tables: after,
  };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly tables: number;
  readonly rows: number;
}

/** `iftb db restore`: checks the dump's sha256, pg_restores into an empty database, then verifies every table's count and checksum. */
export async function restoreDatabase(dir: string, url: string): Promise<RestoreReport> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new IftbError(ErrorCode.INPUT_INVALID, `${dir} has no ${MANIFEST_FILE}: not an iftb backup`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BackupManifest;
  const dump = join(dir, manifest.dumpFile);
  if (sha256File(dump) !== manifest.dumpSha256) throw new IftbError(ErrorCode.DATA_INVALID, `${dump} does not match the manifest's sha256: corrupt backup`);
  const present = Object.keys(await tableDigests(url));
  if (present.length > 0) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `restore needs an empty database; ${redactUrl(url)} has ${present.length} tables (${present.slice(0, 3).join(', ')}…)`);
  }
  // Restored kill-switch releases were verified when first written; the release guard lets this session replay them.
  await tool('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${url}`, dump], {PGOPTIONS: '-c iftb.kill_switch_release=verified'});
  const restored = await tableDigests(url);
  for (const [table, expected] of Object.entries(manifest.tables)) {
    const got = restored[table];
    if (!got || got.rows !== expected.rows || got.sha256 !== expected.sha256) {
      throw new IftbError(ErrorCode.DATA_CONFLICT,
        `restored table ${table} differs from the backup: ${got?.rows ?? 0} rows (expected ${expected.rows}), checksum ${got?.sha256.slice(0, 12) ?? '-'} (expected ${expected.sha256.slice(0, 12)})`);
    }
  }
  const rows = Object.values(restored).reduce((sum, t) => sum + t.rows, 0);
  return {manifest, tables: Object.keys(restored).length, rows};
}

async function schemaVersion(url: string): Promise<number | null> {
  const db = new PgDatabase(url, {max: 1});
  try {
    const [row] = await db.rows("SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN NULL ELSE (SELECT max(version) FROM schema_migrations) END AS v");
    return row.v === null ? null : Number(row.v);
  } finally {
    await db.close();
  }
}

async function tool(bin: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  try {
    await run(bin, args, {env: {...process.env, ...env}, maxBuffer: 16 * 1024 * 1024});
  } catch (error) {
    const e = error as {code?: string; stderr?: string; message: string};
    if (e.code === 'ENOENT') throw new IftbError(ErrorCode.DEPENDENCY_MISSING, `${bin} is not installed (Debian: postgresql-client)`);
    throw new IftbError(ErrorCode.STORE_FAILED, `${bin} failed: ${(e.stderr || e.message).trim().split('\n')[0]}`, {cause: error});
  }
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A URL safe to print: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
