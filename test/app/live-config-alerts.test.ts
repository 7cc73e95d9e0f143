import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {parseLiveConfig, resolveAlerts} from '../../src/app/live-config.js';
import {RUNBOOK_ALERTS_YAML} from '../support/alert-servers.js';

const BASE = {strategy: 'sma-cross'};

describe('the alerts section of a live config', () => {
  it("parses the runbook's YAML and resolves ${VAR} from the environment at start (the parsed config keeps the reference)", () => {
    const config = parseLiveConfig({...BASE, ...(parse(RUNBOOK_ALERTS_YAML) as object)});
    expect(config.alerts?.telegram).toMatchObject({enabled: true, chat_id: '${TELEGRAM_CHAT_ID}', token: '${TELEGRAM_BOT_TOKEN}', levels: ['critical', 'warning'], commands: false});
    const resolved = resolveAlerts(config.alerts, {TELEGRAM_CHAT_ID: '-1001', TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi'}, '/nonexistent/.env');
    expect(resolved.telegram).toEqual({
      apiUrl: 'https://api.telegram.org', token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', chatId: '-1001', levels: ['critical', 'warning'], commands: false, allowedChatIds: ['-1001'],
    });
    expect(resolved.slack).toBeNull();
    expect(resolved.secrets).toContain('123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi');
    // The trading part (and so the session's config hash) does not see the alerts.
    expect(parseLiveConfig(BASE).trading).toEqual(config.trading);
  });

  it('takes IFTB_TELEGRAM_API_URL, allow lists and a Slack webhook; refuses what cannot work in one line', () => {
    const alerts = {telegram: {enabled: true, chat_id: 42, token: 'tok-123456789', commands: true, allowed_chat_ids: [42, '${OTHER_CHAT}']}, slack: {enabled: true, webhook_url: '${SLACK_WEBHOOK_URL}', levels: ['critical']}};
    const resolved = resolveAlerts(parseLiveConfig({...BASE, alerts}).alerts, {IFTB_TELEGRAM_API_URL: 'http://127.0.0.1:9', OTHER_CHAT: '77', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x'}, '/nonexistent/.env');
    expect(resolved.telegram).toMatchObject({apiUrl: 'http://127.0.0.1:9', chatId: '42', commands: true, allowedChatIds: ['42', '77']});
    expect(resolved.slack).toEqual({webhookUrl: 'https://hooks.slack.com/services/T/B/x', levels: ['critical']});
    expect(() => resolveAlerts(parseLiveConfig({...BASE, alerts}).alerts, {}, '/nonexistent/.env')).toThrow('alerts: telegram.allowed_chat_ids[1] refers to ${OTHER_CHAT}, which is not set in the environment');
    expect(() => parseLiveConfig({...BASE, alerts: {telegram: {enabled: true, levels: ['info']}}})).toThrow(/alerts.*telegram\.levels\.0/);
    expect(() => parseLiveConfig({...BASE, alerts: {email: {}}})).toThrow(/alerts/);
    expect(() => resolveAlerts(parseLiveConfig({...BASE, alerts: {telegram: {enabled: true, token: 'x'}}}).alerts, {}, '/nonexistent/.env')).toThrow('alerts: telegram.chat_id is required when the channel is enabled');
    expect(() => resolveAlerts(parseLiveConfig({...BASE, alerts: {slack: {enabled: true, webhook_url: 'hooks.slack.com/x'}}}).alerts, {}, '/nonexistent/.env')).toThrow('alerts: slack.webhook_url must be an http(s) URL');
    // Disabled channels need nothing.
    expect(resolveAlerts(parseLiveConfig({...BASE, alerts: {slack: {enabled: false, webhook_url: '${NOPE}'}}}).alerts, {}, '/nonexistent/.env')).toMatchObject({telegram: null, slack: null});
  });
});
