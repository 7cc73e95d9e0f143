import {afterEach, describe, expect, it} from 'vitest';
import type {KlineUpdate, StreamState, UserStreamEvent} from '../../../src/core/index.js';
import {bar, BTC, clientFor, harness, MINUTE, T0, until, type Harness} from './exchange-fixture.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function recorder() {
  const klines: KlineUpdate[] = [];
  const states: StreamState[] = [];
  const events: UserStreamEvent[] = [];
  return {klines, states, events, onKline: (k: KlineUpdate) => klines.push(k), onState: (s: StreamState) => states.push(s), onEvent: (e: UserStreamEvent) => events.push(e)};
}

describe('kline stream (raw WebSocket)', () => {
  it('keeps Binance x: the forming update is not closed, the final one is', async () => {
    h = await harness();
    const r = recorder();
    const stream = h.client.marketStream([BTC], '1m');
    await stream.start(r.onKline, r.onState);
    expect(r.states.map((s) => s.state)).toEqual(['connected']);
    const candle = bar(T0 + MINUTE, 42_000, 42_300, 41_900, 42_250);
    h.exchange.advance({symbol: 'BTCUSDT', bar: candle});
    await until(() => r.klines.length === 2, 'two kline updates');
    expect(r.klines.map((k) => [k.symbol, k.timeframe, k.closed])).toEqual([
      [BTC, '1m', false],
      [BTC, '1m', true],
    ]);
    expect(r.klines[0].bar).toEqual({openTime: T0 + MINUTE, open: 42_000, high: 42_000, low: 41_900, close: 41_900, volume: 5});
    expect(r.klines[1].bar).toEqual(candle);
    expect(r.klines[1].eventTimeMs).toBeGreaterThanOrEqual(T0 + 2 * MINUTE);
    expect(r.klines[1].receivedMs).toBeGreaterThan(Date.now() - 10_000);
  });

  it('reconnects after a dropped socket, re-subscribes and reports each state change', async () => {
    h = await harness();
    const r = recorder();
    await h.client.marketStream([BTC], '1m').start(r.onKline, r.onState);
    expect(h.exchange.dropStreams('market')).toBe(1);
    await until(() => r.states.filter((s) => s.state === 'connected').length === 2, 'the reconnect');
    expect(r.states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    expect(r.states[2]).toMatchObject({attempt: 1, delayMs: 50});
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_100, 41_950, 42_050)});
    await until(() => r.klines.some((k) => k.closed), 'a kline after the reconnect');
    expect(h.exchange.streamConnections().accepted.market).toBe(2);
  });

  it('backs off between failed reconnects (doubling), then recovers', async () => {
    h = await harness();
    const r = recorder();
    await h.client.marketStream([BTC], '1m').start(r.onKline, r.onState);
    h.exchange.refuseStreams(2);
    h.exchange.dropStreams('market');
    await until(() => r.states.filter((s) => s.state === 'connected').length === 2, 'the reconnect', 8_000);
    const attempts = r.states.filter((s) => s.state === 'reconnecting').map((s) => (s.state === 'reconnecting' ? [s.attempt, s.delayMs] : []));
    expect(attempts).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
    ]);
  });

  it('drops a stalled connection (no pongs) on its heartbeat and reconnects', async () => {
    h = await harness({}, {});
    const client = clientFor(h.exchange, {streams: {baseBackoffMs: 50, heartbeatMs: 150}});
    const r = recorder();
    try {
      await client.marketStream([BTC], '1m').start(r.onKline, r.onState);
      h.exchange.stallStreams('market');
      await until(() => r.states.filter((s) => s.state === 'connected').length === 2, 'a reconnect after the stall', 5_000);
      expect(r.states[1]).toMatchObject({state: 'disconnected'});
      h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_100, 41_950, 42_050)});
      await until(() => r.klines.some((k) => k.closed), 'klines on the new connection');
    } finally {
      await client.close();
    }
  });

  it('a missed closed kline is not on the stream but is served over REST', async () => {
    h = await harness();
    const r = recorder();
    await h.client.marketStream([BTC], '1m').start(r.onKline, r.onState);
    const missed = bar(T0 + MINUTE, 42_000, 42_200, 41_950, 42_100);
    h.exchange.advance({symbol: 'BTCUSDT', bar: missed, missClosed: true});
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + 2 * MINUTE, 42_100, 42_150, 42_000, 42_020)});
    await until(() => r.klines.filter((k) => k.closed).length === 1, 'the next closed kline');
    expect(r.klines.filter((k) => k.closed).map((k) => k.bar.openTime)).toEqual([T0 + 2 * MINUTE]);
    const backfill = await h.client.klines(BTC, '1m', T0 + MINUTE, 1);
    expect(backfill).toEqual([missed]);
  });

  it('start() rejects when the first connect keeps failing', async () => {
    h = await harness();
    const client = clientFor(h.exchange, {streams: {baseBackoffMs: 10, initialAttempts: 3}});
    h.exchange.refuseStreams(10);
    const r = recorder();
    try {
      await expect(client.marketStream([BTC], '1m').start(r.onKline, r.onState)).rejects.toMatchObject({kind: 'network', reason: 'stream-unreachable'});
      expect(r.states.map((s) => s.state)).toEqual(['reconnecting', 'reconnecting']);
    } finally {
      await client.close();
    }
  });
});

