/**
 * scripts/backup.sh → check_backups.sh ✅ → drop the database → restore.sh → equal counts and
 * checksums, against the real PostgreSQL (a database of this test's own) and a private
 * redis-server; then aged, corrupt and missing backups make check_backups.sh fail, and retention prunes.
 */
import {execFile, spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PgDatabase} from '../../src/adapters/postgres/index.js';
import {tableDigests} from '../../src/adapters/postgres/backup.js';
import {iftb} from '../support/cli.js';
import {freePort} from '../support/pg-cluster.js';
import {createDatabase, dropDatabase, pgUrl, usePgDatabases} from '../support/postgres.js';
import {startTestRedis, type TestRedis} from '../support/redis-server.js';

interface Run {code: number; stdout: string; stderr: string}
function sh(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('sh', [script, ...args], {env: {...process.env, IFTB_ENV_FILE: 'none', ...env}}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
    });
  });
}

function redisCli(url: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-u', url, ...args], (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

/** A UTC stamp like the scripts write, `hours` in the past. */
function stampAgo(hours: number): string {
  return new Date(Date.now() - hours * 3600_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

const pg = usePgDatabases();
const work = mkdtempSync(join(tmpdir(), 'iftb-backup-'));
const dest = join(work, 'backup');
const modelsDir = join(work, 'models');
let redis: TestRedis;
let source: {name: string; url: string};
let env: Record<string, string>;

beforeAll(async () => {
  source = await pg.fresh('backup');
  expect((await iftb(['db', 'migrate', '--store', source.url])).code).toBe(0);
  const db = new PgDatabase(source.url, {max: 1});
  try {
    await db.run(`INSERT INTO candles SELECT 'binanceusdm', 'BTC/USDT:USDT', '1h', g * 3600000, 100 + g, 101 + g, 99 + g, 100.5 + g, g * 0.25 FROM generate_series(1, 500) g`);
    await db.run(`CREATE TABLE notes (id serial PRIMARY KEY, body text, at timestamptz DEFAULT '2024-01-17 03:00+00')`);
    await db.run(`INSERT INTO notes (body) VALUES ('한글 note'), ('quote '' and tab \t'), (NULL)`);
  } finally {
    await db.close();
  }
  redis = await startTestRedis();
  await redisCli(redis.url, 'SET', 'iftb:test:snapshot', '{"equity":"1000.5"}');
  await redisCli(redis.url, 'HSET', 'iftb:test:hash', 'a', '1', 'b', '2');
  mkdirSync(join(modelsDir, 'xgb-dir', '1'), {recursive: true});
  writeFileSync(join(modelsDir, 'xgb-dir', '1', 'manifest.json'), '{"version":1}\n');
  writeFileSync(join(modelsDir, 'xgb-dir', 'channels.json'), '{"live":1}\n');
  env = {IFTB_DATABASE_URL: source.url, IFTB_REDIS_URL: redis.url, IFTB_MODELS_DIR: modelsDir, IFTB_BACKUP_DIR: dest};
}, 120_000);

afterAll(async () => {
  await redis?.stop();
  rmSync(work, {recursive: true, force: true});
});

describe('backup → check → restore', {timeout: 180_000}, () => {
  it('backs up all three, check_backups prints the runbook\'s ✅ lines, and a dropped database comes back equal', async () => {
    const backup = await sh('scripts/backup.sh', [], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backup of postgres:\/\/iftb@127\.0\.0\.1:5432\/iftb_t_backup_\w+ \(schema 4\) in .*: \d+ tables, 507 rows/);

    const check = await sh('scripts/check_backups.sh', [], env);
    expect(check.code).toBe(0);
    const when = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC`;
    expect(check.stdout).toMatch(new RegExp(`^✅ PostgreSQL daily backup: ${when}\n✅ Redis snapshot: ${when}\n✅ ML models backup: ${when}\n$`));

    const before = await tableDigests(source.url);
    await dropDatabase(source.name);
    await createDatabase(source.name);
    const restored = await sh('scripts/restore.sh', ['--postgres'], env);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/restored \d+ tables, 507 rows .*counts and checksums match the manifest/);
    expect(await tableDigests(source.url)).toEqual(before);
    expect(before.notes.rows).toBe(3);

    // A restore into a database that is not empty is refused.
    const again = await sh('scripts/restore.sh', ['--postgres'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('restore needs an empty database');
  });

  it('the Redis snapshot loads into a fresh redis-server with the same keys', async () => {
    const dataDir = join(work, 'redis-data');
    const placed = await sh('scripts/restore.sh', ['--redis', `--redis-dir=${dataDir}`], env);
    expect(placed.code).toBe(0);
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--dbfilename', 'dump.rdb', '--appendonly', 'no', '--save', ''], {stdio: 'ignore'});
    try {
      const url = `redis://127.0.0.1:${port}`;
      let got = '';
      for (let i = 0; i < 200 && got === ''; i++) {
        got = await redisCli(url, 'GET', 'iftb:test:snapshot').catch(() => '');
        if (got === '') await new Promise((r) => setTimeout(r, 50));
      }
      expect(got).toBe('{"equity":"1000.5"}');
      expect(await redisCli(url, 'HGET', 'iftb:test:hash', 'b')).toBe('2');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the model registry unpacks byte for byte, and not over a folder in use', async () => {
    const target = join(work, 'models-restored');
    const unpacked = await sh('scripts/restore.sh', ['--models', `--models-dir=${target}`], env);
    expect(unpacked.code).toBe(0);
    expect(readFileSync(join(target, 'xgb-dir', 'channels.json'), 'utf8')).toBe('{"live":1}\n');
    const refused = await sh('scripts/restore.sh', ['--models', `--models-dir=${target}`], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not empty');
  });
});

describe('check_backups.sh fails', {timeout: 180_000}, () => {
  const only = (kind: string) => readdirSync(join(dest, kind)).filter((n) => !n.endsWith('.sha256')).sort().at(-1)!;

  it('on a corrupt dump, an aged Redis snapshot and a model version not backed up', async () => {
    const dump = join(dest, 'postgres', only('postgres'), 'iftb.dump');
    const bytes = readFileSync(dump);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1] ^= 0xff;
    writeFileSync(dump, flipped);
    const corrupt = await sh('scripts/check_backups.sh', [], env);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stdout).toMatch(/^❌ PostgreSQL daily backup: .*iftb\.dump does not match its manifest's sha256 \(corrupt\)$/m);
    expect(corrupt.stdout).toMatch(/^✅ Redis snapshot/m);
    const refused = await sh('scripts/restore.sh', ['--postgres'], {...env, IFTB_DATABASE_URL: pgUrl('iftb_never_created')});
    expect(refused.stderr).toContain('corrupt backup');
    writeFileSync(dump, bytes);

    // Three hours old: beyond the hourly schedule's 2 h.
    const rdb = only('redis');
    const aged = rdb.replace(/\d{8}T\d{6}Z/, stampAgo(3));
    renameSync(join(dest, 'redis', rdb), join(dest, 'redis', aged));
    writeFileSync(join(dest, 'redis', `${aged}.sha256`), readFileSync(join(dest, 'redis', `${rdb}.sha256`), 'utf8').replace(rdb, aged));
    rmSync(join(dest, 'redis', `${rdb}.sha256`));
    const stale = await sh('scripts/check_backups.sh', [], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^✅ PostgreSQL daily backup/m);
    expect(stale.stdout).toMatch(/^❌ Redis snapshot: .* is 3 h old \(max 2 h\)/m);
    expect((await sh('scripts/check_backups.sh', [], {...env, IFTB_MAX_AGE_REDIS_HOURS: '4'})).code).toBe(0);

    // A new model version after the newest backup.
    const later = new Date(Date.now() + 60_000);
    writeFileSync(join(modelsDir, 'xgb-dir', 'channels.json'), '{"live":2}\n');
    utimesSync(join(modelsDir, 'xgb-dir', 'channels.json'), later, later);
    const unsaved = await sh('scripts/check_backups.sh', [], {...env, IFTB_MAX_AGE_REDIS_HOURS: '4'});
    expect(unsaved.code).toBe(1);
    expect(unsaved.stdout).toMatch(/^❌ ML models backup: .*channels\.json changed after the newest backup/m);
  });

  it('on a missing backup, and a corrupt Redis snapshot or tarball', async () => {
    const empty = await sh('scripts/check_backups.sh', [`--dest=${join(work, 'nothing')}`], {});
    expect(empty.code).toBe(1);
    expect(empty.stdout.split('\n').filter((l) => l.startsWith('❌')).map((l) => l.split(':')[0])).toEqual(['❌ PostgreSQL daily backup', '❌ Redis snapshot', '❌ ML models backup']);

    const rdb = join(dest, 'redis', only('redis'));
    writeFileSync(rdb, Buffer.concat([readFileSync(rdb), Buffer.from('x')]));
    const tarball = join(dest, 'models', only('models'));
    writeFileSync(tarball, readFileSync(tarball).subarray(0, 20));
    const corrupt = await sh('scripts/check_backups.sh', [], {...env, IFTB_MODELS_DIR: '', IFTB_MAX_AGE_REDIS_HOURS: '4'});
    expect(corrupt.code).toBe(1);
    expect(corrupt.stdout).toMatch(/^❌ Redis snapshot: .* does not match .*\.sha256 \(corrupt or no checksum\)$/m);
    expect(corrupt.stdout).toMatch(/^❌ ML models backup: .* does not match .*\.sha256/m);
  });

  it('backup.sh prunes past the retention (30 days, 24 h, 90 days) and keeps the rest', async () => {
    const old = {pg: `iftb_backup_${stampAgo(31 * 24)}`, pgKept: `iftb_backup_${stampAgo(29 * 24)}`, redis: `redis_${stampAgo(25)}.rdb`, models: `models_${stampAgo(91 * 24)}.tar.gz`};
    mkdirSync(join(dest, 'postgres', old.pg));
    mkdirSync(join(dest, 'postgres', old.pgKept));
    writeFileSync(join(dest, 'redis', old.redis), '');
    writeFileSync(join(dest, 'redis', `${old.redis}.sha256`), '');
    writeFileSync(join(dest, 'models', old.models), '');
    const run = await sh('scripts/backup.sh', ['--only=redis,models'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`pruned ${join(dest, 'postgres', old.pg)}`);
    const left = (kind: string) => readdirSync(join(dest, kind));
    expect(left('postgres')).not.toContain(old.pg);
    expect(left('postgres')).toContain(old.pgKept);
    expect(left('redis').filter((n) => n.startsWith(old.redis))).toEqual([]);
    expect(left('models')).not.toContain(old.models);
    expect(left('models').filter((n) => n.endsWith('.tar.gz'))).toHaveLength(2);
  });

  it('refuses unknown arguments and a missing source with a clear message', async () => {
    const unknown = await sh('scripts/backup.sh', ['--only=mysql'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown backup 'mysql'");
    const noUrl = await sh('scripts/backup.sh', ['--only=postgres'], {...env, IFTB_DATABASE_URL: ''});
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.stderr).toContain('IFTB_DATABASE_URL is not set');
  });
});
