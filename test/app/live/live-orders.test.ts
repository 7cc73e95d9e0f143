import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {ErrorCode} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const CONFIG = SMA_CROSS_1M;
const LIVE = {mode: 'live', pollGraceMs: 60_000};


describe('live trading against a local Binance USDⓈ-M exchange', () => {
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

  async function start(bars = waveBars(T0 - HISTORY * MINUTE, HISTORY)) {
    dir = mkdtempSync(join(tmpdir(), 'iftb-live-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    return {env, db: join(dir, 'bot.duckdb')};
  }

  it('refuses --live without keys, without --confirm-live, or with the kill switch engaged', async () => {
    const {env, db} = await start();
    const config = parseLiveConfig({...CONFIG, live: LIVE});
    const {BINANCE_API_KEY: _k, BINANCE_API_SECRET: _s, ...noKeys} = env;
    await expect(startLive(config, {db, env: noKeys, confirmLive: 'BTC/USDT:USDT', log: () => {}})).rejects.toThrow(/BINANCE_API_KEY/);
    await expect(startLive(config, {db, env, log: () => {}})).rejects.toThrow(/--confirm-live BTC\/USDT:USDT/);
    await expect(startLive(config, {db, env, confirmLive: 'ETH/USDT:USDT', log: () => {}})).rejects.toMatchObject({code: ErrorCode.CONFIG_INVALID});
  });

  it('sends the strategy orders with deterministic client ids; fills come back; the position equals the exchange', async () => {
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 120);
    const {env, db} = await start(all.slice(0, HISTORY));
    handle = await startLive(parseLiveConfig({...CONFIG, live: LIVE}), {db, env, confirmLive: 'BTC/USDT:USDT', log: () => {}});
    const sessionId = handle.session.session.sessionId;
    expect(sessionId).toMatch(/^l[0-9a-f]{8}$/);
    for (const bar of all.slice(HISTORY)) {
      exchange!.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => handle!.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
    }
    // Let the last orders fill and their fills reach the engine at the next bar.
    const last = all[all.length - 1];
    exchange!.setPrice('BTCUSDT', last.close);
    const next = {openTime: last.openTime + MINUTE, open: last.close, high: last.close, low: last.close, close: last.close, volume: 1};
    exchange!.advance({symbol: 'BTCUSDT', bar: next});
    await waitFor(() => handle!.loop.status().lastBarMs === next.openTime, 'the settling bar');

    // The stream's fill can trail the order's answer; a reconciliation in between must recover it, not call it a mismatch.
    expect(handle.loop.journal.filter((e) => e.type === 'error' || e.type === 'state' || e.type === 'denied')).toEqual([]);
    const orders = handle.loop.journal.filter((e) => e.type === 'order');
    expect(orders.length).toBeGreaterThan(2);
    for (const e of orders) {
      if (e.type !== 'order') continue;
      expect(e.order.clientOrderId).toMatch(new RegExp(`^${sessionId}-\\d+$`));
      expect(exchange!.ordersByClientId(e.order.clientOrderId)).toHaveLength(1);
    }
    const fills = handle.loop.journal.filter((e) => e.type === 'fill');
    expect(fills.length).toBe(orders.length);
    const atExchange = exchange!.positions().find((p) => p.symbol === 'BTCUSDT')?.qty ?? 0;
    expect(handle.session.parts.ledger.qty(0)).toBeCloseTo(atExchange, 9);
    // The fills' fees are the exchange's commissions.
    const commissions = exchange!.trades().reduce((sum, t) => sum + t.commission, 0);
    expect(handle.session.parts.ledger.totals.fees).toBeCloseTo(commissions, 9);
  });
});
