import {afterEach, describe, expect, it} from 'vitest';
import type {ExchangeErrorKind} from '../../../src/core/index.js';
import {BTC, harness, T0, type Harness} from './exchange-fixture.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('the request observer of the Binance client (iftb_exchange_requests_total / _errors_total)', () => {
  it('hears every REST request sent and every failure by kind; a not-sent request is neither', async () => {
    const seen: string[] = [];
    const failed: ExchangeErrorKind[] = [];
    h = await harness({}, {timeoutMs: 500, observer: {request: (what) => seen.push(what), failed: (_what, kind) => failed.push(kind)}});
    await h.client.klines(BTC, '1m', T0, 5);
    expect(seen).toEqual(['fetch BTC/USDT:USDT 1m klines']);
    h.exchange.inject({kind: 'server-error', path: '/fapi/v1/klines', status: 502});
    await expect(h.client.klines(BTC, '1m', T0, 5)).rejects.toMatchObject({kind: 'server'});
    h.exchange.inject({kind: 'timeout', path: '/fapi/v1/premiumIndex'});
    await expect(h.client.premiumIndex(BTC)).rejects.toMatchObject({kind: 'timeout'});
    h.exchange.inject({kind: 'reject', path: '/fapi/v1/order', method: 'POST', code: -2019, msg: 'Margin is insufficient.'});
    await expect(h.client.createOrder({symbol: BTC, clientOrderId: 'o-1', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false})).rejects.toMatchObject({kind: 'rejected'});
    expect(failed).toEqual(['server', 'timeout', 'rejected']);
    // Each attempt is a request: klines ×2, premium index, then the signed create (time sync and markets first).
    expect(seen.filter((w) => w.includes('klines'))).toHaveLength(2);
    expect(seen).toContain('fetch server time');
    expect(seen).toContain('create market order o-1');
    // After a 429 the client refuses to send until Retry-After: those refusals are not requests.
    h.exchange.inject({kind: 'rate-limit', path: '/fapi/v1/klines', retryAfterSeconds: 30});
    await expect(h.client.klines(BTC, '1m', T0, 5)).rejects.toMatchObject({kind: 'rate-limit'});
    const before = seen.length;
    await expect(h.client.klines(BTC, '1m', T0, 5)).rejects.toMatchObject({kind: 'rate-limit'});
    expect(seen).toHaveLength(before);
    expect(failed).toEqual(['server', 'timeout', 'rejected', 'rate-limit']);
  });

  it('an observer that throws never fails the request', async () => {
    h = await harness({}, {observer: {request: () => {
      throw new Error('boom');
    }, failed: () => {}}});
    await expect(h.client.klines(BTC, '1m', T0, 5)).resolves.toHaveLength(1);
  });
});
