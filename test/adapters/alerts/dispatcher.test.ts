import {afterEach, describe, expect, it} from 'vitest';
import {AlertDispatcher, type ChatOpsTarget, slackChannel, TelegramCommands, telegramChannel} from '../../../src/adapters/alerts/index.js';
import {type LocalSlack, type LocalTelegram, startLocalSlack, startLocalTelegram} from '../../support/alert-servers.js';
import {waitFor} from '../../support/wait.js';


describe('alert delivery to Telegram and Slack', () => {
  let telegram: LocalTelegram;
  let slack: LocalSlack;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function setup(options: ConstructorParameters<typeof AlertDispatcher>[1] = {}, levels?: {telegram?: ('warning' | 'critical')[]}) {
    telegram = await startLocalTelegram();
    slack = await startLocalSlack();
    closers.push(() => telegram.close(), () => slack.close());
    const sent: string[] = [];
    const failed: string[] = [];
    const dispatcher = new AlertDispatcher(
      [telegramChannel({apiUrl: telegram.url, token: telegram.token, chatId: '-1001234', levels: levels?.telegram}), slackChannel({webhookUrl: slack.webhookUrl})],
      {timeoutMs: 500, backoffMs: 20, ...options, onSent: (c, l) => sent.push(`${c}:${l}`), onFailed: (c, l, reason) => failed.push(`${c}:${l}:${reason}`)},
    );
    closers.push(() => dispatcher.close(100));
    return {dispatcher, sent, failed};
  }

  it("speaks each service's protocol: sendMessage to the chat, a JSON text to the webhook; levels filter per channel", async () => {
    const {dispatcher, sent} = await setup({}, {telegram: ['critical']});
    dispatcher.dispatch({level: 'warning', text: 'Drawdown 10.00 % reached the warning level'});
    dispatcher.dispatch({level: 'critical', text: 'Kill switch ENGAGED'});
    await dispatcher.idle();
    expect(telegram.sent).toEqual([{chatId: '-1001234', text: '[CRITICAL] Kill switch ENGAGED'}]);
    expect(telegram.requests[0].path).toBe(`/bot${telegram.token}/sendMessage`);
    expect(slack.sent.map((m) => m.text)).toEqual(['[WARNING] Drawdown 10.00 % reached the warning level', '[CRITICAL] Kill switch ENGAGED']);
    expect(sent.sort()).toEqual(['slack:critical', 'slack:warning', 'telegram:critical']);
  });

  it('retries a channel answering 500, then counts it failed; the other channel is not held up', async () => {
    const {dispatcher, sent, failed} = await setup({retries: 2});
    slack.fault({kind: 'status', status: 500});
    dispatcher.dispatch({level: 'critical', text: 'one'});
    // dispatch is synchronous and only queues: nothing has been delivered or refused when it returns
    // (a wall-clock bound here failed on a loaded machine without saying anything about waiting).
    expect(sent).toEqual([]);
    expect(failed).toEqual([]);
    await waitFor(() => telegram.sent.length === 1, 'telegram delivery');
    await dispatcher.idle();
    expect(slack.requests).toHaveLength(3);
    expect(slack.sent).toEqual([]);
    expect(sent).toEqual(['telegram:critical']);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^slack:critical:slack webhook: HTTP 500/);
    // Back up: the next message goes through.
    slack.fault(null);
    dispatcher.dispatch({level: 'warning', text: 'two'});
    await dispatcher.idle();
    expect(slack.sent.map((m) => m.text)).toEqual(['[WARNING] two']);
  });

  it('gives up on a hanging channel after the timeout of each attempt; dispatch never waits', async () => {
    const {dispatcher, failed} = await setup({retries: 1, timeoutMs: 300});
    telegram.fault({kind: 'hang'});
    const t0 = Date.now();
    for (let k = 0; k < 3; k++) dispatcher.dispatch({level: 'critical', text: `m${k}`});
    // Queued, not delivered: dispatch returned before any attempt ended.
    expect(failed).toEqual([]);
    expect(slack.sent).toEqual([]);
    await waitFor(() => slack.sent.length === 3, 'slack deliveries', 5000);
    await dispatcher.idle();
    expect(failed.filter((f) => f.startsWith('telegram'))).toHaveLength(3);
    expect(failed[0]).toContain('timed out');
    // The token is in the URL: never in what is reported.
    for (const f of failed) expect(f).not.toContain(telegram.token);
  });

  it('sends at most maxPerMinute messages per channel; the rest are counted failed and summarised later', async () => {
    const {dispatcher, failed} = await setup({maxPerMinute: 3});
    for (let k = 0; k < 5; k++) dispatcher.dispatch({level: 'warning', text: `m${k}`});
    await dispatcher.idle();
    expect(telegram.sent.map((m) => m.text)).toEqual(['[WARNING] m0', '[WARNING] m1', '[WARNING] m2']);
    expect(failed.filter((f) => f.includes('rate limit'))).toHaveLength(4);
  });

  it('honours Telegram 429 retry_after', async () => {
    const {dispatcher, sent} = await setup({retries: 1, backoffMs: 5000});
    telegram.fault({kind: 'status', status: 429, body: {ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: {retry_after: 1}}});
    const t0 = Date.now();
    dispatcher.dispatch({level: 'critical', text: 'x'});
    await waitFor(() => telegram.requests.length === 1, 'first attempt');
    telegram.fault(null);
    await dispatcher.idle();
    // Retried after Telegram's 1 s, not the 5 s backoff.
    expect(telegram.sent).toHaveLength(1);
    expect(telegram.requests[1].atMs - telegram.requests[0].atMs).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(4500);
    expect(sent).toContain('telegram:critical');
  }, 30_000);

  it('sendNow (iftb alerts test) reports each channel', async () => {
    const {dispatcher} = await setup({retries: 0});
    slack.fault({kind: 'status', status: 503});
    const results = await dispatcher.sendNow('test message from iftb');
    expect(results).toEqual([{channel: 'telegram', ok: true}, {channel: 'slack', ok: false, error: expect.stringMatching(/HTTP 503/)}]);
    expect(telegram.sent[0].text).toBe('[WARNING] test message from iftb');
  });
});

