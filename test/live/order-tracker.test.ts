import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/store.js';
import type {ExchangeOrder, ExchangeTrade, SessionStore} from '../../src/core/index.js';
import {isTerminal, OrderTracker, stateOf} from '../../src/live/order-tracker.js';
import {order, sessionRecord} from '../adapters/contract/session-fixtures.js';

/** The real DuckDB session store, with a switch that makes it refuse writes as a database that went away does. */
function outageable(store: SessionStore): {store: SessionStore; down: (on: boolean) => void} {
  let isDown = false;
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A) => (isDown ? Promise.reject(new Error('connection refused')) : f(...a));
  return {
    store: new Proxy(store, {get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' && (key === 'upsertOrder' || key === 'appendFills') ? guard((value as (...a: unknown[]) => Promise<unknown>).bind(target)) : typeof value === 'function' ? value.bind(target) : value;
    }}),
    down: (on) => (isDown = on),
  };
}

const seen = (over: Partial<ExchangeOrder> = {}): ExchangeOrder => ({
  symbol: 'BTC/USDT:USDT', clientOrderId: 'p3f9a2c1-1', exchangeOrderId: '77', status: 'filled', side: 'buy', type: 'market', qty: 0.003, filledQty: 0.003,
  avgPrice: 93_000, price: Number.NaN, stopPrice: Number.NaN, reduceOnly: false, updateTimeMs: 1, ...over,
});
const trade = (tradeId: string): ExchangeTrade => ({
  tradeId, exchangeOrderId: '77', clientOrderId: 'p3f9a2c1-1', symbol: 'BTC/USDT:USDT', side: 'buy', qty: 0.003, price: 93_000, fee: 0.1, feeAsset: 'USDT', realizedPnl: 0, maker: false, timeMs: 2,
});

describe('OrderTracker', () => {
  let duck: DuckDbStore | null = null;
  afterEach(() => duck?.close());

  async function open() {
    duck = await DuckDbStore.open(':memory:', {seed: false});
    await duck.sessions.createSession(sessionRecord());
    return outageable(duck.sessions);
  }

  it('maps exchange statuses to states; terminal states are final', () => {
    expect(stateOf(seen({status: 'new'}))).toBe('open');
    expect(stateOf(seen({status: 'partially-filled'}))).toBe('partially-filled');
    expect(stateOf(seen({status: 'canceled'}))).toBe('canceled');
    expect(isTerminal('filled')).toBe(true);
    expect(isTerminal('unknown')).toBe(false);
    expect(isTerminal('pending')).toBe(false);
  });

  it('stores a row before anything else, indexes it three ways, and restores orders and fill ids after a restart', async () => {
    const {store} = await open();
    const tracker = new OrderTracker('p3f9a2c1', store);
    const draft = await tracker.save(order());
    expect(tracker.get('p3f9a2c1-1')).toEqual(draft);
    expect(tracker.byEngineId(1)?.clientOrderId).toBe('p3f9a2c1-1');
    const filled = await tracker.update(draft, seen(), 5);
    expect(tracker.byExchangeId('77')).toEqual(filled);
    expect(filled).toMatchObject({state: 'filled', filledQty: 0.003, avgPrice: 93_000});
    expect(tracker.open()).toEqual([]);
    expect(await tracker.recordFill(trade('t1'), filled)).toBe(true);
    expect(await tracker.recordFill(trade('t1'), filled)).toBe(false); // the same fill from the stream and from REST
    const restarted = new OrderTracker('p3f9a2c1', store);
    await restarted.load();
    expect(restarted.get('p3f9a2c1-1')?.state).toBe('filled');
    expect(restarted.knowsTrade(trade('t1'))).toBe(true);
    expect(await restarted.recordFill(trade('t1'), filled)).toBe(false);
    expect((await restarted.undelivered()).map((f) => f.tradeId)).toEqual(['t1']);
  });

  it('store down: a new order cannot be saved (so it is never sent); answers and fills are kept in memory and written later, once', async () => {
    const {store, down} = await open();
    const tracker = new OrderTracker('p3f9a2c1', store);
    const draft = await tracker.save(order());
    down(true);
    await expect(tracker.save(order({clientOrderId: 'p3f9a2c1-2', orderId: 2}))).rejects.toThrow(/connection refused/);
    expect(tracker.get('p3f9a2c1-2')).toBeUndefined();
    const filled = await tracker.update(draft, seen(), 5);
    expect(tracker.get('p3f9a2c1-1')?.state).toBe('filled');
    expect(await tracker.recordFill(trade('t9'), filled)).toBe(true);
    expect(await tracker.recordFill(trade('t9'), filled)).toBe(false);
    expect(tracker.unsaved).toBe(2);
    await expect(tracker.flushUnsaved()).rejects.toThrow(/connection refused/);
    expect(tracker.unsaved).toBe(2);
    down(false);
    await tracker.flushUnsaved();
    expect(tracker.unsaved).toBe(0);
    expect((await duck!.sessions.orders('p3f9a2c1')).map((o) => [o.clientOrderId, o.state])).toEqual([['p3f9a2c1-1', 'filled']]);
    expect((await duck!.sessions.fills('p3f9a2c1')).map((f) => f.tradeId)).toEqual(['t9']);
  });
});
