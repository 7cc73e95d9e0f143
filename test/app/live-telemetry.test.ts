import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseLiveConfig, resolveAlerts} from '../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../src/app/live-runner.js';
import {attachTelemetry, type Telemetry} from '../../src/app/live-telemetry.js';
import {BinanceUsdmExchangeClient} from '../../src/adapters/binance/index.js';
import type {Bar} from '../../src/core/index.js';
import {type LocalSlack, type LocalTelegram, startLocalSlack, startLocalTelegram} from '../support/alert-servers.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {MINUTE, waveBars} from '../support/live-candles.js';
import {contractProblems, familiesText, parseExposition, promtoolCheck} from '../support/prometheus.js';
import {waitFor} from '../support/wait.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const HISTORY = 120;
// The latency rule is off: on a loaded test machine a slow event loop must not change what the bot decides.
const CONFIG = {strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}}};


describe('telemetry of a running session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  let telemetry: Telemetry | null = null;
  let server: Server | null = null;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await telemetry?.close();
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    for (const c of closers.splice(0).reverse()) await c();
    if (server !== null) await new Promise<void>((resolve) => server!.close(() => resolve()));
    handle = null;
    exchange = null;
    telemetry = null;
    server = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  async function start(config: Record<string, unknown>, bars: Bar[], env: Record<string, string> = {}, mode: 'paper' | 'live' = 'paper') {
    dir = mkdtempSync(join(tmpdir(), 'iftb-telemetry-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars}, walletBalance: 20_000});
    const keys = mode === 'live' ? {BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret} : {};
    const fullEnv = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, ...keys, ...env};
    // Live: a reconciliation pass every second, so an order placed behind the bot's back is seen at once.
    const parsed = parseLiveConfig({...config, live: {pollGraceMs: 60_000, mode, ...(mode === 'live' ? {reconcileEveryMs: 1000} : {})}});
    handle = await startLive(parsed, {db: join(dir, 'bot.duckdb'), env: fullEnv, log: () => {}, ...(mode === 'live' ? {confirmLive: 'BTC/USDT:USDT'} : {})});
    return {parsed, env: fullEnv};
  }

  const observed = new Set<number>();
  /** After attachTelemetry: the test's observer runs after the telemetry's, so a slot seen here was counted there. */
  function watchSlots() {
    observed.clear();
    handle!.loop.observe({slot: (info) => void observed.add(info.openTimeMs)});
  }

  /** Drives one closed bar and waits until the loop decided it and told its observers; returns how long that took. */
  async function drive(bar: Bar): Promise<number> {
    const t0 = Date.now();
    exchange!.advance({symbol: 'BTCUSDT', bar});
    await waitFor(() => observed.has(bar.openTime), `bar ${new Date(bar.openTime).toISOString()}`);
    return Date.now() - t0;
  }

  it('serves every contract metric with its type, readable by a Prometheus parser and promtool, after a few bars with a trade', async () => {
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 120);
    await start(CONFIG, all.slice(0, HISTORY));
    telemetry = attachTelemetry(handle!);
    watchSlots();
    // GET /metrics as the API server will serve it (plain node:http here).
    server = createServer((req, res) => {
      void telemetry!.metrics().then(({contentType, body}) => res.writeHead(200, {'content-type': contentType}).end(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as {port: number}).port}/metrics`;

    let decided = 0;
    let afterFill = -1;
    for (const bar of all.slice(HISTORY)) {
      await drive(bar);
      decided++;
      if (afterFill < 0 && handle!.loop.journal.some((e) => e.type === 'fill')) afterFill = 0;
      else if (afterFill >= 0 && ++afterFill >= 3) break;
    }
    expect(afterFill).toBe(3);

    const response = await fetch(url);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    const families = parseExposition(body);
    expect(contractProblems(families)).toEqual([]);
    const lint = await promtoolCheck(familiesText(body, 'iftb_'));
    expect(lint).toEqual({code: 0, report: ''});
    const whole = await promtoolCheck(body);
    expect([0, 3]).toContain(whole.code); // 3: lint findings, only prom-client's nodejs_*_total gauges
    for (const line of whole.report.trim().split('\n').filter(Boolean)) expect(line).toMatch(/^nodejs_\w+ non-counter metrics/);

    const value = (name: string, labels: Record<string, string> = {}) => {
      const f = families.find((x) => x.name === name);
      const s = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
      return s?.value === undefined ? Number.NaN : Number(s.value);
    };
    const journal = handle!.loop.journal;
    const ledger = handle!.session.parts.ledger;
    const last = handle!.loop.status().lastBarMs!;
    expect(value('iftb_up', {mode: 'paper'})).toBe(1);
    expect(value('iftb_bars_total')).toBe(decided);
    expect(value('iftb_last_bar_timestamp_seconds')).toBe(last / 1000);
    expect(value('iftb_data_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('iftb_orders_total', {outcome: 'submitted'})).toBe(journal.filter((e) => e.type === 'order').length);
    expect(value('iftb_orders_total', {outcome: 'filled'})).toBe(new Set(journal.flatMap((e) => (e.type === 'fill' ? [e.fill.orderId] : []))).size);
    expect(value('iftb_orders_total', {outcome: 'filled'})).toBeGreaterThan(0);
    expect(value('iftb_position_qty', {symbol: 'BTC/USDT:USDT'})).toBe(ledger.qty(0));
    expect(value('iftb_equity_usdt')).toBeCloseTo(ledger.equity(), 6);
    expect(value('iftb_wallet_balance_usdt')).toBeCloseTo(ledger.walletBalance, 6);
    expect(value('iftb_trading_state', {state: 'active'})).toBe(1);
    expect(value('iftb_trading_state', {state: 'halted'})).toBe(0);
    expect(value('iftb_circuit_breaker_state', {state: 'CLOSED'})).toBe(1);
    expect(value('iftb_kill_switch_engaged')).toBe(0);
    // Klines, funding and time over REST at start (and the exchange answered them all).
    expect(value('iftb_exchange_requests_total')).toBe(handle!.exchange.requests);
    expect(value('iftb_exchange_requests_total')).toBeGreaterThan(0);
    expect(value('iftb_exchange_errors_total', {kind: 'server'})).toBe(0);
    const latency = families.find((f) => f.name === 'iftb_decision_latency_seconds')!.metrics[0];
    expect(Number(latency.count)).toBe(decided);
    const slippage = families.find((f) => f.name === 'iftb_fill_slippage_ratio')!.metrics[0];
    expect(Number(slippage.count)).toBe(journal.filter((e) => e.type === 'fill').length);
    // Paper fills pay the configured 2 bps: every fill in the (0.0001, 0.0005] bucket.
    expect(Number(slippage.buckets!['0.0001'])).toBe(0);
    expect(Number(slippage.buckets!['0.0005'])).toBe(Number(slippage.count));
    expect(families.some((f) => f.name === 'process_resident_memory_bytes')).toBe(true);
    expect(value('iftb_websocket_reconnects_total', {stream: 'market'})).toBe(0);

    // The market stream drops and reconnects: counted once.
    exchange!.dropStreams('market');
    const reconnects = async () => Number(parseExposition(await (await fetch(url)).text()).find((f) => f.name === 'iftb_websocket_reconnects_total')!.metrics.find((s) => s.labels!.stream === 'market')!.value);
    const deadline = Date.now() + 30_000;
    while ((await reconnects()) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await reconnects()).toBe(1);
  });

  it('alerts each drawdown level once through Telegram while Slack hangs, without delaying bars; answers /breaker /positions /pause /status /resume /killswitch from the allowed chat through the loop', async () => {
    const telegram: LocalTelegram = await startLocalTelegram();
    const slack: LocalSlack = await startLocalSlack();
    closers.push(() => telegram.close(), () => slack.close());
    slack.fault({kind: 'hang'});
    const config = {
      ...CONFIG, cash: 1000, params: {fast: 5, slow: 20, qty: 0.05},
      alerts: {telegram: {enabled: true, chat_id: '${TG_CHAT}', token: '${TG_TOKEN}', commands: true}, slack: {enabled: true, webhook_url: '${SLACK_URL}'}},
    };
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 120);
    const {parsed, env} = await start(config, all.slice(0, HISTORY), {TG_CHAT: '4242', TG_TOKEN: telegram.token, SLACK_URL: slack.webhookUrl, IFTB_TELEGRAM_API_URL: telegram.url});
    const resolved = resolveAlerts(parsed.alerts, env);
    expect(resolved.telegram).toMatchObject({apiUrl: telegram.url, chatId: '4242', allowedChatIds: ['4242']});
    const logs: string[] = [];
    telemetry = attachTelemetry(handle!, {alerts: resolved, delivery: {timeoutMs: 30_000, retries: 1, backoffMs: 100}, log: (level, line) => logs.push(`${level} ${line}`)});
    watchSlots();

    // Trade until a position is open.
    let k = HISTORY;
    while (handle!.session.parts.ledger.qty(0) === 0) {
      expect(k).toBeLessThan(all.length);
      await drive(all[k++]);
    }
    const side = Math.sign(handle!.session.parts.ledger.qty(0));
    const price = all[k - 1].close;
    let openTime = all[k - 1].openTime + MINUTE;
    const bar = (close: number): Bar => {
      const b = {openTime, open: close, high: close + 1, low: close - 1, close, volume: 10};
      openTime += MINUTE;
      return b;
    };
    // 0.05 BTC against 1000 USDT: 2200 against the position is an 11 % drawdown, 3400 is 17 % (the
    // strategy may reverse at the first bar's close: market orders fill at the next open, the 3400 gap).
    const times: number[] = [];
    for (const move of [2200, 3400, 3400, 3400]) times.push(await drive(bar(price - side * move)));
    await waitFor(() => telegram.sent.filter((m) => m.text.includes('Drawdown')).length >= 2, 'the drawdown alerts');
    // Slack has held its first request open all along: the bars were decided meanwhile, not after it.
    expect(slack.requests.length).toBeGreaterThanOrEqual(1);
    expect(slack.sent).toEqual([]);
    const failedSoFar = parseExposition((await telemetry.metrics()).body).find((f) => f.name === 'iftb_alerts_failed_total')!;
    expect(failedSoFar.metrics.find((m) => m.labels!.channel === 'slack')!.value).toBe('0'); // still hanging, not yet given up
    for (const t of times) expect(t).toBeLessThan(15_000);

    const drawdown = telegram.sent.filter((m) => m.text.includes('Drawdown'));
    expect(drawdown.map((m) => m.text.slice(0, m.text.indexOf(']') + 1))).toEqual(['[WARNING]', '[CRITICAL]']);
    expect(drawdown[0].text).toMatch(/Drawdown 1\d\.\d\d % reached the warning level 10\.00 %/);
    expect(drawdown.every((m) => m.chatId === '4242')).toBe(true);
    // The breaker tripped at 15 %: that is its own alert.
    expect(telegram.sent.some((m) => /Circuit breaker tripped \(drawdown\)/.test(m.text))).toBe(true);

    // The other commands, through the session's loop.
    const replyTo = async (text: string) => {
      const before = telegram.sent.length;
      telegram.push(4242, text);
      await waitFor(() => telegram.sent.slice(before).some((m) => !m.text.startsWith('[')), `the reply to ${text}`);
      return telegram.sent.slice(before).find((m) => !m.text.startsWith('['))!.text;
    };
    expect(await replyTo('/breaker')).toMatch(/^circuit breaker OPEN \(tripped: drawdown, since .+\)\ndrawdown 1\d\.\d\d % \(trip 15 %\)/);
    expect(await replyTo('/positions')).toMatch(/^BTC\/USDT:USDT: /);
    expect(await replyTo('/pause')).toBe('pause: ok');
    expect(handle!.session.parts.gate.paused).toBe(true);
    expect(await replyTo('/status')).toMatch(/^session p[0-9a-f]{8} \(paper\)\ntrading halted \(paused\), breaker OPEN, kill switch released/);
    expect(await replyTo('/resume')).toBe('resume: ok');
    expect(handle!.session.parts.gate.paused).toBe(false);

    // /killswitch from the allowed chat: engaged through the loop, answered with the confirmation code.
    telegram.push(4242, '/killswitch flash crash');
    telegram.push(777, '/killswitch not allowed');
    await waitFor(() => telegram.sent.some((m) => m.text.includes('Confirmation code')), 'the kill switch reply');
    const reply = telegram.sent.find((m) => m.text.includes('Confirmation code'))!;
    const code = /Confirmation code: ([A-Z0-9]{6})/.exec(reply.text)![1];
    expect(handle!.session.killSwitch.engaged).toBe(true);
    expect(handle!.loop.journal.some((e) => e.type === 'kill-switch' && e.action === 'activate' && e.by === 'telegram:4242' && e.reason === 'flash crash')).toBe(true);
    await waitFor(() => telegram.sent.some((m) => m.text.startsWith('[CRITICAL]') && m.text.includes('Kill switch ENGAGED (telegram:4242: flash crash)')), 'the kill switch alert');
    await waitFor(() => logs.some((l) => /chat 777 ignored/.test(l)), 'the refused chat in the log');
    const engaged = parseExposition((await telemetry.metrics()).body);
    const gauge = (name: string, labels: Record<string, string> = {}) => engaged.find((f) => f.name === name)!.metrics.find((m) => Object.entries(labels).every(([a, b]) => m.labels?.[a] === b))!.value;
    expect(gauge('iftb_kill_switch_engaged')).toBe('1');
    expect(gauge('iftb_trading_state', {state: 'halted'})).toBe('1');
    expect(gauge('iftb_trading_state', {state: 'active'})).toBe('0');
    expect(gauge('iftb_position_qty', {symbol: 'BTC/USDT:USDT'})).toBe('0');
    await handle!.session.killSwitch.deactivate(code, 'test');

    // Telegram down (500) too: bars go on; the failure is counted after the retry.
    telegram.fault({kind: 'status', status: 500});
    await drive(bar(price - side * 3400));
    await waitFor(() => logs.some((l) => /alert to telegram failed/.test(l)), 'a counted telegram failure');
    telegram.fault(null);
    await telemetry.close();
    const failed = parseExposition((await telemetry.metrics()).body).find((f) => f.name === 'iftb_alerts_failed_total')!;
    expect(Number(failed.metrics.find((m) => m.labels!.channel === 'telegram')!.value)).toBeGreaterThanOrEqual(1);
    // Closing gave up on the hanging Slack deliveries: counted, too.
    expect(Number(failed.metrics.find((m) => m.labels!.channel === 'slack')!.value)).toBeGreaterThanOrEqual(1);
    const sentTotal = parseExposition((await telemetry.metrics()).body).find((f) => f.name === 'iftb_alerts_sent_total')!;
    expect(Number(sentTotal.metrics.find((m) => m.labels!.channel === 'telegram' && m.labels!.level === 'critical')!.value)).toBeGreaterThanOrEqual(2);
    telemetry = null;
  }, 120_000);

  it('live: a rejected order and a reconciliation mismatch are counted and alerted to Slack', async () => {
    const slack = await startLocalSlack();
    closers.push(() => slack.close());
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 120);
    const {parsed, env} = await start({...CONFIG, alerts: {slack: {enabled: true, webhook_url: '${SLACK_URL}'}}}, all.slice(0, HISTORY), {}, 'live');
    telemetry = attachTelemetry(handle!, {alerts: resolveAlerts(parsed.alerts, {...env, SLACK_URL: slack.webhookUrl}), delivery: {timeoutMs: 5000, retries: 0}});
    watchSlots();
    // The bot's next order is refused for margin (-2019), as Binance answers it.
    exchange!.inject({kind: 'reject', path: '/fapi/v1/order', method: 'POST', code: -2019, msg: 'Margin is insufficient.'});
    let k = HISTORY;
    while (!handle!.loop.journal.some((e) => e.type === 'rejected')) {
      expect(k).toBeLessThan(all.length);
      await drive(all[k++]);
    }
    await drive(all[k++]);
    await telemetry.alerts!.idle();
    const families = parseExposition((await telemetry.metrics()).body);
    const value = (name: string, labels: Record<string, string>) => Number(families.find((f) => f.name === name)!.metrics.find((m) => Object.entries(labels).every(([a, b]) => m.labels?.[a] === b))!.value);
    const rejected = handle!.loop.journal.filter((e) => e.type === 'rejected').length;
    expect(value('iftb_orders_total', {outcome: 'rejected'})).toBe(rejected);
    expect(value('iftb_exchange_errors_total', {kind: 'rejected'})).toBeGreaterThanOrEqual(rejected);
    expect(value('iftb_up', {mode: 'live'})).toBe(1);
    const alerts = slack.sent.filter((m) => m.text.includes('Order rejected (insufficient-margin)'));
    // Rejections of one reason within a minute: one message.
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toMatch(/^\[WARNING\] IFTB l[0-9a-f]{8} \(live\): Order rejected \(insufficient-margin\): order \d+/);
    expect(value('iftb_alerts_sent_total', {channel: 'slack', level: 'warning'})).toBe(slack.sent.filter((m) => m.text.startsWith('[WARNING]')).length);
    expect(value('iftb_reconciliation_mismatches_total', {})).toBe(0);

    // Someone places an order on the account by hand while the user stream is silent (an order the
    // stream reports is adopted quietly): the next reconciliation pass finds it.
    exchange!.stallStreams('user');
    const manual = new BinanceUsdmExchangeClient({endpoints: {restUrl: exchange!.url, wsUrl: exchange!.wsUrl, testnet: false}, credentials: {apiKey: exchange!.apiKey, apiSecret: exchange!.apiSecret}});
    closers.push(() => manual.close());
    await manual.createOrder({symbol: 'BTC/USDT:USDT', clientOrderId: 'by-hand-1', side: 'buy', type: 'limit', qty: 0.01, price: 10_000, reduceOnly: false});
    const scrape = async (name: string, labels: Record<string, string> = {}) => {
      const f = parseExposition((await telemetry!.metrics()).body).find((x) => x.name === name)!;
      return Number(f.metrics.find((m) => Object.entries(labels).every(([a, b]) => m.labels?.[a] === b))!.value);
    };
    const deadline = Date.now() + 30_000;
    while ((await scrape('iftb_reconciliation_mismatches_total')) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await scrape('iftb_reconciliation_mismatches_total')).toBe(1);
    await waitFor(() => slack.sent.some((m) => m.text.startsWith('[CRITICAL]') && m.text.includes('Reconciliation mismatch (1): BTC/USDT:USDT: open order by-hand-1')), 'the mismatch alert');
    // The mismatch restricts trading (reducing) until an operator resumes.
    expect(await scrape('iftb_trading_state', {state: 'reducing'})).toBe(1);
  }, 120_000);
});
