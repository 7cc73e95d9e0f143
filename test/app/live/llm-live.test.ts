/**
 * The LLM source in a paper session against the local Binance and OpenAI-compatible servers: a
 * request per bar at its close; a slow answer makes its bar abstain at the deadline (the decision
 * is not held longer) and is stored as late; the per-session budget stops calls across a restart;
 * the restart replays the committed bars without a call and identically; a backtest replay of the
 * session's bars gives the session's journal; headlines from a feed reach prompts from their arrival.
 */
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {runBacktest} from '../../../src/app/backtest-runner.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {sessionLlmReplay} from '../../../src/app/live-diff.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {recordLlmAnswers} from '../../../src/app/llm-record.js';
import {ErrorCode, type JournalEvent} from '../../../src/core/index.js';
import {isLlmAnalyzer, isSourceEvent} from '../../../src/signals/llm/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, waveBars} from '../../support/live-candles.js';
import {type RunningOpenAiServer, startOpenAiServer} from '../../support/openai-compatible-server.js';
import {type BotProcess, botEnv, startBot, statusLineOf, writeBotConfig} from '../../support/live-bot.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
/** Enough for the prompts' 300 bars of history before the first bar. */
const HISTORY = 320;
const SOURCE = 'llm.market-read@v1';
/**
 * 0.025 × 1m = 1.5 s: the bar deadline (llm.timeoutMs is longer, so a slow answer still arrives,
 * late). Far above a prompt answered at once on a loaded machine (600 ms was missed once, on CI).
 */
const DEADLINE_MS = 1500;
const SLOW_MS = 3000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
const closeOf = (k: number) => T0 + (k + 1) * MINUTE;

function config(llm: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseLiveConfig({
    strategy: 'ensemble', params: {model: 'absent@1'}, symbol: 'BTC/USDT:USDT', timeframe: '1m', funding: false, breaker: {latency: {enabled: false}},
    llm: {mode: 'call', model: 'test-model', models: {'test-model': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 2}}, timeoutMs: 5000, ...llm},
    live: {pollGraceMs: 60_000, llmDeadlineFraction: DEADLINE_MS / MINUTE},
    ...extra,
  });
}

/** The bar close a chat request asked about (its prompt's snapshot time). */
function snapshotOf(body: {messages: ReadonlyArray<{role: string; content: string}>} | null): string | null {
  return body?.messages.find((m) => m.role === 'user')?.content.match(/Snapshot time: (\S+) /)?.[1] ?? null;
}

const llmErrors = (journal: readonly JournalEvent[]) => journal.filter((e) => isSourceEvent(e, SOURCE)) as Extract<JournalEvent, {type: 'error'}>[];

