/**
 * docs/RUNBOOK.md names only things this repository has: every command line of its bash blocks is
 * classified and checked (scripts exist, are executable and accept the flags used; `iftb` subcommands
 * and flags exist; docker-compose services, container names, kubectl targets and files exist), and
 * every repository path it mentions exists; every curl route is one the operations API server registers.
 */
import {execFile} from 'node:child_process';
import {accessSync, constants, existsSync, readdirSync, readFileSync} from 'node:fs';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {parse, parseAllDocuments} from 'yaml';
import {buildOpsServer} from '../../src/api/server.js';
import type {Ops} from '../../src/core/index.js';
import {iftb} from '../support/cli.js';

const run = promisify(execFile);
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), {merge: true}) as {services: Record<string, {container_name?: string; ports?: string[]; volumes?: string[]; environment?: Record<string, string>}>};
const containers = new Set(Object.values(compose.services).map((s) => s.container_name));

/**
 * The operations API as the bot builds it (not listening): its route table is what is checked.
 * Registering routes reads nothing from Ops, so any use of this one is a test error.
 */
async function opsRoutes() {
  const ops = new Proxy({}, {get: (_t, key) => {
    throw new Error(`route listing only: Ops.${String(key)} was called`);
  }}) as Ops;
  const app = await buildOpsServer({ops, token: 'runbook-route-listing-token-0123456789'});
  await app.ready();
  return app;
}

