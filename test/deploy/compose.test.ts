/**
 * docker-compose.yml, Dockerfile, .dockerignore and .env.example, checked structurally (no Docker
 * daemon here): services and container names the runbook uses, healthchecks, depends_on conditions,
 * mounted files, every ${VAR} documented in .env.example, and the bot's flags known to `iftb live`.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {parseLiveConfig} from '../../src/app/live-config.js';
import {iftb} from '../support/cli.js';

interface Service {
  image?: string; container_name?: string; command?: string | string[]; entrypoint?: string[]; profiles?: string[];
  environment?: Record<string, string>; volumes?: string[]; ports?: string[];
  healthcheck?: {test: string[]}; depends_on?: Record<string, {condition: string}>; restart?: string; stop_grace_period?: string;
}
const text = readFileSync('docker-compose.yml', 'utf8');
const compose = parse(text, {merge: true}) as {services: Record<string, Service>; volumes: Record<string, unknown>};
const services = compose.services;

/** KEY → whether a comment documents it (a comment line above it in the same block: keys may share one). */
function envExample(): Map<string, boolean> {
  const documented = new Map<string, boolean>();
  let comment = false;
  for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
    if (/^#\s*---/.test(line) || line.trim() === '') comment = false;
    else if (line.startsWith('#')) comment = true;
    else {
      const key = line.split('=')[0];
      documented.set(key, comment);
    }
  }
  return documented;
}

describe('docker-compose.yml', () => {
  it('has the runbook\'s services and container names; the bot runs ${IFTB_IMAGE_TAG}', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'backup', 'grafana', 'iftb', 'migrate', 'postgres', 'prometheus', 'redis']);
    expect(services.iftb.container_name).toBe('iftb-bot');
    expect(services.postgres.container_name).toBe('iftb-postgres');
    expect(services.iftb.image).toMatch(/^\$\{IFTB_IMAGE:-iftb\}:\$\{IFTB_IMAGE_TAG:\?/);
    expect(services.grafana.ports).toContain('3000:3000');
    expect(services.iftb.ports).toContain('127.0.0.1:8000:8000');
    const names = Object.values(services).map((s) => s.container_name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every long-running service has a healthcheck and restarts; one-shot jobs do not restart', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'migrate' || name === 'backup') {
        expect(s.restart, name).toBe('no');
        continue;
      }
      expect(s.healthcheck?.test?.[0], `${name} healthcheck`).toBe('CMD');
      expect(s.restart, name).toBe('unless-stopped');
    }
    expect(services.iftb.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:8000/health');
    // docker stop's SIGTERM, then SIGKILL after the grace period: the bot needs up to 9 s.
    expect(services.iftb.stop_grace_period).toBe('10s');
  });

  it('depends_on uses conditions, and service_healthy only on services with a healthcheck', () => {
    expect(services.iftb.depends_on).toEqual({
      postgres: {condition: 'service_healthy'}, redis: {condition: 'service_healthy'}, migrate: {condition: 'service_completed_successfully'},
    });
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, {condition}] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_started', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(services[dep].healthcheck, `${dep} has no healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts files that exist: the init script, Prometheus rules, Alertmanager template, Grafana provisioning and dashboards', () => {
    const binds = Object.values(services).flatMap((s) => s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0]);
    expect(binds.sort()).toEqual(['./deploy/alertmanager', './deploy/config/live.json', './deploy/grafana/dashboards', './deploy/grafana/provisioning', './deploy/postgres/init-iftb.sh', './deploy/postgres/init.sql', './deploy/prometheus']);
    for (const path of binds) expect(existsSync(path), path).toBe(true);
    const named = Object.values(services).flatMap((s) => s.volumes ?? []).filter((v) => !v.startsWith('./') && !v.startsWith('$')).map((v) => v.split(':')[0]);
    for (const volume of named) expect(Object.keys(compose.volumes), volume).toContain(volume);
    expect(services.postgres.volumes).toContain('./deploy/postgres/init-iftb.sh:/docker-entrypoint-initdb.d/10-iftb.sh:ro');
    expect(readFileSync('deploy/postgres/init-iftb.sh', 'utf8')).toContain('-f /iftb/init.sql');
  });

  it('every ${VAR} it uses is documented in .env.example, and every .env.example variable is used somewhere', () => {
    const documented = envExample();
    const used = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]))];
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter(([, hasComment]) => !hasComment).map(([key]) => key)).toEqual([]);
    const scripts = [...readdirSync('scripts').map((f) => `scripts/${f}`), ...readdirSync('scripts/dr').map((f) => `scripts/dr/${f}`)].filter((f) => f.endsWith('.sh'));
    const elsewhere = [...scripts, 'src/deploy/k8s-manifests.ts'].map((f) => readFileSync(f, 'utf8')).join('\n') + text;
    expect([...documented.keys()].filter((key) => !elsewhere.includes(key))).toEqual([]);
  });

  it('the bot\'s command uses only flags `iftb live` knows', async () => {
    const help = await iftb(['live', '--help']);
    expect(help.code).toBe(0);
    const flags = String(services.iftb.command).match(/--[a-z-]+/g)!;
    expect(flags).toEqual(expect.arrayContaining(['--api-port', '--api-host']));
    expect(flags.filter((flag) => !help.stdout.includes(flag))).toEqual([]);
    expect(() => parseLiveConfig(JSON.parse(readFileSync('deploy/config/live.json', 'utf8')))).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('is multi-stage: a build with dev dependencies, a runtime with production ones, non-root, with a /health healthcheck', () => {
    expect(stages.map((s) => s.split('\n')[0])).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']);
    const [build, runtime] = stages;
    expect(build).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    // npm ci runs `prepare` (the TypeScript build): the runtime has no tsc, so it is removed there.
    expect(runtime).toContain('npm pkg delete scripts.prepare');
    expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.prepare).toBe('npm run build');
    expect(runtime).toContain('COPY --from=build /src/dist ./dist');
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HEALTHCHECK[^]*http:\/\/127\.0\.0\.1:8000\/health/);
    expect(runtime).toContain('STOPSIGNAL SIGTERM');
    // allowScripts in package.json is an npm 11 setting: both stages install the npm this repo uses.
    expect(JSON.parse(readFileSync('package.json', 'utf8')).allowScripts).toBeDefined();
    for (const stage of stages) expect(stage).toContain('RUN npm install -g npm@${NPM_VERSION}');
    expect(dockerfile).toMatch(/^ARG NPM_VERSION=11\./m);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    expect(sources).toContain('scripts');
    for (const source of sources) {
      expect(existsSync(source), source).toBe(true);
      expect(ignored.filter((pattern) => pattern === source || pattern.startsWith(`${source}/`) && !pattern.includes('*')), source).toEqual([]);
    }
    expect(ignored).toContain('.env');
  });
});
