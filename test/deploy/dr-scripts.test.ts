/**
 * scripts/dr/*.sh for real: databases compared and copied on the real PostgreSQL (databases of this
 * test's own), Redis checked on a private redis-server, the site API over real HTTP. The bot's
 * operations API is not on this branch: a loopback server answers its routes (/health,
 * /api/circuit-breaker/status, POST /api/trading/pause) and records what the scripts sent.
 */
import {execFile} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PgDatabase} from '../../src/adapters/postgres/index.js';
import {tableDigests} from '../../src/adapters/postgres/backup.js';
import {iftb} from '../support/cli.js';
import {usePgDatabases} from '../support/postgres.js';
import {startTestRedis, type TestRedis} from '../support/redis-server.js';

interface Run {code: number; stdout: string; stderr: string}
const sh = (script: string, args: string[], env: Record<string, string> = {}): Promise<Run> => new Promise((resolve) => {
  execFile('sh', [script, ...args], {env: {...process.env, IFTB_ENV_FILE: 'none', IFTB_DATABASE_URL: '', IFTB_DR_DATABASE_URL: '', ...env}}, (error, stdout, stderr) => {
    resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
  });
});

async function sql(url: string, text: string): Promise<void> {
  const db = new PgDatabase(url, {max: 1});
  try {
    await db.run(text);
  } finally {
    await db.close();
  }
}

/** The site API the scripts call, answering `health` for /health. */
function siteApi(): Promise<{url: string; server: Server; health: {code: number}; seen: {method: string; path: string; auth?: string; body: string}[]}> {
  const health = {code: 200};
  const seen: {method: string; path: string; auth?: string; body: string}[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({method: req.method!, path: req.url!, auth: req.headers.authorization, body});
      const json = (code: number, value: unknown) => (res.writeHead(code, {'content-type': 'application/json'}), res.end(JSON.stringify(value)));
      if (req.url === '/health') return json(health.code, {status: health.code === 200 ? 'ok' : 'stale'});
      // Like the real API on a non-loopback host: reads need the token too.
      if (req.url === '/api/circuit-breaker/status') return req.headers.authorization === 'Bearer t0ken' ? json(200, {state: 'CLOSED'}) : json(401, {error: 'unauthorized'});
      if (req.url === '/api/trading/pause' && req.method === 'POST') {
        return req.headers.authorization === 'Bearer t0ken' ? json(200, {state: 'paused'}) : json(401, {error: 'unauthorized'});
      }
      json(404, {error: 'not found'});
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, health, seen})));
}

const pg = usePgDatabases();
const work = mkdtempSync(join(tmpdir(), 'iftb-dr-'));
let api: Awaited<ReturnType<typeof siteApi>>;
let redis: TestRedis;
beforeAll(async () => {
  api = await siteApi();
  redis = await startTestRedis();
});
afterAll(async () => {
  api?.server.close();
  await redis?.stop();
  rmSync(work, {recursive: true, force: true});
});

