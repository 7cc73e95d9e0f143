import {AuthenticationError, binanceusdm, ExchangeError as CcxtExchangeError, InsufficientFunds, InvalidOrder, NetworkError, RequestTimeout} from 'ccxt';
import {afterEach, describe, expect, it} from 'vitest';
import {createBinanceUsdmClient} from '../../../src/adapters/binance/index.js';
import {toExchangeError} from '../../../src/adapters/binance/exchange-errors.js';
import {ExchangeError, isExchangeError} from '../../../src/core/index.js';
import {BTC, clientFor, harness, type Harness} from './exchange-fixture.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const market = {symbol: BTC, side: 'buy', type: 'market', reduceOnly: false} as const;
const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe('exchange errors map to the port kinds', () => {
  it('429 → rate-limit with Retry-After, honoured: nothing is sent until it has passed', async () => {
    h = await harness();
    h.exchange.inject({kind: 'rate-limit', path: '/fapi/v3/account', retryAfterSeconds: 1});
    const first = await failure(h.client.balance());
    expect(first).toMatchObject({kind: 'rate-limit', status: 429, exchangeCode: -1003, retryAfterMs: 1_000, reason: 'rate-limited'});
    expect(isExchangeError(first) && first.ambiguous).toBe(false);
    const blocked = await failure(h.client.balance());
    expect(blocked).toMatchObject({kind: 'rate-limit', reason: 'rate-limited'});
    expect((blocked as ExchangeError).retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(h.exchange.requestLog('/fapi/v3/account')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await expect(h.client.balance()).resolves.toMatchObject({walletBalance: 10_000});
  });

  it('418 → banned for the Retry-After; every call waits it out', async () => {
    h = await harness();
    h.exchange.inject({kind: 'ban', path: '/fapi/v1/klines', retryAfterSeconds: 120});
    await expect(h.client.klines(BTC, '1m', 0, 5)).rejects.toMatchObject({kind: 'banned', status: 418, retryAfterMs: 120_000, reason: 'ip-banned'});
    const next = await failure(h.client.positions());
    expect(next).toMatchObject({kind: 'banned'});
    expect((next as ExchangeError).retryAfterMs).toBeGreaterThan(100_000);
    expect(h.exchange.requestLog('/fapi/v3/positionRisk')).toHaveLength(0);
  });

  it('5xx → server (ambiguous)', async () => {
    h = await harness();
    h.exchange.inject({kind: 'server-error', path: '/fapi/v1/order', status: 502});
    const error = await failure(h.client.createOrder({...market, clientOrderId: 'gw-1', qty: 0.01}));
    expect(error).toMatchObject({kind: 'server', status: 502, exchangeCode: null});
    expect(isExchangeError(error) && error.ambiguous).toBe(true);
  });

  it('a create that times out after the exchange accepted it is ambiguous; fetchOrder by client id finds it', async () => {
    h = await harness({}, {timeoutMs: 600});
    h.exchange.inject({kind: 'timeout-after-accept', path: '/fapi/v1/order', method: 'POST'});
    const error = await failure(h.client.createOrder({...market, clientOrderId: 'amb-1', qty: 0.01}));
    expect(error).toMatchObject({kind: 'timeout', reason: 'request-timeout'});
    expect(isExchangeError(error) && error.ambiguous).toBe(true);
    await expect(h.client.fetchOrder(BTC, 'amb-1')).resolves.toMatchObject({clientOrderId: 'amb-1', status: 'filled', filledQty: 0.01});
    expect(h.exchange.ordersByClientId('amb-1')).toHaveLength(1);
  });

  it('a dropped connection is network (ambiguous): before processing nothing exists, after it the order does', async () => {
    h = await harness();
    h.exchange.inject({kind: 'drop-connection', path: '/fapi/v1/order', method: 'POST'});
    await expect(h.client.createOrder({...market, clientOrderId: 'drop-1', qty: 0.01})).rejects.toMatchObject({kind: 'network'});
    await expect(h.client.fetchOrder(BTC, 'drop-1')).resolves.toBeNull();
    h.exchange.inject({kind: 'drop-after-accept', path: '/fapi/v1/order', method: 'POST'});
    await expect(h.client.createOrder({...market, clientOrderId: 'drop-2', qty: 0.01})).rejects.toMatchObject({kind: 'network'});
    await expect(h.client.fetchOrder(BTC, 'drop-2')).resolves.toMatchObject({status: 'filled'});
  });

  it('-2019 margin and -4164 notional are rejections with their reasons, from a local URL too', async () => {
    h = await harness();
    const margin = await failure(h.client.createOrder({...market, clientOrderId: 'big-1', qty: 10}));
    expect(margin).toMatchObject({kind: 'rejected', exchangeCode: -2019, status: 400, reason: 'insufficient-margin'});
    expect(isExchangeError(margin) && margin.retryable).toBe(false);
    const notional = await failure(h.client.createOrder({...market, clientOrderId: 'tiny-1', qty: 0.001}));
    expect(notional).toMatchObject({kind: 'rejected', exchangeCode: -4164, reason: 'min-notional'});
    h.exchange.inject({kind: 'reject', path: '/fapi/v1/order', code: -2019, msg: 'Margin is insufficient.'});
    await expect(h.client.createOrder({...market, clientOrderId: 'inj-1', qty: 0.01})).rejects.toMatchObject({kind: 'rejected', reason: 'insufficient-margin'});
    expect(h.exchange.ordersByClientId('big-1')).toEqual([]);
    expect(h.exchange.ordersByClientId('inj-1')).toEqual([]);
  });

  it("ccxt's linear-only codes are merged, so the class does not depend on the host (the trap in the notes)", () => {
    const plain = new binanceusdm({});
    expect((plain.exceptions as {exact: Record<string, unknown>}).exact['-2019']).toBeUndefined();
    const ours = createBinanceUsdmClient({apiUrlOverride: 'http://127.0.0.1:9'});
    const exact = (ours.exceptions as {exact: Record<string, unknown>}).exact;
    expect(exact['-2019']).toBe(InsufficientFunds);
    expect(exact['-4164']).toBe(InvalidOrder);
  });

  it('-1021 once: the offset is resynced and the call retried (the exchange proved it did not run); twice: clock-skew', async () => {
    h = await harness();
    await h.client.balance();
    h.exchange.inject({kind: 'clock-skew', path: '/fapi/v3/account'});
    await expect(h.client.balance()).resolves.toMatchObject({walletBalance: 10_000});
    const tail = h.exchange.requestLog().slice(-3).map((r) => `${r.path} ${r.status}`);
    expect(tail).toEqual(['/fapi/v3/account 400', '/fapi/v1/time 200', '/fapi/v3/account 200']);
    h.exchange.inject({kind: 'clock-skew', path: '/fapi/v1/order', times: 2});
    await expect(h.client.createOrder({...market, clientOrderId: 'skew-1', qty: 0.01})).rejects.toMatchObject({kind: 'clock-skew', exchangeCode: -1021});
    expect(h.exchange.ordersByClientId('skew-1')).toEqual([]);
  });

  it('a real clock jump (candles driven ahead) heals through the same resync', async () => {
    h = await harness();
    await h.client.balance();
    h.exchange.setTime(h.exchange.now() + 3_600_000);
    await expect(h.client.balance()).resolves.toMatchObject({asset: 'USDT'});
  });

  it('bad keys and a wrong signature are auth (fatal); no keys fails before sending', async () => {
    h = await harness();
    const wrongKey = clientFor(h.exchange, {credentials: {apiKey: 'not-the-key', apiSecret: h.exchange.apiSecret}});
    const wrongSecret = clientFor(h.exchange, {credentials: {apiKey: h.exchange.apiKey, apiSecret: 'not-the-secret'}});
    const none = clientFor(h.exchange, {credentials: null});
    try {
      await expect(wrongKey.balance()).rejects.toMatchObject({kind: 'auth', exchangeCode: -2015, status: 401});
      const signature = await failure(wrongSecret.balance());
      expect(signature).toMatchObject({kind: 'auth', exchangeCode: -1022});
      expect(isExchangeError(signature) && signature.retryable).toBe(false);
      const before = h.exchange.requestLog().length;
      await expect(none.positions()).rejects.toMatchObject({kind: 'auth', reason: 'no-credentials'});
      expect(h.exchange.requestLog()).toHaveLength(before);
      await expect(none.klines(BTC, '1m', 0, 1)).resolves.toHaveLength(1);
      expect(none.accountId).toBe('public');
    } finally {
      await Promise.all([wrongKey.close(), wrongSecret.close(), none.close()]);
    }
  });

  it('reduce-only without a position, a stop that would trigger at once, a bad client id: rejected', async () => {
    h = await harness();
    await expect(h.client.createOrder({...market, side: 'sell', clientOrderId: 'ro-1', qty: 0.01, reduceOnly: true})).rejects.toMatchObject({kind: 'rejected', exchangeCode: -2022, reason: 'reduce-only-rejected'});
    await h.client.createOrder({...market, clientOrderId: 'pos-1', qty: 0.01});
    await expect(h.client.createOrder({symbol: BTC, side: 'sell', type: 'stop-market', clientOrderId: 'sl-now', qty: 0.01, stopPrice: 43_000, reduceOnly: true})).rejects.toMatchObject({kind: 'rejected', exchangeCode: -2021, reason: 'would-trigger-immediately'});
    const before = h.exchange.requestLog().length;
    await expect(h.client.createOrder({...market, clientOrderId: 'has space', qty: 0.01})).rejects.toMatchObject({kind: 'rejected', reason: 'invalid-client-order-id'});
    await expect(h.client.createOrder({...market, clientOrderId: 'x'.repeat(37), qty: 0.01})).rejects.toMatchObject({reason: 'invalid-client-order-id'});
    expect(h.exchange.requestLog()).toHaveLength(before);
  });

  it('a client id still open on the exchange is a duplicate (-4116)', async () => {
    h = await harness();
    await h.client.createOrder({symbol: BTC, side: 'buy', type: 'limit', clientOrderId: 'dup-1', qty: 0.01, price: 40_000, reduceOnly: false});
    await expect(h.client.createOrder({symbol: BTC, side: 'buy', type: 'limit', clientOrderId: 'dup-1', qty: 0.01, price: 40_000, reduceOnly: false})).rejects.toMatchObject({
      kind: 'rejected',
      exchangeCode: -4116,
      reason: 'duplicate-client-order-id',
    });
    expect(h.exchange.ordersByClientId('dup-1')).toHaveLength(1);
  });

  it('transport and client-side ccxt failures without an HTTP answer', () => {
    expect(toExchangeError(new RequestTimeout('binanceusdm POST … request timed out (10000 ms)'), 'x')).toMatchObject({kind: 'timeout'});
    expect(toExchangeError(new NetworkError('binanceusdm GET … fetch failed'), 'x')).toMatchObject({kind: 'network'});
    expect(toExchangeError(new AuthenticationError('requires "apiKey" credential'), 'x')).toMatchObject({kind: 'auth'});
    expect(toExchangeError(new CcxtExchangeError('binanceusdm {"code":-2013,"msg":"Order does not exist."}'), 'x')).toMatchObject({kind: 'not-found', exchangeCode: -2013});
    expect(toExchangeError(new CcxtExchangeError('binanceusdm {"code":-1007,"msg":"Timeout waiting for response from backend server."}'), 'x')).toMatchObject({kind: 'timeout'});
    const bug = new TypeError('a bug');
    expect(toExchangeError(bug, 'x')).toBe(bug);
    const ours = new ExchangeError('rejected', 'already mapped');
    expect(toExchangeError(ours, 'x')).toBe(ours);
  });
});