describe('user-data stream (listenKey)', () => {
  it('carries order executions and account updates', async () => {
    h = await harness();
    const r = recorder();
    await h.client.userStream().start(r.onEvent, r.onState);
    await h.client.createOrder({symbol: BTC, clientOrderId: 'ws-1', side: 'buy', type: 'market', qty: 0.02, reduceOnly: false});
    await until(() => r.events.some((e) => e.type === 'account'), 'the account update');
    const orders = r.events.filter((e) => e.type === 'order');
    expect(orders.map((e) => (e.type === 'order' ? [e.order.clientOrderId, e.order.status, e.trade !== null] : []))).toEqual([
      ['ws-1', 'new', false],
      ['ws-1', 'filled', true],
    ]);
    const fill = orders[1].type === 'order' ? orders[1].trade : null;
    expect(fill).toMatchObject({clientOrderId: 'ws-1', symbol: BTC, side: 'buy', qty: 0.02, price: 42_000, feeAsset: 'USDT', maker: false, realizedPnl: 0});
    expect(fill?.fee).toBeCloseTo(0.42, 8);
    const [exchangeTrade] = await h.client.trades(BTC, T0);
    expect(fill?.tradeId).toBe(exchangeTrade.tradeId);
    const account = r.events.find((e) => e.type === 'account');
    expect(account).toMatchObject({type: 'account', reason: 'ORDER', positions: [{symbol: BTC, qty: 0.02, entryPrice: 42_000}]});
    expect(account?.type === 'account' && account.balances[0].walletBalance).toBeCloseTo(10_000 - 0.42, 8);
    await h.client.createOrder({symbol: BTC, clientOrderId: 'ws-1-sl', side: 'sell', type: 'stop-market', qty: 0.02, stopPrice: 41_000, reduceOnly: true});
    await until(() => r.events.some((e) => e.type === 'order' && e.order.clientOrderId === 'ws-1-sl'), 'the algo update');
    const algo = r.events.find((e) => e.type === 'order' && e.order.clientOrderId === 'ws-1-sl');
    expect(algo?.type === 'order' && algo.order).toMatchObject({status: 'new', type: 'stop-market', stopPrice: 41_000});
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_000, 40_800, 40_900)});
    await until(() => r.events.some((e) => e.type === 'order' && e.order.clientOrderId === 'ws-1-sl' && e.trade !== null), 'the stop fill');
    const stopFill = r.events.find((e) => e.type === 'order' && e.order.clientOrderId === 'ws-1-sl' && e.trade !== null);
    expect(stopFill?.type === 'order' && stopFill.trade).toMatchObject({price: 41_000, qty: 0.02, realizedPnl: -20});
  });

  it('an expired listenKey rotates the key and tells the caller to resync', async () => {
    h = await harness();
    const r = recorder();
    await h.client.userStream().start(r.onEvent, r.onState);
    const [oldKey] = h.exchange.expireListenKey();
    await until(() => r.events.some((e) => e.type === 'resync'), 'the resync event');
    expect(r.events.find((e) => e.type === 'resync')).toMatchObject({type: 'resync', reason: 'listen-key-expired'});
    expect(r.states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    await h.client.createOrder({symbol: BTC, clientOrderId: 'after-1', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false});
    await until(() => r.events.some((e) => e.type === 'order' && e.order.clientOrderId === 'after-1'), 'events on the new key');
    const created = h.exchange.requestLog('/fapi/v1/listenKey').filter((q) => q.method === 'POST');
    expect(created).toHaveLength(2);
    expect(oldKey).toBeTruthy();
  });

  it('a dropped user stream reconnects and asks for a resync (events may have been missed)', async () => {
    h = await harness();
    const r = recorder();
    await h.client.userStream().start(r.onEvent, r.onState);
    h.exchange.dropStreams('user');
    await until(() => r.events.some((e) => e.type === 'resync'), 'the resync event');
    expect(r.events.find((e) => e.type === 'resync')).toMatchObject({reason: 'reconnected'});
  });

  it('keeps the key alive with PUT; a key the exchange lost (-1125) is rotated with a resync', async () => {
    h = await harness();
    const client = clientFor(h.exchange, {streams: {baseBackoffMs: 50, keepaliveMs: 100}});
    const r = recorder();
    try {
      await client.userStream().start(r.onEvent, r.onState);
      await until(() => h.exchange.requestLog('/fapi/v1/listenKey').some((q) => q.method === 'PUT' && q.status === 200), 'a keepalive');
      h.exchange.inject({kind: 'reject', path: '/fapi/v1/listenKey', method: 'PUT', code: -1125, msg: 'This listenKey does not exist.'});
      await until(() => r.events.some((e) => e.type === 'resync'), 'the rotation');
      expect(r.events.find((e) => e.type === 'resync')).toMatchObject({reason: 'listen-key-lost'});
    } finally {
      await client.close();
    }
  });

  it('needs API keys', async () => {
    h = await harness();
    const client = clientFor(h.exchange, {credentials: null, streams: {initialAttempts: 1}});
    try {
      await expect(client.userStream().start(() => {}, () => {})).rejects.toMatchObject({kind: 'auth', reason: 'no-credentials'});
    } finally {
      await client.close();
    }
  });
});
