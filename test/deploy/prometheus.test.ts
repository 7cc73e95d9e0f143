/** The shipped Prometheus and Alertmanager files, checked with the tools of the field (promtool, amtool). */
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {allowedSeries, seriesIn} from '../../src/deploy/metrics-contract.js';

const run = promisify(execFile);
const RULES = 'deploy/prometheus/rules/iftb-alerts.yml';
const tmp = mkdtempSync(join(tmpdir(), 'iftb-am-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

async function tool(bin: string, args: string[], env: Record<string, string> = {}): Promise<{code: number; out: string}> {
  try {
    const {stdout, stderr} = await run(bin, args, {env: {...process.env, ...env}});
    return {code: 0, out: stdout + stderr};
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string};
    return {code: typeof e.code === 'number' ? e.code : 127, out: `${e.stdout}${e.stderr}`};
  }
}

interface Rule {alert: string; expr: string; labels: {severity: string}}
const rules = (parse(readFileSync(RULES, 'utf8')) as {groups: {rules: Rule[]}[]}).groups.flatMap((g) => g.rules);

describe('prometheus', () => {
  it('promtool accepts the scrape config and the rules', async () => {
    const config = await tool('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect(config.out).toContain('SUCCESS: 1 rule files found');
    expect(config.code).toBe(0);
    const checked = await tool('promtool', ['check', 'rules', RULES]);
    expect(checked.out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(checked.code).toBe(0);
  });

  it('promtool unit tests: each alert fires at its threshold with its severity and not below', async () => {
    const result = await tool('promtool', ['test', 'rules', 'test/deploy/prometheus/alerts.test.yml']);
    expect(result.out).toContain('SUCCESS');
    expect(result.code).toBe(0);
    const tests = (parse(readFileSync('test/deploy/prometheus/alerts.test.yml', 'utf8')) as {tests: {alert_rule_test: {alertname: string}[]}[]}).tests;
    const tested = new Set(tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    expect([...new Set(rules.map((r) => r.alert))].filter((name) => !tested.has(name))).toEqual([]);
  });

  it('the runbook thresholds are the rules\' (warning and critical)', () => {
    const threshold = (alert: string, severity: string) => rules.find((r) => r.alert === alert && r.labels.severity === severity)!.expr.match(/[<>]=?\s*([\d.]+)$/)![1];
    expect([threshold('IftbDrawdown', 'warning'), threshold('IftbDrawdown', 'critical')]).toEqual(['0.10', '0.15']);
    expect([threshold('IftbApiErrorRate', 'warning'), threshold('IftbApiErrorRate', 'critical')]).toEqual(['0.05', '0.10']);
    expect([threshold('IftbDecisionLatency', 'warning'), threshold('IftbDecisionLatency', 'critical')]).toEqual(['0.5', '1']);
    expect([threshold('IftbDailyLoss', 'warning'), threshold('IftbDailyLoss', 'critical')]).toEqual(['0.03', '0.05']);
    for (const alert of ['IftbKillSwitchEngaged', 'IftbStaleData', 'IftbDown']) expect(rules.find((r) => r.alert === alert)?.labels.severity).toBe('critical');
    expect(rules.find((r) => r.alert === 'IftbCircuitBreakerNotClosed')?.labels.severity).toBe('warning');
  });

  it('every rule reads only metrics of the contract', () => {
    const allowed = allowedSeries();
    const used = rules.flatMap((r) => seriesIn(r.expr));
    expect(used).toContain('iftb_decision_latency_seconds_bucket');
    expect(used.filter((name) => !allowed.has(name))).toEqual([]);
    expect(seriesIn('rate(iftb_nope_total[5m]) offset 1h')).toEqual(['iftb_nope_total']);
  });
});

describe('alertmanager', () => {
  const template = 'deploy/alertmanager/alertmanager.yml.tmpl';
  const env = {TELEGRAM_BOT_TOKEN: '123456:ABC-def', TELEGRAM_CHAT_ID: '-1001234567890', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/xyz'};

  it('the rendered config passes amtool check-config; critical goes to Telegram and Slack, warning to Telegram', async () => {
    const out = join(tmp, 'alertmanager.yml');
    const rendered = await tool('sh', ['deploy/alertmanager/render.sh', template, out], env);
    expect(rendered.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`bot_token: '${env.TELEGRAM_BOT_TOKEN}'`);
    const check = await tool('amtool', ['check-config', out]);
    expect(check.out).toContain('SUCCESS');
    expect(check.code).toBe(0);
    const route = async (...labels: string[]) => (await tool('amtool', ['config', 'routes', 'test', `--config.file=${out}`, ...labels])).out.split('\n')[0].trim();
    expect(await route('severity=critical', 'alertname=IftbDown')).toBe('telegram-and-slack');
    expect(await route('severity=warning', 'alertname=IftbDrawdown')).toBe('telegram');
  });

  it('render.sh refuses a missing token or a chat id that is not a number', async () => {
    const missing = await tool('sh', ['deploy/alertmanager/render.sh', template, join(tmp, 'a.yml')], {TELEGRAM_BOT_TOKEN: '', TELEGRAM_CHAT_ID: '1'});
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain('TELEGRAM_BOT_TOKEN is not set');
    const bad = await tool('sh', ['deploy/alertmanager/render.sh', template, join(tmp, 'b.yml')], {...env, TELEGRAM_CHAT_ID: '@channel'});
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('TELEGRAM_CHAT_ID must be a number');
  });
});
