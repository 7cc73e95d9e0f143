/**
 * A real Prometheus (Debian's) on a free loopback port, with the shipped scrape config and alert
 * rules, scrapes a /metrics endpoint and evaluates the rules: the kill switch alert fires with its
 * severity, drawdown turns pending, and every metric of the contract is stored under its name.
 * The endpoint serves the contract's metrics in the exposition format; the bot's own /metrics
 * (telemetry branch) is not on this branch.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {METRICS} from '../../src/deploy/metrics-contract.js';
import {freePort} from '../support/pg-cluster.js';

const LABEL_VALUES: Record<string, string> = {mode: 'paper', symbol: 'BTC/USDT:USDT', source: 'ta', kind: 'timeout', stream: 'market', outcome: 'filled', channel: 'telegram', level: 'warning', name: 'xgb-dir', version: '1', sha256: 'ab12'};
const VALUES: Record<string, number> = {iftb_kill_switch_engaged: 1, iftb_drawdown_ratio: 0.12, iftb_up: 1, iftb_data_age_seconds: 5, iftb_last_bar_timestamp_seconds: Date.now() / 1000 - 3600};

/** The contract in the text exposition format, one series per metric (histograms with buckets). */
function exposition(): string {
  const out: string[] = [];
  for (const m of METRICS) {
    const labels = m.labels.map((l) => `${l}="${LABEL_VALUES[l] ?? 'x'}"`);
    const braces = (extra: string[] = []) => (labels.length + extra.length ? `{${[...labels, ...extra].join(',')}}` : '');
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    if (m.type === 'histogram') {
      for (const le of ['0.1', '1', '+Inf']) out.push(`${m.name}_bucket${braces([`le="${le}"`])} 3`);
      out.push(`${m.name}_sum${braces()} 0.3`, `${m.name}_count${braces()} 3`);
    } else {
      out.push(`${m.name}${braces()} ${VALUES[m.name] ?? 0}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const work = mkdtempSync(join(tmpdir(), 'iftb-prom-'));
let exporter: Server;
let prometheus: ChildProcess;
let base: string;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  return ((await res.json()) as {data: T}).data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url !== '/metrics') return res.writeHead(404).end();
    res.writeHead(200, {'content-type': 'text/plain; version=0.0.4'}).end(exposition());
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;

  // The shipped config, with fast intervals, the exporter as target and no Alertmanager.
  const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as any;
  config.global = {...config.global, scrape_interval: '1s', evaluation_interval: '1s'};
  config.rule_files = [resolve('deploy/prometheus/rules/*.yml')];
  delete config.alerting;
  const iftbJob = config.scrape_configs.find((j: any) => j.job_name === 'iftb');
  expect(iftbJob.metrics_path).toBe('/metrics');
  iftbJob.static_configs = [{targets: [target]}];
  config.scrape_configs = [iftbJob];
  writeFileSync(join(work, 'prometheus.yml'), stringify(config));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {stdio: 'ignore'});
  await until('prometheus ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
}, 90_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    await new Promise((r) => {
      prometheus.once('exit', r);
      prometheus.kill('SIGTERM');
    });
  }
  exporter?.close();
  rmSync(work, {recursive: true, force: true});
});

describe('a real Prometheus with the shipped config and rules', () => {
  it('scrapes the target and stores every metric of the contract under its name', async () => {
    const names = await until('every contract metric scraped', async () => {
      const values = await api<string[]>('/api/v1/label/__name__/values');
      return values.includes('iftb_up') ? values : undefined;
    });
    const expected = METRICS.flatMap((m) => (m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
    expect(expected.filter((name) => !names.includes(name))).toEqual([]);
    const targets = await api<{activeTargets: {labels: {job: string}; health: string}[]}>('/api/v1/targets');
    expect(targets.activeTargets.map((t) => [t.labels.job, t.health])).toEqual([['iftb', 'up']]);
  });

  it('loads every rule and fires the kill switch alert (critical); drawdown 12 % is pending a warning', async () => {
    const groups = await api<{groups: {rules: {name: string; health: string}[]}[]}>('/api/v1/rules');
    const rules = groups.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(12);
    expect(rules.filter((r) => r.health === 'err')).toEqual([]);
    const alerts = await until('kill switch firing', async () => {
      const {alerts} = await api<{alerts: {labels: Record<string, string>; state: string}[]}>('/api/v1/alerts');
      return alerts.some((a) => a.labels.alertname === 'IftbKillSwitchEngaged' && a.state === 'firing') ? alerts : undefined;
    });
    const summary = alerts.map((a) => `${a.labels.alertname}/${a.labels.severity}/${a.state}`).sort();
    expect(summary).toContain('IftbKillSwitchEngaged/critical/firing');
    expect(summary).toContain('IftbDrawdown/warning/pending');
    expect(summary.filter((s) => s.startsWith('IftbDrawdown/critical'))).toEqual([]);
    expect(summary.filter((s) => s.startsWith('IftbDown') || s.startsWith('IftbStaleData'))).toEqual([]);
  });
});