describe('health_check.sh and standby_mode.sh', {timeout: 180_000}, () => {
  it('reports a healthy site, fails on 503 and when unreachable', async () => {
    const ok = await sh('scripts/dr/health_check.sh', ['--site=dr'], {IFTB_DR_API_URL: api.url, IFTB_ADMIN_TOKEN: 't0ken'});
    expect(ok.stdout).toBe('✅ dr /health: 200 {"status":"ok"}\n✅ dr circuit breaker: {"state":"CLOSED"}\n');
    expect(ok.code).toBe(0);
    api.health.code = 503;
    const stale = await sh('scripts/dr/health_check.sh', ['--site=primary'], {IFTB_PRIMARY_API_URL: api.url, IFTB_ADMIN_TOKEN: ''});
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('❌ primary /health: 503 {"status":"stale"}');
    expect(stale.stdout).toContain('❌ primary circuit breaker status: HTTP 401');
    api.health.code = 200;
    const down = await sh('scripts/dr/health_check.sh', ['--site=dr', '--url=http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('❌ dr /health: http://127.0.0.1:9 unreachable');
    const noUrl = await sh('scripts/dr/health_check.sh', ['--site=dr'], {IFTB_DR_API_URL: ''});
    expect(noUrl.stderr).toContain('IFTB_DR_API_URL is not set');
  });

  it('standby_mode pauses trading with the admin token, and says so when refused', async () => {
    const paused = await sh('scripts/dr/standby_mode.sh', [], {IFTB_DR_API_URL: api.url, IFTB_ADMIN_TOKEN: 't0ken'});
    expect(paused.stdout).toContain('✅ dr trading paused: {"state":"paused"}');
    expect(paused.code).toBe(0);
    expect(api.seen.at(-1)).toMatchObject({method: 'POST', path: '/api/trading/pause', auth: 'Bearer t0ken'});
    const refused = await sh('scripts/dr/standby_mode.sh', ['--site=dr'], {IFTB_DR_API_URL: api.url, IFTB_ADMIN_TOKEN: 'wrong'});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pause on dr refused: HTTP 401');
  });
});

describe('switch_dns.sh', {timeout: 180_000}, () => {
  it('refuses without a provider hook, and calls the hook with the target', async () => {
    const none = await sh('scripts/dr/switch_dns.sh', ['--to=dr-site'], {IFTB_DNS_SWITCH_HOOK: ''});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no DNS provider configured: set IFTB_DNS_SWITCH_HOOK');
    const hook = join(work, 'dns-hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$1" >> ${join(work, 'dns.log')}\n`);
    chmodSync(hook, 0o755);
    expect((await sh('scripts/dr/switch_dns.sh', ['--to=dr-site'], {IFTB_DNS_SWITCH_HOOK: hook})).code).toBe(0);
    expect((await sh('scripts/dr/switch_dns.sh', ['--to=primary'], {IFTB_DNS_SWITCH_HOOK: hook})).stdout).toContain('✅ DNS now points at primary');
    expect(readFileSync(join(work, 'dns.log'), 'utf8')).toBe('dr-site\nprimary\n');
    expect((await sh('scripts/dr/switch_dns.sh', ['--to=moon'], {IFTB_DNS_SWITCH_HOOK: hook})).code).toBe(1);
  });
});

describe('databases: verify_db_sync.sh, sync_from_dr.sh, verify_primary_health.sh', {timeout: 180_000}, () => {
  it('equal databases are in sync; a changed row names its table; an unreachable primary checks the DR alone', async () => {
    const primary = await pg.fresh('drp');
    const dr = await pg.fresh('drd');
    // The DR database seeded from a backup of the primary (migrations' applied_at included).
    expect((await iftb(['db', 'migrate', '--store', primary.url])).code).toBe(0);
    await sql(primary.url, `INSERT INTO candles SELECT 'binanceusdm', 'ETH/USDT:USDT', '1h', g * 3600000, 10, 11, 9, 10.25, 1 FROM generate_series(1, 50) g`);
    expect((await iftb(['db', 'backup', '--store', primary.url, '--out', join(work, 'seed')])).code).toBe(0);
    expect((await iftb(['db', 'restore', '--store', dr.url, join(work, 'seed')])).code).toBe(0);
    const same = await sh('scripts/dr/verify_db_sync.sh', [], {IFTB_DATABASE_URL: primary.url, IFTB_DR_DATABASE_URL: dr.url});
    expect(same.stdout).toContain('ℹ️  DR database is not a replica');
    expect(same.stdout).toMatch(/✅ in sync: \d+ tables, equal row counts and checksums/);
    expect(same.code).toBe(0);

    await sql(dr.url, `UPDATE candles SET close = 10.5 WHERE open_time_ms = 3600000`);
    await sql(dr.url, `INSERT INTO candles VALUES ('binanceusdm', 'ETH/USDT:USDT', '1h', 0, 1, 1, 1, 1, 1)`);
    const differ = await sh('scripts/dr/verify_db_sync.sh', [], {IFTB_DATABASE_URL: primary.url, IFTB_DR_DATABASE_URL: dr.url});
    expect(differ.code).toBe(1);
    expect(differ.stdout).toContain('   candles: primary 50 rows, DR 51 rows');
    expect(differ.stdout.match(/^ {3}\w+:/gm)).toHaveLength(1);

    const gone = await sh('scripts/dr/verify_db_sync.sh', ['--primary=postgres://iftb@127.0.0.1:9/none'], {IFTB_DR_DATABASE_URL: dr.url});
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('unreachable');
    expect(gone.stdout).toContain('DR checked alone');
  });

  it('its digests are the ones iftb db backup writes', async () => {
    const db = await pg.fresh('drdig');
    expect((await iftb(['db', 'migrate', '--store', db.url])).code).toBe(0);
    await sql(db.url, `CREATE TABLE odd (x double precision, t timestamptz, s text); INSERT INTO odd VALUES (0.1 + 0.2, '2024-01-17 03:00+09', E'a\\tb')`);
    const digests = await tableDigests(db.url);
    const script = await sh('-c', [`. scripts/lib.sh && table_digests '${db.url}'`]);
    expect(script.stderr).toBe('');
    expect(script.stdout.trim().split('\n').sort()).toEqual(Object.entries(digests).map(([t, d]) => `${t}|${d.rows}|${d.sha256}`).sort());
  });

  it('sync_from_dr copies the DR back into an empty primary, refuses a filled one unless told to replace it', async () => {
    const primary = await pg.fresh('syncp');
    const dr = await pg.fresh('syncd');
    expect((await iftb(['db', 'migrate', '--store', dr.url])).code).toBe(0);
    await sql(dr.url, `INSERT INTO candles SELECT 'binanceusdm', 'BTC/USDT:USDT', '1h', g * 3600000, 1, 2, 0.5, 1.5, 3 FROM generate_series(1, 40) g`);
    const env = {IFTB_DATABASE_URL: primary.url, IFTB_DR_DATABASE_URL: dr.url};
    const copied = await sh('scripts/dr/sync_from_dr.sh', [], env);
    expect(copied.stderr).toBe('');
    expect(copied.stdout).toMatch(/✅ in sync: \d+ tables/);
    expect(await tableDigests(primary.url)).toEqual(await tableDigests(dr.url));

    await sql(dr.url, `DELETE FROM candles WHERE open_time_ms > 20 * 3600000`);
    const refused = await sh('scripts/dr/sync_from_dr.sh', [], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the primary database has \d+ tables: give --replace-primary/);
    const replaced = await sh('scripts/dr/sync_from_dr.sh', ['--replace-primary'], env);
    expect(replaced.code).toBe(0);
    expect((await tableDigests(primary.url)).candles.rows).toBe(20);
  });

  it('verify_primary_health checks the database, Redis and the API', async () => {
    const primary = await pg.fresh('prim');
    const env = {IFTB_DATABASE_URL: primary.url, IFTB_REDIS_URL: redis.url, IFTB_PRIMARY_API_URL: api.url, IFTB_ADMIN_TOKEN: 't0ken'};
    const pending = await sh('scripts/dr/verify_primary_health.sh', [], env);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/❌ primary database: \d+ pending migration/);
    expect((await iftb(['db', 'migrate', '--store', primary.url])).code).toBe(0);
    const healthy = await sh('scripts/dr/verify_primary_health.sh', [], env);
    expect(healthy.stdout).toContain('✅ primary Redis: PONG');
    expect(healthy.stdout).toContain('✅ primary /health: 200');
    expect(healthy.code).toBe(0);
    await redis.stop();
    const noRedis = await sh('scripts/dr/verify_primary_health.sh', ['--skip-api'], env);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stdout).toContain('❌ primary Redis: no PONG');
    await redis.start();
  });
});