describe('the LLM source in a paper session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let llm: RunningOpenAiServer | null = null;
  let handle: LiveHandle | null = null;
  let feed: Server | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    await llm?.close();
    await new Promise((resolve) => (feed === null ? resolve(null) : feed.close(resolve)));
    handle = null;
    exchange = null;
    llm = null;
    feed = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('abstains on time on slow answers, keeps its budget across a restart, replays without calling and identically', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-llm-live-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 12);
    const slow = new Set([iso(closeOf(1)), iso(closeOf(4))]);
    llm = await startOpenAiServer({slowMs: SLOW_MS, fault: (_n, body) => (slow.has(snapshotOf(body) ?? '') ? 'slow' : null)});
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, IFTB_LLM_BASE_URL: llm.url, OPENAI_API_KEY: 'test-key'};
    const db = join(dir, 'bot.duckdb');
    const cfg = config({maxCalls: 8});
    const lines: string[] = [];
    const start = async () => {
      handle = await startLive(cfg, {db, env, log: (l) => lines.push(l)});
      const source = handle.session.lanes[0].analyzers.find(isLlmAnalyzer)!;
      expect(source.deadlineMs).toBe(DEADLINE_MS);
      return source;
    };
    const decidedAt = new Map<number, number>();
    const run = async (from: number, to: number) => {
      handle!.loop.observe({slot: (info) => decidedAt.set(info.openTimeMs + MINUTE, Date.now())});
      for (const bar of all.slice(HISTORY + from, HISTORY + to)) {
        exchange!.advance({symbol: 'BTCUSDT', bar});
        await waitFor(() => handle!.loop.status().lastBarMs === bar.openTime, `bar ${iso(bar.openTime)}`);
      }
    };

    let source = await start();
    const sessionId = handle!.session.session.sessionId;
    await run(0, 6);
    // One request per bar, asked at its close about that bar; the slow ones answered late, after the bar was decided.
    const asked = () => llm!.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => ({close: snapshotOf(r.body), atMs: r.atMs}));
    expect(asked().map((r) => r.close)).toEqual([0, 1, 2, 3, 4, 5].map((k) => iso(closeOf(k))));
    for (const k of [1, 4]) {
      const request = asked().find((r) => r.close === iso(closeOf(k)))!;
      const waited = decidedAt.get(closeOf(k))! - request.atMs;
      // Decided at the deadline (not before: it waited; not at the answer, SLOW_MS after the request).
      expect(waited).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(waited).toBeLessThan(SLOW_MS - 300);
    }
    const failures = llmErrors(handle!.loop.journal);
    expect(failures.map((e) => [e.timeMs, e.code])).toEqual([[closeOf(1), ErrorCode.LLM_FAILED], [closeOf(4), ErrorCode.LLM_FAILED]]);
    expect(failures[0].message).toBe(`${SOURCE} ${iso(closeOf(1))}: no answer within the ${DEADLINE_MS} ms deadline; the bar abstains`);
    // The late answers are stored (cost, audit) once they arrive.
    await waitFor(() => source.runPart.calls === 6, 'the late answers');
    expect(source.runPart).toMatchObject({calls: 6, called: 4});
    const signals = (journal: readonly JournalEvent[], close: number) => JSON.stringify(journal.filter((e) => e.timeMs === close && e.type !== 'error'));
    const firstJournal = [...handle!.loop.journal];
    await handle!.stop('restart');

    // Restart: the six committed bars replay from the store (no call), the two slow ones abstaining as they did.
    const before = llm.chatCount();
    source = await start();
    expect(handle!.loop.status().replayMismatch).toBeNull();
    expect(lines.some((l) => l.includes(`replayed 6 committed bars of ${sessionId}, journal identical`))).toBe(true);
    expect(llm.chatCount()).toBe(before);
    expect(JSON.stringify(handle!.loop.journal.slice(0, firstJournal.length))).toBe(JSON.stringify(firstJournal));
    expect(signals(handle!.loop.journal, closeOf(1))).toBe(signals(firstJournal, closeOf(1)));

    // The budget is the session's: 6 calls were made, 2 are left, then every bar abstains.
    await run(6, 12);
    expect(llm.chatCount()).toBe(8);
    expect(asked().slice(6).map((r) => r.close)).toEqual([iso(closeOf(6)), iso(closeOf(7))]);
    const budget = llmErrors(handle!.loop.journal).filter((e) => e.code === ErrorCode.LLM_BUDGET);
    expect(budget.map((e) => e.timeMs)).toEqual([closeOf(8)]);
    expect(source.budgetUsed).toBe(1);
    const metrics = await import('../../../src/app/live-telemetry.js').then(({attachTelemetry}) => attachTelemetry(handle!, {defaultMetrics: false}));
    const body = (await metrics.metrics()).body;
    await metrics.close();
    expect(body).toMatch(/iftb_llm_budget_used_ratio 1\b/);
    const journal = JSON.stringify(handle!.loop.journal);
    await handle!.stop('test');
    handle = null;

    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const key = {promptId: 'market-read@v1', model: 'test-model', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m'} as const;
      const rows = await store.llmAnswers.rows(key);
      expect(rows).toHaveLength(8);
      expect(rows.every((r) => r.sessionId === sessionId)).toBe(true);
      expect(rows.filter((r) => r.late).map((r) => [r.barCloseMs, r.status])).toEqual([[closeOf(1), 'ok'], [closeOf(4), 'ok']]);
      // A backtest over the session's bars, replaying what the session used, gives its journal byte for byte.
      const trading = {...cfg.trading, fromMs: T0, toMs: T0 + 12 * MINUTE};
      const replay = await runBacktest(store, trading, {runId: sessionId, llm: sessionLlmReplay(store, store.sessions, sessionId)});
      expect(JSON.stringify(replay.journal)).toBe(journal);
      // A plain replay backtest uses the same answers (the late ones never): only the session's LLM failure events are missing.
      const plain = await runBacktest(store, {...trading, llm: {...cfg.trading.llm, mode: 'replay'}}, {runId: sessionId});
      expect(JSON.stringify(plain.journal)).toBe(JSON.stringify(JSON.parse(journal).filter((e: JournalEvent) => !isSourceEvent(e, SOURCE))));
    } finally {
      store.close();
    }
  });

  it('puts a feed\'s headlines in prompts from their arrival, not their publication, and an offline rebuild sends the same prompts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-llm-news-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 4);
    // Published before every bar; the second one only appears in the feed after bar 1 is decided.
    const items: {id: string; title: string; published: string}[] = [{id: 'a', title: 'ETF inflows hit a record', published: new Date(T0 - 3_600_000).toISOString()}];
    feed = createServer((req, res) => {
      if (req.url === '/broken') {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({items: [...items, {title: ''}]}));
    });
    await new Promise<void>((resolve) => feed!.listen(0, '127.0.0.1', resolve));
    const feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
    llm = await startOpenAiServer();
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, IFTB_LLM_BASE_URL: llm.url, OPENAI_API_KEY: 'test-key'};
    const db = join(dir, 'bot.duckdb');
    const cfg = config({}, {news: {feeds: [
      {name: 'wire', kind: 'json', url: `${feedUrl}/items.json`, pollMs: 100, source: 'wire'},
      {name: 'down', kind: 'rss', url: `${feedUrl}/broken`, pollMs: 100},
    ]}});
    const lines: string[] = [];
    handle = await startLive(cfg, {db, env, log: (l) => lines.push(l)});
    // The first poll (storing the first headline) ran as the session started; a later poll of the feed means it is stored.
    let polls = 0;
    let stored = 0;
    handle.session.llm.news!.listen({polled: (name, info) => {
      if (name !== 'wire') return;
      polls++;
      stored += info.stored;
    }});
    const step = async (k: number) => {
      exchange!.advance({symbol: 'BTCUSDT', bar: all[HISTORY + k]});
      await waitFor(() => handle!.loop.status().lastBarMs === all[HISTORY + k].openTime, `bar ${k}`);
    };
    await waitFor(() => polls > 0, 'a poll of the feed');
    await step(0);
    await step(1);
    items.push({id: 'b', title: 'Exchange halts withdrawals', published: new Date(T0 - 1_800_000).toISOString()});
    await waitFor(() => stored === 1, 'the second headline stored');
    await step(2);
    await step(3);
    expect(lines.filter((l) => l.startsWith('news feed down failed (HTTP 500)'))).toHaveLength(1);
    const prompts = llm.requests.map((r) => r.body!.messages.find((m) => m.role === 'user')!.content);
    expect(prompts).toHaveLength(4);
    expect(prompts.map((p) => [p.includes('[wire] ETF inflows hit a record'), p.includes('[wire] Exchange halts withdrawals')])).toEqual([
      [true, false], [true, false], [true, true], [true, true],
    ]);
    // Shown at its arrival (between the closes of bars 1 and 2), not its publication.
    const shown = prompts[2].match(/(\S+) \[wire\] Exchange halts withdrawals/)![1];
    expect(Date.parse(shown)).toBeGreaterThanOrEqual(closeOf(1) - MINUTE);
    expect(Date.parse(shown)).toBeLessThan(closeOf(2));
    await handle.stop('test');
    handle = null;

    // `iftb llm record` over the session's bars rebuilds every prompt from the store: all four are already answered.
    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const report = await recordLlmAnswers(store, {config: {...cfg.trading, fromMs: T0, toMs: T0 + 4 * MINUTE}, llm: {endpoint: {baseUrl: llm.url, apiKey: 'test-key'}}});
      expect(report).toMatchObject({targets: 4, alreadyRecorded: 4, calls: 0});
    } finally {
      store.close();
    }
  });

  it('kill -9 of a real `iftb live` process with a late answer stored and another in flight: the restart replays identically and asks nothing again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-llm-kill-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 5);
    const slow = new Set([iso(closeOf(1)), iso(closeOf(3))]);
    llm = await startOpenAiServer({slowMs: SLOW_MS, fault: (_n, body) => (slow.has(snapshotOf(body) ?? '') ? 'slow' : null)});
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    const trading = {
      strategy: 'ensemble', params: {model: 'absent@1'}, symbol: 'BTC/USDT:USDT', timeframe: '1m', funding: false, breaker: {latency: {enabled: false}},
      llm: {mode: 'call', model: 'test-model', models: {'test-model': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 2}}, timeoutMs: 5000},
    };
    const file = writeBotConfig(dir, {...trading, live: {pollGraceMs: 60_000, llmDeadlineFraction: DEADLINE_MS / MINUTE}});
    const db = join(dir, 'bot.duckdb');
    const env = botEnv(exchange, {IFTB_LLM_BASE_URL: llm.url, OPENAI_API_KEY: 'test-key'});
    const bots: BotProcess[] = [];
    try {
      const step = async (bot: BotProcess, k: number) => {
        exchange!.advance({symbol: 'BTCUSDT', bar: all[HISTORY + k]});
        await bot.waitFor(statusLineOf(closeOf(k)), `the status line of bar ${k}`);
      };
      const first = startBot(['--config', file, '--db', db], env);
      bots.push(first);
      await first.waitFor(/session p[0-9a-f]{8} running/, 'the session to run');
      for (const k of [0, 1, 2]) await step(first, k);
      // Bar 1's late answer arrives and is stored; bar 3 is decided on its deadline, and the process dies with its request in flight.
      await waitFor(() => llm!.requests.length === 3, 'three requests');
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      await step(first, 3);
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(llm.chatCount()).toBe(4);

      const second = startBot(['--config', file, '--db', db], env);
      bots.push(second);
      await second.waitFor(/replayed 4 committed bars of p[0-9a-f]{8}, journal identical/, 'the replay');
      await second.waitFor(/session p[0-9a-f]{8} running/, 'the session to run again');
      expect(llm.chatCount()).toBe(4);
      await step(second, 4);
      expect(llm.chatCount()).toBe(5);
      second.kill('SIGTERM');
      await second.exited;

      const store = await DuckDbStore.open(db, {seed: false});
      try {
        const [row] = await store.db.rows('SELECT session_id AS id FROM sessions');
        const journal = await store.sessions.journal(String(row.id));
        expect(llmErrors(journal).map((e) => e.timeMs)).toEqual([closeOf(1), closeOf(3)]);
        const rows = await store.db.rows('SELECT bar_close_ms, late FROM llm_answers ORDER BY id');
        // Bar 3's answer never arrived (the process was gone): four stored rows, bar 1's late.
        expect(rows.map((r) => [Number(r.bar_close_ms), r.late])).toEqual([[closeOf(0), false], [closeOf(2), false], [closeOf(1), true], [closeOf(4), false]]);
      } finally {
        store.close();
      }
    } finally {
      for (const bot of bots) {
        bot.kill('SIGKILL');
        await bot.exited;
      }
    }
  });
});
