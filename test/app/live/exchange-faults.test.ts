/**
 * The exchange misbehaving mid-session (5xx, 429, an unanswered create, dropped WebSockets, a
 * closed kline that never comes): the bot keeps its state, decides every bar exactly once, and
 * ends holding what the exchange holds, with one order per client id.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import type {Bar, JournalEvent} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const SYMBOL = 'BTC/USDT:USDT';
// The error-rate rule is off: these faults would (rightly) halt trading, and this file is about what
// happens to orders and bars under them; the breaker's reaction is exchange-error-rate.test.ts.
const CONFIG = {strategy: 'sma-cross', symbol: SYMBOL, timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}, errorRate: {enabled: false}}};


describe('live session under exchange faults', () => {
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

  const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 90);
  const future = all.slice(HISTORY);
  const lines: string[] = [];
  const decided: number[] = [];

  async function start(live: Record<string, unknown> = {}) {
    dir = mkdtempSync(join(tmpdir(), 'iftb-faults-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    const config = parseLiveConfig({...CONFIG, live: {mode: 'live', pollGraceMs: 60_000, reconcileEveryMs: 600_000, ...live}});
    lines.length = 0;
    decided.length = 0;
    handle = await startLive(config, {db: join(dir, 'bot.duckdb'), env, confirmLive: SYMBOL, log: (l) => lines.push(l)});
    handle.loop.observe({slot: (s) => decided.push(s.openTimeMs)});
    return handle;
  }

  async function step(bar: Bar, input: {missClosed?: boolean} = {}): Promise<void> {
    exchange!.advance({symbol: 'BTCUSDT', bar, ...input});
    await waitFor(() => decided.includes(bar.openTime), `bar ${new Date(bar.openTime).toISOString()}`);
  }

  /** One order per client id at the exchange, every exchange trade delivered once, the ledger equal to the exchange. */
  function expectConsistent(journal: readonly JournalEvent[]) {
    const orders = journal.flatMap((e) => (e.type === 'order' ? [e.order.clientOrderId] : []));
    for (const cid of orders) expect(exchange!.ordersByClientId(cid).length, cid).toBeLessThanOrEqual(1);
    const fills = journal.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
    expect(fills.length).toBe(exchange!.trades().length);
    expect(handle!.session.parts.ledger.qty(0)).toBeCloseTo(exchange!.positions()[0]?.qty ?? 0, 9);
    expect(handle!.session.parts.ledger.totals.fees).toBeCloseTo(exchange!.trades().reduce((sum, t) => sum + t.commission, 0), 9);
    expect(decided).toEqual(decided.map((_, k) => decided[0] + k * MINUTE)); // every bar once, in order
    expect(journal.filter((e) => e.type === 'error' && e.code === 'IFTB_E_VENUE_MISMATCH')).toEqual([]);
  }

  it('rides out 5xx, 429 and an unanswered create: the order is resolved by client id, nothing is sent twice', async () => {
    const h = await start();
    // Every order's fate: the first accepted and never answered, the second refused with 429.
    exchange!.inject({kind: 'timeout-after-accept', path: '/fapi/v1/order', method: 'POST'});
    exchange!.inject({kind: 'server-error', path: '/fapi/v3/positionRisk', times: 2});
    exchange!.inject({kind: 'server-error', path: '/fapi/v1/klines', times: 2});
    let rateLimited = false;
    for (const bar of future) {
      await step(bar);
      const orders = h.loop.journal.filter((e) => e.type === 'order').length;
      if (orders === 1 && !rateLimited) {
        exchange!.inject({kind: 'rate-limit', path: '/fapi/v1/order', method: 'POST', retryAfterSeconds: 1});
        rateLimited = true;
      }
    }
    expect(lines.join('\n')).toMatch(/its fate is resolved by client id/);
    const first = h.loop.journal.find((e) => e.type === 'order');
    expect(first?.type === 'order' && h.session.exchangeVenue!.tracker.get(first.order.clientOrderId)?.state).toBe('filled');
    const refused = h.loop.journal.filter((e) => e.type === 'rejected');
    expect(refused.length).toBe(1);
    expect(JSON.stringify(refused[0])).toMatch(/rate|429|-1003/i);
    expect(h.loop.journal.filter((e) => e.type === 'order').length).toBeGreaterThanOrEqual(2);
    expectConsistent(h.loop.journal);
  });

  it('reconnects dropped streams, backfills the missed bars over REST and decides each once', async () => {
    const h = await start({pollGraceMs: 1500});
    for (const bar of future.slice(0, 20)) await step(bar);
    // Both streams die; three bars close while the bot reconnects (the kline stream cannot deliver them).
    exchange!.dropStreams('all');
    exchange!.refuseStreams(2);
    for (const bar of future.slice(20, 23)) exchange!.advance({symbol: 'BTCUSDT', bar});
    await waitFor(() => decided.includes(future[22].openTime), 'the missed bars to be backfilled');
    // A closed kline that never comes on the stream: the next bar's forming update shows it closed, REST serves it.
    exchange!.advance({symbol: 'BTCUSDT', bar: future[23], missClosed: true});
    for (const bar of future.slice(24, 45)) await step(bar);
    expect(decided).toContain(future[23].openTime);
    // The user stream drops just before an order's bar: its fill comes on the new stream or by REST after the resync, once.
    for (const bar of future.slice(45)) {
      if (bar === future[55]) exchange!.dropStreams('user');
      await step(bar);
    }
    const connections = exchange!.streamConnections();
    expect(connections.accepted.market).toBeGreaterThanOrEqual(2);
    expect(connections.accepted.user).toBeGreaterThanOrEqual(3);
    expect(decided[decided.length - 1]).toBe(future[future.length - 1].openTime);
    expect(h.loop.journal.filter((e) => e.type === 'order').length).toBeGreaterThan(2);
    expectConsistent(h.loop.journal);
  });
});
