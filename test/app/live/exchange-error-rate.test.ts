/**
 * The breaker's error-rate rule in a running bot: exchange requests and failures over the last
 * five minutes reach the breaker at each bar (and are stored with the bar, so a restart replays
 * the same verdict). A burst of 5xx answers trips it; trading halts (the rule's default), journaled.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const CONFIG = {strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}, staleData: {enabled: false}}};


describe('exchange error rate in a live session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    handle = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('trips the breaker on a burst of 5xx answers and stores the counts with each bar', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-live-errors-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 40);
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    // Reconciliation every second: a steady flow of REST requests for the errors to land on.
    handle = await startLive(parseLiveConfig({...CONFIG, live: {mode: 'live', pollGraceMs: 60_000, reconcileEveryMs: 1000}}), {db: join(dir, 'bot.duckdb'), env, confirmLive: 'BTC/USDT:USDT', log: () => {}});
    const h = handle;
    const step = async (bar: (typeof all)[number]) => {
      exchange!.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => h.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
    };
    for (const bar of all.slice(HISTORY, HISTORY + 5)) await step(bar);
    expect(h.session.parts.breaker.state).toBe('CLOSED');
    const before = h.exchange.errors;

    exchange.inject({kind: 'server-error', method: 'GET', times: 40});
    await waitFor(() => h.exchange.errors - before >= 20 && exchange!.faults.left().length === 0, 'the 5xx answers to be spent', 60_000);
    await step(all[HISTORY + 5]);

    expect(h.session.parts.breaker.state).toBe('OPEN');
    const trip = h.loop.journal.find((e) => e.type === 'state' && e.to === 'halted');
    expect(trip).toMatchObject({cause: expect.stringContaining('error-rate')});
    await h.stop('test');
    handle = null;
    const store = await DuckDbStore.open(join(dir, 'bot.duckdb'), {seed: false});
    try {
      const bars = await store.sessions.bars(h.session.session.sessionId);
      const last = bars[bars.length - 1];
      expect(last.venueErrors).toBeGreaterThanOrEqual(20);
      expect(last.venueRequests).toBeGreaterThanOrEqual(last.venueErrors);
      expect(bars[0].venueErrors).toBeLessThan(5);
    } finally {
      store.close();
    }
  }, 120_000);
});
