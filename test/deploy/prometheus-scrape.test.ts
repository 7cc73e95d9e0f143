/**
 * A real Prometheus (Debian's) on a free loopback port, with the shipped scrape config and alert
 * rules, scrapes the real bot: a paper session against the local Binance exchange, its telemetry
 * served by the operations API's GET /metrics (as `iftb live --api-port` serves it). Every iftb_*
 * series the bot exports is stored under its name with the bot's values, every rule loads and
 * none fires on a healthy session, and engaging the kill switch through the API fires the
 * critical kill-switch alert.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {type OpsServer, startOpsServer} from '../../src/api/server.js';
import {parseLiveConfig} from '../../src/app/live-config.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {type LiveHandle, startLive} from '../../src/app/live-runner.js';
import {attachTelemetry, type Telemetry} from '../../src/app/live-telemetry.js';
import {METRICS} from '../../src/deploy/metrics-contract.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {MINUTE, waveBars} from '../support/live-candles.js';
import {freePort} from '../support/pg-cluster.js';
import {parseExposition} from '../support/prometheus.js';
import {waitFor} from '../support/wait.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const HISTORY = 120;
const LIVE_BARS = 4;
const TOKEN = 'prometheus-scrape-admin-token-0123';
// The latency rule is off: on a loaded test machine a slow event loop must not trip the breaker.
const CONFIG = {strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}}, live: {pollGraceMs: 60_000}};

const work = mkdtempSync(join(tmpdir(), 'iftb-prom-'));
let exchange: LocalBinanceExchange;
let handle: LiveHandle;
let telemetry: Telemetry;
let bot: OpsServer;
let prometheus: ChildProcess;
let base: string;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  return ((await res.json()) as {data: T}).data;
}

/** An instant query's samples: labels (without __name__) and value. */
async function query(expr: string): Promise<{metric: Record<string, string>; value: number}[]> {
  const got = await api<{result: {metric: Record<string, string>; value: [number, string]}[]}>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
  return got.result.map((r) => ({metric: r.metric, value: Number(r.value[1])}));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Alert = {labels: Record<string, string>; state: string};
const alerts = async () => (await api<{alerts: Alert[]}>('/api/v1/alerts')).alerts.map((a) => `${a.labels.alertname}/${a.labels.severity}/${a.state}`).sort();

beforeAll(async () => {
  const bars = waveBars(T0 - HISTORY * MINUTE, HISTORY + LIVE_BARS);
  exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars.slice(0, HISTORY)}, walletBalance: 20_000});
  handle = await startLive(parseLiveConfig(CONFIG), {db: join(work, 'bot.duckdb'), env: {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl}, log: () => {}});
  telemetry = attachTelemetry(handle);
  bot = await startOpsServer({ops: createLiveOps(handle), token: TOKEN, port: 0, metrics: () => telemetry.metrics()});
  for (const bar of bars.slice(HISTORY)) {
    exchange.advance({symbol: 'BTCUSDT', bar});
    await waitFor(() => handle.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`, 60_000);
  }

  // The shipped config, with fast intervals, the bot's API as target and no Alertmanager.
  const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as any;
  config.global = {...config.global, scrape_interval: '1s', evaluation_interval: '1s'};
  config.rule_files = [resolve('deploy/prometheus/rules/*.yml')];
  delete config.alerting;
  const iftbJob = config.scrape_configs.find((j: any) => j.job_name === 'iftb');
  expect(iftbJob.metrics_path).toBe('/metrics');
  iftbJob.static_configs = [{targets: [new URL(bot.url).host]}];
  config.scrape_configs = [iftbJob];
  writeFileSync(join(work, 'prometheus.yml'), stringify(config));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {stdio: 'ignore'});
  await until('prometheus ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
}, 180_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    await new Promise((r) => {
      prometheus.once('exit', r);
      prometheus.kill('SIGTERM');
    });
  }
  await bot?.close();
  await telemetry?.close();
  await handle?.stop('test end').catch(() => undefined);
  await exchange?.close();
  rmSync(work, {recursive: true, force: true});
});

describe('a real Prometheus with the shipped config and rules, scraping a paper session\'s /metrics', {timeout: 180_000}, () => {
  it('stores every iftb_* series the bot exports under its name, with the bot\'s values', async () => {
    const exposed = parseExposition(await (await fetch(`${bot.url}/metrics`)).text());
    const samples = (name: string) => exposed.find((f) => f.name === name)?.metrics.length ?? 0;
    const histograms = new Set(METRICS.filter((m) => m.type === 'histogram').map((m) => m.name));
    // A labelled family with no sample yet (no alert channel, no model, no LLM) has no series to store.
    const expected = METRICS.filter((m) => m.name.startsWith('iftb_') && samples(m.name) > 0).flatMap((m) => (histograms.has(m.name) ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
    for (const name of ['iftb_up', 'iftb_bars_total', 'iftb_kill_switch_engaged', 'iftb_trading_state', 'iftb_circuit_breaker_state', 'iftb_data_age_seconds', 'iftb_last_bar_timestamp_seconds', 'iftb_decision_latency_seconds_bucket', 'iftb_exchange_requests_total', 'iftb_equity_usdt']) {
      expect(expected).toContain(name);
    }

    const names = await until('every exported iftb_* metric stored', async () => {
      const values = await api<string[]>('/api/v1/label/__name__/values');
      return expected.every((n) => values.includes(n)) ? values : undefined;
    });
    expect(names.filter((n) => n.startsWith('iftb_') && !expected.includes(n))).toEqual([]);
    const targets = await api<{activeTargets: {labels: {job: string}; health: string; scrapeUrl: string}[]}>('/api/v1/targets');
    expect(targets.activeTargets.map((t) => [t.labels.job, t.health, t.scrapeUrl])).toEqual([['iftb', 'up', `${bot.url}/metrics`]]);

    // What Prometheus holds is what the session did.
    expect(await query('iftb_up')).toEqual([{metric: expect.objectContaining({job: 'iftb', mode: 'paper'}), value: 1}]);
    expect((await query('iftb_bars_total')).map((s) => s.value)).toEqual([LIVE_BARS]);
    expect((await query('iftb_last_bar_timestamp_seconds')).map((s) => s.value)).toEqual([handle.loop.status().lastBarMs! / 1000]);
    expect((await query('iftb_decision_latency_seconds_count')).map((s) => s.value)).toEqual([LIVE_BARS]);
    expect((await query('iftb_trading_state == 1')).map((s) => s.metric.state)).toEqual(['active']);
    expect((await query('iftb_circuit_breaker_state == 1')).map((s) => s.metric.state)).toEqual(['CLOSED']);
    expect((await query('iftb_kill_switch_engaged')).map((s) => s.value)).toEqual([0]);
  });

  it('loads every rule; none fires on the healthy session; the kill switch engaged through the API fires the critical alert', async () => {
    const groups = await api<{groups: {rules: {name: string; health: string; lastEvaluation: string}[]}[]}>('/api/v1/rules');
    const rules = groups.groups.flatMap((g) => g.rules);
    // Every alert of the shipped rules file is loaded (counted from the file, so a new rule needs no edit here).
    const shipped = readFileSync(resolve(import.meta.dirname, '../../deploy/prometheus/rules/iftb-alerts.yml'), 'utf8').match(/^\s*- alert:/gm)!.length;
    expect(shipped).toBeGreaterThanOrEqual(12);
    expect(rules.length).toBe(shipped);
    expect(rules.filter((r) => r.health === 'err')).toEqual([]);
    // Every rule evaluated after a scrape before judging "nothing fires" (an evaluation before the first
    // scrape leaves IftbDown pending until the next one).
    const scraped = (await query('timestamp(iftb_up)'))[0].value * 1000;
    await until('rules evaluated over scraped data', async () => {
      const again = (await api<typeof groups>('/api/v1/rules')).groups.flatMap((g) => g.rules);
      return again.every((r) => r.health === 'ok' && Date.parse(r.lastEvaluation) > scraped) ? true : undefined;
    });
    expect(await alerts()).toEqual([]);

    const res = await fetch(`${bot.url}/api/kill-switch`, {method: 'POST', headers: {authorization: `Bearer ${TOKEN}`}, body: JSON.stringify({reason: 'prometheus scrape test'})});
    expect(res.status).toBe(200);
    expect(handle.session.killSwitch.engaged).toBe(true);
    const firing = await until('kill switch alert firing', async () => {
      const now = await alerts();
      return now.includes('IftbKillSwitchEngaged/critical/firing') ? now : undefined;
    });
    expect(firing.filter((a) => a.startsWith('IftbDown') || a.startsWith('IftbStaleData') || a.startsWith('IftbDrawdown'))).toEqual([]);
    expect((await query('iftb_trading_state == 1')).map((s) => s.metric.state)).toEqual(['halted']);
  });
});
