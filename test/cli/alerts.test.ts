import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {type LocalSlack, type LocalTelegram, RUNBOOK_ALERTS_YAML, startLocalSlack, startLocalTelegram} from '../support/alert-servers.js';
import {iftb} from '../support/cli.js';

// The runbook's YAML, as written there, with Slack enabled.
const RUNBOOK_ALERTS = `strategy: sma-cross
${RUNBOOK_ALERTS_YAML.replace('enabled: false', 'enabled: true')}`;

describe('iftb alerts test', () => {
  let dir = '';
  let telegram: LocalTelegram | null = null;
  let slack: LocalSlack | null = null;
  afterEach(async () => {
    await telegram?.close();
    await slack?.close();
    telegram = slack = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it("sends one message to each enabled channel of the runbook's YAML, secrets from the environment; a failing channel fails the command", async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-alerts-'));
    telegram = await startLocalTelegram();
    slack = await startLocalSlack();
    const config = join(dir, 'bot.yaml');
    writeFileSync(config, RUNBOOK_ALERTS);
    const env = {TELEGRAM_CHAT_ID: '-100777', TELEGRAM_BOT_TOKEN: telegram.token, SLACK_WEBHOOK_URL: slack.webhookUrl, IFTB_TELEGRAM_API_URL: telegram.url};
    const ok = await iftb(['alerts', 'test', '--config', config, '--message', 'hello from the test'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('telegram: sent\nslack: sent\n');
    expect(telegram.sent).toEqual([{chatId: '-100777', text: '[WARNING] hello from the test'}]);
    expect(slack.sent).toEqual([{text: '[WARNING] hello from the test'}]);

    slack.fault({kind: 'status', status: 500});
    const failed = await iftb(['alerts', 'test', '--config', config], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^telegram: sent\nslack: FAILED \(slack webhook: HTTP 500/);
    expect(telegram.sent[1].text).toMatch(/^\[WARNING\] IFTB alert test from .+: this channel works\.$/);
    expect(failed.stdout + failed.stderr).not.toContain(slack.webhookUrl);

    // A secret that is not set: one clear line, exit 2.
    const {SLACK_WEBHOOK_URL: _s, ...noSlack} = env;
    const missing = await iftb(['alerts', 'test', '--config', config], {...noSlack, SLACK_WEBHOOK_URL: ''});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: alerts: slack.webhook_url refers to ${SLACK_WEBHOOK_URL}, which is not set in the environment\n');
  }, 60_000);
});
