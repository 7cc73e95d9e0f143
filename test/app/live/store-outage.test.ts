/**
 * A live session on PostgreSQL (a private cluster the test stops): the bot decides bars through
 * the outage, holds their commits (trading restricted, nothing new opened), writes them in order
 * once the database is back, and loses no fill: the stored session ends equal to the exchange.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {PgStore} from '../../../src/adapters/postgres/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import type {Bar} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {createTestCluster, type TestCluster} from '../../support/pg-cluster.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const SYMBOL = 'BTC/USDT:USDT';
const CONFIG = SMA_CROSS_1M;

async function waitFor(check: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await createTestCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.drop();
}, 120_000);

describe('PostgreSQL stopped under a running live session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    handle = null;
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('queues the commits while the database is down and writes them in order when it is back; no fill is lost', async () => {
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 70);
    const future = all.slice(HISTORY);
    dir = mkdtempSync(join(tmpdir(), 'iftb-pg-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    const lines: string[] = [];
    const config = parseLiveConfig({...CONFIG, live: {mode: 'live', pollGraceMs: 60_000, reconcileEveryMs: 600_000}});
    handle = await startLive(config, {store: cluster.adminUrl, env, confirmLive: SYMBOL, log: (l) => lines.push(l)});
    const h = handle;
    const decided: number[] = [];
    h.loop.observe({slot: (s) => decided.push(s.openTimeMs)});
    const step = async (bar: Bar) => {
      exchange!.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => decided.includes(bar.openTime), `bar ${new Date(bar.openTime).toISOString()}`);
    };
    // Until the first position is held at the exchange and in the ledger.
    let k = 0;
    for (; k < future.length && exchange.trades().length === 0; k++) await step(future[k]);
    await step(future[k++]);
    expect(h.session.parts.ledger.qty(0)).not.toBe(0);
    // The next cross (a reversal) comes while the database is down.
    const ordersBefore = h.loop.journal.filter((e) => e.type === 'order').length;
    for (; k < 50; k++) await step(future[k]);
    expect(h.loop.journal.filter((e) => e.type === 'order').length).toBe(ordersBefore);

    await cluster.stop();
    for (; k < 60; k++) await step(future[k]);
    expect(h.loop.status().pendingCommits).toBeGreaterThan(0);
    expect(h.session.parts.gate.status().state).not.toBe('active');
    expect(lines.join('\n')).toMatch(/state store unreachable/);

    // The reversal was decided, but its row could not be stored first: refused, never sent (the engine heard so).
    expect(h.loop.journal.filter((e) => e.type === 'order').length).toBeGreaterThan(ordersBefore);
    expect(h.loop.journal.filter((e) => e.type === 'rejected').map((e) => e.type === 'rejected' && e.reason)).toContain('not sent: the state store is unreachable');
    expect(lines.join('\n')).toMatch(/not sent: it could not be stored/);
    await cluster.start();
    for (; k < future.length; k++) await step(future[k]);
    await waitFor(() => h.loop.status().pendingCommits === 0, 'the queued commits to be written');
    const sessionId = h.session.session.sessionId;
    const ledgerQty = h.session.parts.ledger.qty(0);
    await h.stop('test end');
    handle = null;

    expect(ledgerQty).toBeCloseTo(exchange.positions()[0]?.qty ?? 0, 9);
    const store = await PgStore.open(cluster.adminUrl);
    try {
      const bars = await store.sessions.bars(sessionId);
      expect(bars.map((b) => b.barOpenMs)).toEqual(decided);
      expect(bars[bars.length - 1].positionQty).toBeCloseTo(ledgerQty, 9);
      const fills = await store.sessions.fills(sessionId);
      expect(fills.map((f) => f.tradeId).sort()).toEqual(exchange.trades().map((t) => String(t.id)).sort());
      const journal = await store.sessions.journal(sessionId);
      expect(journal.filter((e) => e.type === 'fill')).toHaveLength(exchange.trades().length);
      for (const o of await store.sessions.orders(sessionId)) expect(exchange.ordersByClientId(o.clientOrderId)).toHaveLength(1);
      expect((await store.sessions.session(sessionId))?.status).toBe('stopped');
    } finally {
      await store.close();
    }
  });
});
