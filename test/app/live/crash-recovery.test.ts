/**
 * Crash safety with a real `iftb live --live` process: kill -9 at the two dangerous moments of an
 * order's life, restart on the same store, and compare with the exchange (which lives on in the
 * test process). SIGTERM: exit within 10 s, session stopped, positions kept or closed.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/store.js';
import type {Bar, TrackedOrder} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, waveBars} from '../../support/live-candles.js';
import {type BotProcess, botEnv, killBots, startBot, statusLineOf, writeBotConfig} from '../../support/live-bot.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const SYMBOL = 'BTC/USDT:USDT';
// Latency off: a loaded machine must not change decisions. Long poll grace: bars come from the stream.
const CONFIG = {
  strategy: 'sma-cross', symbol: SYMBOL, timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}},
  live: {pollGraceMs: 60_000, reconcileEveryMs: 600_000},
};

async function until<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Stored {
  sessionId: string;
  status: string;
  orders: TrackedOrder[];
  fills: {tradeId: string}[];
  lastPositionQty: number;
  bars: number;
  journalFills: number;
  journalErrors: string[];
}

async function readStore(db: string): Promise<Stored> {
  const store = await DuckDbStore.open(db, {seed: false});
  try {
    const [row] = await store.db.rows(`SELECT session_id AS id FROM sessions ORDER BY started_ms DESC LIMIT 1`);
    const sessionId = String(row.id);
    const session = (await store.sessions.session(sessionId))!;
    const bars = await store.sessions.bars(sessionId);
    const journal = await store.sessions.journal(sessionId);
    return {
      sessionId, status: session.status, orders: await store.sessions.orders(sessionId), fills: await store.sessions.fills(sessionId),
      lastPositionQty: bars.length > 0 ? bars[bars.length - 1].positionQty : 0, bars: bars.length,
      journalFills: journal.filter((e) => e.type === 'fill').length,
      journalErrors: journal.flatMap((e) => (e.type === 'error' ? [`${e.code}: ${e.message}`] : [])),
    };
  } finally {
    store.close();
  }
}

describe('iftb live --live survives kill -9 and stops cleanly on SIGTERM', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    await killBots(bots);
    await exchange?.close();
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 90);
  const future = all.slice(HISTORY);

  async function setup() {
    dir = mkdtempSync(join(tmpdir(), 'iftb-crash-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const config = writeBotConfig(dir, CONFIG);
    const db = join(dir, 'bot.duckdb');
    const args = ['--config', config, '--live', '--confirm-live', SYMBOL, '--db', db];
    return {db, args, env: botEnv(exchange)};
  }

  function launch(args: readonly string[], env: NodeJS.ProcessEnv): BotProcess {
    const bot = startBot(args, env);
    bots.push(bot);
    return bot;
  }

  /** Drives one bar and waits for the bot's status line of it. */
  async function step(bot: BotProcess, bar: Bar): Promise<void> {
    exchange!.advance({symbol: 'BTCUSDT', bar});
    await bot.waitFor(statusLineOf(bar.openTime + MINUTE), `the status line of ${new Date(bar.openTime).toISOString()}`);
  }

  /** Create-order requests the exchange accepted (answered 200, or processed and held unanswered). */
  const orderPosts = () => exchange!.requestLog('/fapi/v1/order').filter((r) => r.method === 'POST' && r.processed && (r.status === 200 || r.status === null));

  /** Every order at the exchange was accepted once per client id; the session's stored state equals the exchange's. */
  async function expectConsistent(db: string) {
    const stored = await readStore(db);
    for (const o of stored.orders) expect(exchange!.ordersByClientId(o.clientOrderId), o.clientOrderId).toHaveLength(1);
    const posts = orderPosts().map((r) => r.params.newClientOrderId);
    expect(new Set(posts).size, 'one create request per client id').toBe(posts.length);
    const trades = exchange!.trades();
    expect(stored.fills.map((f) => f.tradeId).sort()).toEqual(trades.map((t) => String(t.id)).sort());
    expect(stored.journalFills).toBe(trades.length);
    const atExchange = exchange!.positions().find((p) => p.symbol === 'BTCUSDT')?.qty ?? 0;
    expect(stored.lastPositionQty).toBeCloseTo(atExchange, 9);
    return stored;
  }

  it('kill -9 while the create-order request is unanswered: after a restart, no second order, the fill recorded once', async () => {
    const {db, args, env} = await setup();
    // The exchange accepts (and fills) the first order and never answers it.
    exchange!.inject({kind: 'timeout-after-accept', path: '/fapi/v1/order', method: 'POST'});
    const bot = launch(args, env);
    await bot.waitFor(/session l[0-9a-f]{8} running/, 'the session to run');
    let k = 0;
    for (; k < future.length; k++) {
      exchange!.advance({symbol: 'BTCUSDT', bar: future[k]});
      const line = statusLineOf(future[k].openTime + MINUTE);
      await until(() => orderPosts().length > 0 || line.test(bot.output()), `bar ${k}`);
      if (orderPosts().length > 0) break;
    }
    expect(k).toBeLessThan(future.length);
    // The order row was stored before the request left; the exchange filled it; the bot waits for the answer.
    bot.kill('SIGKILL');
    expect((await bot.exited).signal).toBe('SIGKILL');
    const [post] = orderPosts();
    expect(post.status).toBeNull();
    const cid = post.params.newClientOrderId;
    expect(exchange!.ordersByClientId(cid)).toHaveLength(1);
    expect(exchange!.ordersByClientId(cid)[0].status).toBe('FILLED');
    const crashed = await readStore(db);
    expect(crashed.orders.find((o) => o.clientOrderId === cid)?.state).toBe('pending');
    expect(crashed.fills).toEqual([]);

    const again = launch(args, env);
    await again.waitFor(/session l[0-9a-f]{8} running/, 'the restarted session to run');
    // The bar the crash interrupted was decided again at the restart; the market goes on.
    for (const bar of future.slice(k + 1, k + 40)) await step(again, bar);
    again.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
    const stored = await expectConsistent(db);
    expect(stored.orders.find((o) => o.clientOrderId === cid)?.state).toBe('filled');
    expect(stored.orders.length).toBeGreaterThan(1);
    expect(stored.status).toBe('stopped');
    expect(stored.journalErrors).toEqual([]);
  });

  it('kill -9 after the exchange filled the order but before the bot stored the fill: the restart recovers it exactly once', async () => {
    const {db, args, env} = await setup();
    // The stream stays up but tells nothing, and the trade history answers 502: the bot cannot learn of the fill.
    exchange!.holdUserEvents();
    exchange!.inject({kind: 'server-error', path: '/fapi/v1/userTrades', times: 1_000_000});
    const bot = launch(args, env);
    await bot.waitFor(/session l[0-9a-f]{8} running/, 'the session to run');
    let k = 0;
    for (; k < future.length && exchange!.trades().length === 0; k++) await step(bot, future[k]);
    expect(exchange!.trades()).toHaveLength(1);
    // One more bar: the bot is past the order, its fill still unknown to it.
    await step(bot, future[k++]);
    bot.kill('SIGKILL');
    await bot.exited;
    const crashed = await readStore(db);
    expect(crashed.fills).toEqual([]);
    expect(crashed.lastPositionQty).toBe(0);
    expect(exchange!.positions()[0]?.qty).not.toBe(0);

    exchange!.faults.clear();
    const again = launch(args, env);
    await again.waitFor(/session l[0-9a-f]{8} running/, 'the restarted session to run');
    // The late stream events now reach the new connection too: the same trade id, applied once.
    expect(exchange!.releaseUserEvents()).toBeGreaterThan(0);
    for (const bar of future.slice(k, k + 40)) await step(again, bar);
    again.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
    const stored = await expectConsistent(db);
    expect(stored.orders.length).toBeGreaterThan(1);
    expect(stored.journalErrors).toEqual([]);
  });

  it('SIGTERM: exits within 10 s, the session stopped and its position kept; with --on-exit close, flat at the exchange', async () => {
    const {db, args, env} = await setup();
    const bot = launch(args, env);
    await bot.waitFor(/session l[0-9a-f]{8} running/, 'the session to run');
    let k = 0;
    for (; k < future.length && exchange!.trades().length === 0; k++) await step(bot, future[k]);
    await step(bot, future[k++]);
    const held = exchange!.positions()[0]?.qty ?? 0;
    expect(held).not.toBe(0);
    let sent = Date.now();
    bot.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(bot.output()).toMatch(/session l[0-9a-f]{8} stopped \(SIGTERM\)/);
    const kept = await readStore(db);
    expect(kept.status).toBe('stopped');
    expect(exchange!.positions()[0]?.qty).toBe(held);
    expect(kept.lastPositionQty).toBeCloseTo(held, 9);

    // The same session resumes; this time SIGTERM closes the position before exiting.
    const closing = launch([...args, '--on-exit', 'close'], env);
    await closing.waitFor(/resuming session/, 'the session to resume');
    await closing.waitFor(/session l[0-9a-f]{8} running/, 'the resumed session to run');
    await step(closing, future[k++]);
    sent = Date.now();
    closing.kill('SIGTERM');
    expect((await closing.exited).code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(exchange!.positions()).toEqual([]);
    const closed = await readStore(db);
    expect(closed.sessionId).toBe(kept.sessionId);
    expect(closed.status).toBe('stopped');
    const closeOrder = closed.orders.find((o) => o.reduceOnly && o.state === 'filled');
    expect(closeOrder).toBeDefined();
    expect(exchange!.ordersByClientId(closeOrder!.clientOrderId)).toHaveLength(1);
    // The closing fill was stored before the exit, not left for the next start to recover.
    expect(closed.fills.map((f) => f.tradeId).sort()).toEqual(exchange!.trades().map((t) => String(t.id)).sort());
  });
});