/** Command lines of the ```bash blocks: comments dropped, continuations and multi-line quotes joined. */
function commandLines(runbook: string): string[] {
  const lines: string[] = [];
  for (const [, block] of runbook.matchAll(/```bash\n([^]*?)```/g)) {
    let pending = '';
    for (const raw of block.split('\n')) {
      const line = pending ? `${pending}\n${raw}` : raw.replace(/^\s*#.*$/, '').trim();
      if (!line) continue;
      const quotes = (line.match(/"/g) ?? []).length;
      if (line.endsWith('\\') || quotes % 2 === 1) {
        pending = line.replace(/\\$/, '');
        continue;
      }
      pending = '';
      lines.push(line.replace(/\s+#\s.*$/, '').replace(/\s+/g, ' ').trim());
    }
  }
  return lines;
}

async function helpOf(command: string[]): Promise<string> {
  const {stdout} = await run('sh', command.concat('--help'), {env: {...process.env, IFTB_ENV_FILE: 'none'}});
  return stdout;
}

it('the English runbook carries the Korean one\'s commands, line for line', () => {
  const lines = (file: string) => commandLines(readFileSync(file, 'utf8'));
  expect(lines('docs/RUNBOOK.en.md')).toEqual(lines('docs/RUNBOOK.md'));
});

describe.each(['docs/RUNBOOK.md', 'docs/RUNBOOK.en.md'])('%s', {timeout: 180_000}, (file) => {
  const runbook = readFileSync(file, 'utf8');
  const lines = commandLines(runbook);
  const by = (prefix: RegExp) => lines.filter((l) => prefix.test(l));
  it('every command line is one this test knows how to check', () => {
    const known = [
      /^\.\/scripts\//, /^iftb /, /^docker-compose /, /^docker (stop|start|inspect|stats|exec|build) /, /^kubectl /, /^curl /, /^psql /, /^redis-cli /,
      /^ls -la /, /^pg_restore /, /^export [A-Z_]+=/, /^cp \.env\.example \.env$/, /^(TELEGRAM_BOT_TOKEN|TELEGRAM_CHAT_ID|SLACK_WEBHOOK_URL)=/,
    ];
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.filter((l) => !known.some((k) => k.test(l)))).toEqual([]);
  });

  it('scripts exist, are executable, and take the flags used', async () => {
    const calls = by(/^\.\/scripts\//);
    expect(calls.length).toBeGreaterThanOrEqual(12);
    for (const call of calls) {
      const [script, ...args] = call.split(' ');
      const path = script.slice(2);
      expect(existsSync(path), path).toBe(true);
      accessSync(path, constants.X_OK);
      const help = await helpOf([path]);
      for (const flag of args.filter((a) => a.startsWith('--') && a !== '--help').map((a) => a.split('=')[0])) expect(help, `${path} ${flag}`).toContain(flag);
    }
    for (const path of ['scripts/dr/switch_dns.sh', 'scripts/dr/verify_db_sync.sh', 'scripts/dr/health_check.sh', 'scripts/dr/verify_primary_health.sh', 'scripts/dr/sync_from_dr.sh', 'scripts/dr/standby_mode.sh', 'scripts/check_backups.sh']) {
      expect(calls.some((c) => c.startsWith(`./${path}`)), path).toBe(true);
    }
  });

  it('every script has set -eu and --help, and refuses an unknown argument', async () => {
    const scripts = [...readdirSync('scripts').map((f) => `scripts/${f}`), ...readdirSync('scripts/dr').map((f) => `scripts/dr/${f}`)].filter((f) => f.endsWith('.sh') && !f.endsWith('/lib.sh'));
    expect(scripts.length).toBe(9);
    for (const script of scripts) {
      expect(readFileSync(script, 'utf8'), script).toMatch(/^#!\/bin\/sh\n[^]*^set -eu$/m);
      expect(await helpOf([script]), script).toMatch(/^usage: /);
      const refused = await run('sh', [script, '--no-such-flag'], {env: {...process.env, IFTB_ENV_FILE: 'none'}}).then(() => 0, (e: {code: number; stderr: string}) => (expect(e.stderr).toContain('unknown argument: --no-such-flag'), e.code));
      expect(refused, script).not.toBe(0);
    }
  });

  it('iftb subcommands and their flags exist', async () => {
    const calls = [...by(/^iftb /), ...lines.flatMap((l) => [...l.matchAll(/docker exec iftb-bot (iftb [^"]+)/g)].map((m) => m[1]))];
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      const words = call.split(' ').slice(1);
      const path = words.filter((w, i) => !w.startsWith('-') && !words.slice(0, i).some((p) => p.startsWith('-')) && !/[@"$/]/.test(w)).slice(0, 2);
      // `iftb models rollback xgb-dir`: the third word is an argument; try two levels, then one.
      let help = await iftb([...path, '--help']);
      if (help.code !== 0) help = await iftb([path[0], '--help']);
      expect(help.code, call).toBe(0);
      for (const flag of words.filter((w) => w.startsWith('--'))) expect(help.stdout, `${call}: ${flag}`).toContain(flag.split('=')[0]);
    }
  });

  it('docker-compose services, container names and published ports are the compose file\'s', () => {
    for (const call of by(/^docker-compose /)) {
      const service = call.match(/^docker-compose (?:logs|stop|start|restart)(?: -f| --since=\S+| --tail=\d+)* (\w+)/)?.[1];
      if (service) expect(Object.keys(compose.services), call).toContain(service);
      const run = call.match(/^docker-compose run --rm (?:--entrypoint sh )?(\w+)/)?.[1];
      if (run) expect(Object.keys(compose.services), call).toContain(run);
    }
    for (const call of by(/^docker (stop|start|inspect|stats|exec) /)) {
      const name = call.split(' ')[2];
      expect(containers.has(name), call).toBe(true);
    }
    // The model registry is the bot container's volume: model commands run in that container, not on the host.
    const models = by(/(^| )iftb models /);
    expect(models.length).toBeGreaterThanOrEqual(2);
    expect(models.filter((l) => !l.startsWith('docker exec iftb-bot iftb models '))).toEqual([]);
    const bot = Object.values(compose.services).find((s) => s.container_name === 'iftb-bot')!;
    expect(bot.volumes).toContain(`models:${bot.environment!.IFTB_MODELS_DIR}`);
    expect(runbook).toContain('http://localhost:3000');
    expect(compose.services.grafana.ports).toContain('3000:3000');
    if (by(/^psql -h localhost/).length) expect(compose.services.postgres.ports).toContain('127.0.0.1:5432:5432');
    if (by(/^redis-cli -h localhost -p 6379/).length) expect(compose.services.redis.ports).toContain('127.0.0.1:6379:6379');
    const init = readFileSync('deploy/postgres/init.sql', 'utf8');
    expect(init).toContain('CREATE ROLE iftb LOGIN');
    expect(init).toContain('CREATE DATABASE iftb OWNER iftb');
  });

  it('kubectl targets exist: deployment/iftb with its containers, and the folders applied', () => {
    const deployment = (dir: string) => parseAllDocuments(readFileSync(`${dir}/deployment.yaml`, 'utf8'))[0].toJS() as {metadata: {name: string}; spec: {template: {spec: {containers: {name: string}[]; initContainers: {name: string}[]}}}};
    for (const call of by(/^kubectl /)) {
      for (const [, dir] of call.matchAll(/-f (\S+)/g)) expect(existsSync(dir), call).toBe(true);
      for (const [, name] of call.matchAll(/deployment[/ ](\w+)/g)) expect(name, call).toBe('iftb');
      for (const [, container] of call.matchAll(/ (\w[\w-]*)=iftb:/g)) {
        const spec = deployment('deploy/k8s').spec.template.spec;
        expect([...spec.containers, ...spec.initContainers].map((c) => c.name), call).toContain(container);
      }
    }
    expect(by(/^kubectl --context=dr-cluster apply -f k8s\/dr\/$/)).toHaveLength(1);
    expect(deployment('k8s/dr').metadata.name).toBe('iftb');
  });

  it('backup paths are where scripts/backup.sh writes', () => {
    const lib = readFileSync('scripts/lib.sh', 'utf8');
    expect(lib).toContain('BACKUP_DIR=${IFTB_BACKUP_DIR:-/backup}');
    for (const call of by(/^(ls -la|pg_restore) .*\/backup\//)) {
      const path = call.match(/\/backup\/\S+/)![0];
      expect(path, call).toMatch(/^\/backup\/(postgres|redis|models)\/(iftb_backup_YYYYMMDDTHHMMSSZ\/iftb\.dump)?$/);
    }
    expect(runbook).toContain('./scripts/restore.sh --postgres=/backup/postgres/iftb_backup_YYYYMMDDTHHMMSSZ');
    expect(lib).toContain("PG_PATTERN='^iftb_backup_[0-9]{8}T[0-9]{6}Z$'");
  });

  it('every repository path it mentions exists', () => {
    const paths = new Set([...runbook.matchAll(/(?<![\w/.])((?:deploy|scripts|k8s|src|test|migrations|docs)\/[\w./-]*[\w/])/g)].map((m) => m[1]));
    paths.add('Dockerfile').add('docker-compose.yml').add('.env.example');
    expect(paths.size).toBeGreaterThan(15);
    expect([...paths].filter((p) => !existsSync(p))).toEqual([]);
  });

  it('every curl line is a method and route the operations API server registers, on the port compose publishes', async () => {
    const calls = by(/^curl /).map((c) => {
      const url = c.match(/https?:\/\/[^\s'"]+/)?.[0];
      expect(url, c).toBeDefined();
      return {call: c, url: new URL(url!), method: c.match(/-X (\w+)/)?.[1] ?? (/ (-d|--data\S*) /.test(c) ? 'POST' : 'GET')};
    });
    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.map((c) => c.url.pathname)).toContain('/health');
    expect(compose.services.iftb.ports).toContain('127.0.0.1:8000:8000');
    const app = await opsRoutes();
    try {
      expect(app.hasRoute({method: 'GET', url: '/no/such/route'})).toBe(false);
      expect(calls.filter((c) => c.url.origin !== 'http://localhost:8000').map((c) => c.call)).toEqual([]);
      expect(calls.filter((c) => !app.hasRoute({method: c.method as 'GET', url: c.url.pathname})).map((c) => `${c.method} ${c.url.pathname}`)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