describe('Telegram commands', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('answers allow-listed chats through the target, with the chat id as who; ignores other chats', async () => {
    const telegram = await startLocalTelegram();
    closers.push(() => telegram.close());
    const calls: string[] = [];
    const target: ChatOpsTarget = {
      status: async () => 'session p1 (paper)',
      positions: async () => 'BTC/USDT:USDT: flat',
      pause: async (by) => (calls.push(`pause ${by}`), 'pause: ok'),
      resume: async (by) => (calls.push(`resume ${by}`), 'resume: ok'),
      killSwitch: async (reason, by) => (calls.push(`kill ${reason} ${by}`), 'Confirmation code: ABC123'),
      breaker: async () => 'circuit breaker CLOSED',
    };
    const logs: string[] = [];
    const commands = new TelegramCommands({apiUrl: telegram.url, token: telegram.token, allowedChatIds: ['42'], target, pollSeconds: 1, log: (_l, line) => logs.push(line)});
    commands.start();
    closers.push(() => commands.close());
    telegram.push(42, '/status');
    telegram.push(99, '/killswitch not me');
    telegram.push(42, '/killswitch@iftb_bot flash crash');
    telegram.push(42, '/pause');
    telegram.push(42, '/killswitch');
    telegram.push(42, '/nonsense');
    await waitFor(() => telegram.sent.length === 5, 'five replies');
    expect(telegram.sent.map((m) => m.chatId)).toEqual(['42', '42', '42', '42', '42']);
    expect(telegram.sent.map((m) => m.text)).toEqual([
      'session p1 (paper)',
      'Confirmation code: ABC123',
      'pause: ok',
      'usage: /killswitch <reason>',
      expect.stringMatching(/^commands: \/status/),
    ]);
    expect(calls).toEqual(['kill flash crash telegram:42', 'pause telegram:42']);
    expect(logs.some((l) => /chat 99 ignored/.test(l))).toBe(true);
    // Each update is taken once: the next poll asks from past the six (it may start only after the
    // replies went out), and nothing is answered twice.
    const offsets = () => telegram.requests.filter((r) => r.path.endsWith('/getUpdates')).map((r) => (r.body as {offset: number}).offset);
    await waitFor(() => offsets().includes(7), 'a poll past the six updates');
    expect(offsets().at(-1)).toBe(7);
    expect(telegram.sent).toHaveLength(5);
  });
});
