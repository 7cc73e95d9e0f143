import {afterEach, describe, expect, it} from 'vitest';
import {isExchangeError} from '../../../src/core/index.js';
import {bar, BTC, harness, MINUTE, T0, type Harness} from './exchange-fixture.js';

const HOUR = 3_600_000;
let h: Harness;

afterEach(async () => {
  await h?.close();
});

describe('BinanceUsdmExchangeClient against the local exchange (REST)', () => {
  it('reads the exchange clock and keeps signing in step with it', async () => {
    h = await harness();
    const server = await h.client.serverTimeMs();
    expect(Math.abs(server - h.exchange.now())).toBeLessThan(1_000);
    expect(server).toBeLessThan(Date.now() - 100 * 86_400_000); // the exchange lives in March 2024
    await expect(h.client.balance()).resolves.toMatchObject({asset: 'USDT', walletBalance: 10_000});
  });

  it('names the account by a hash of the API key, never the key', async () => {
    h = await harness();
    expect(h.client.accountId).toMatch(/^[0-9a-f]{16}$/);
    expect(h.exchange.apiKey).not.toContain(h.client.accountId);
  });

  it('serves candles, mark-price candles (forming one included) and funding', async () => {
    h = await harness({funding: {BTCUSDT: [{fundingTime: T0 - 8 * HOUR, fundingRate: 0.00012, markPrice: 41_000}, {fundingTime: T0 - 16 * HOUR, fundingRate: -0.0001}]}});
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_300, 41_950, 42_200), mark: bar(T0 + MINUTE, 42_010, 42_290, 41_960, 42_190, 0)});
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + 2 * MINUTE, 42_200, 42_400, 42_100, 42_350), forming: bar(T0 + 2 * MINUTE, 42_200, 42_250, 42_150, 42_240)});
    // the third candle is still forming at its half: only the forming update has been pushed... and closed after
    const candles = await h.client.klines(BTC, '1m', T0 + MINUTE, 10);
    expect(candles.map((c) => c.openTime)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    expect(candles[0]).toEqual(bar(T0 + MINUTE, 42_000, 42_300, 41_950, 42_200));
    const mark = await h.client.klines(BTC, '1m', T0 + MINUTE, 1, 'mark');
    expect(mark).toEqual([bar(T0 + MINUTE, 42_010, 42_290, 41_960, 42_190, 0)]);
    const funding = await h.client.fundingHistory(BTC, T0 - 24 * HOUR);
    expect(funding).toEqual([
      {symbol: BTC, timeMs: T0 - 16 * HOUR, rate: -0.0001, markPrice: Number.NaN},
      {symbol: BTC, timeMs: T0 - 8 * HOUR, rate: 0.00012, markPrice: 41_000},
    ]);
    const premium = await h.client.premiumIndex(BTC);
    expect(premium).toMatchObject({symbol: BTC, markPrice: 42_350, lastFundingRate: 0.0001, nextFundingTimeMs: T0 + 8 * HOUR});
    await expect(h.client.klines(BTC, '1m', T0, 2_000)).rejects.toMatchObject({kind: 'rejected', reason: 'invalid-request'});
  });

  it('a market order fills at the current price, with commission, position and balance to match', async () => {
    h = await harness();
    const order = await h.client.createOrder({symbol: BTC, clientOrderId: 'entry-1', side: 'buy', type: 'market', qty: 0.05, reduceOnly: false});
    expect(order).toMatchObject({clientOrderId: 'entry-1', status: 'filled', type: 'market', qty: 0.05, filledQty: 0.05, avgPrice: 42_000, reduceOnly: false});
    const [position] = await h.client.positions();
    expect(position).toMatchObject({symbol: BTC, qty: 0.05, entryPrice: 42_000, leverage: 20, marginMode: 'cross'});
    h.exchange.setPrice('BTCUSDT', 43_000);
    const close = await h.client.createOrder({symbol: BTC, clientOrderId: 'exit-1', side: 'sell', type: 'market', qty: 0.05, reduceOnly: true});
    expect(close).toMatchObject({status: 'filled', avgPrice: 43_000, reduceOnly: true});
    await expect(h.client.positions()).resolves.toEqual([]);
    const fees = 0.05 * 42_000 * 0.0005 + 0.05 * 43_000 * 0.0005;
    const balance = await h.client.balance();
    expect(balance.walletBalance).toBeCloseTo(10_000 + 50 - fees, 8);
    const trades = await h.client.trades(BTC, T0);
    expect(trades.map((t) => [t.side, t.qty, t.price, t.realizedPnl, t.maker])).toEqual([
      ['buy', 0.05, 42_000, 0, false],
      ['sell', 0.05, 43_000, 50, false],
    ]);
    expect(trades[0].fee).toBeCloseTo(1.05, 8);
    expect(trades[1].exchangeOrderId).toBe(close.exchangeOrderId);
  });

  it('a short shows as a negative quantity; leverage and isolated margin come from symbolConfig', async () => {
    h = await harness();
    await h.client.setLeverage(BTC, 5);
    await h.client.setMarginMode(BTC, 'isolated');
    await h.client.setMarginMode(BTC, 'isolated'); // "No need to change margin type." is success
    await h.client.createOrder({symbol: BTC, clientOrderId: 'short-1', side: 'sell', type: 'market', qty: 0.01, reduceOnly: false});
    const [position] = await h.client.positions();
    expect(position).toMatchObject({qty: -0.01, entryPrice: 42_000, leverage: 5, marginMode: 'isolated'});
    expect(position.liquidationPrice).toBeGreaterThan(42_000);
    const locked = await h.client.setMarginMode(BTC, 'cross').catch((e: unknown) => e);
    expect(isExchangeError(locked, 'rejected') && locked.reason).toBe('margin-type-locked');
    await expect(h.client.setLeverage(BTC, 0)).rejects.toMatchObject({kind: 'rejected', reason: 'invalid-leverage'});
  });

  it('a resting limit fills as maker when the price reaches it; IOC expires; post-only that would take is rejected', async () => {
    h = await harness();
    const limit = await h.client.createOrder({symbol: BTC, clientOrderId: 'lim-1', side: 'buy', type: 'limit', qty: 0.01, price: 41_500, reduceOnly: false});
    expect(limit).toMatchObject({status: 'new', price: 41_500, filledQty: 0, avgPrice: Number.NaN});
    expect((await h.client.openOrders(BTC)).map((o) => o.clientOrderId)).toEqual(['lim-1']);
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_050, 41_400, 41_600)});
    const filled = await h.client.fetchOrder(BTC, 'lim-1');
    expect(filled).toMatchObject({status: 'filled', filledQty: 0.01, avgPrice: 41_500});
    const [trade] = await h.client.trades(BTC, T0);
    expect(trade).toMatchObject({maker: true, price: 41_500});
    expect(trade.fee).toBeCloseTo(0.01 * 41_500 * 0.0002, 10);
    const ioc = await h.client.createOrder({symbol: BTC, clientOrderId: 'ioc-1', side: 'buy', type: 'limit', qty: 0.01, price: 41_000, timeInForce: 'IOC', reduceOnly: false});
    expect(ioc.status).toBe('expired');
    const gtx = await h.client.createOrder({symbol: BTC, clientOrderId: 'gtx-1', side: 'buy', type: 'limit', qty: 0.01, price: 42_000, timeInForce: 'GTX', reduceOnly: false}).catch((e: unknown) => e);
    expect(isExchangeError(gtx, 'rejected') && gtx.reason).toBe('post-only-rejected');
  });

  it('protective stop-market and take-profit-market rest on the exchange (algo orders) and trigger by mark price', async () => {
    h = await harness();
    await h.client.createOrder({symbol: BTC, clientOrderId: 'long-1', side: 'buy', type: 'market', qty: 0.02, reduceOnly: false});
    const stop = await h.client.createOrder({symbol: BTC, clientOrderId: 'long-1-sl', side: 'sell', type: 'stop-market', qty: 0.02, stopPrice: 41_000, reduceOnly: true});
    const take = await h.client.createOrder({symbol: BTC, clientOrderId: 'long-1-tp', side: 'sell', type: 'take-profit-market', qty: 0.02, stopPrice: 44_000, reduceOnly: true});
    expect(stop).toMatchObject({status: 'new', type: 'stop-market', stopPrice: 41_000, reduceOnly: true});
    expect(stop.exchangeOrderId).toMatch(/^algo-\d+$/);
    expect(take).toMatchObject({status: 'new', type: 'take-profit-market', stopPrice: 44_000});
    const placed = h.exchange.requestLog('/fapi/v1/algoOrder').filter((r) => r.method === 'POST');
    expect(placed.map((r) => [r.params.type, r.params.algoType, r.params.clientAlgoId, r.params.workingType, r.params.reduceOnly])).toEqual([
      ['STOP_MARKET', 'CONDITIONAL', 'long-1-sl', 'MARK_PRICE', 'true'],
      ['TAKE_PROFIT_MARKET', 'CONDITIONAL', 'long-1-tp', 'MARK_PRICE', 'true'],
    ]);
    expect((await h.client.openOrders(BTC)).map((o) => o.clientOrderId).sort()).toEqual(['long-1-sl', 'long-1-tp']);
    // last price stays above the stop; the mark dips through it
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + MINUTE, 42_000, 42_100, 41_200, 41_500), mark: bar(T0 + MINUTE, 42_000, 42_090, 40_900, 41_400, 0)});
    const stopped = await h.client.fetchOrder(BTC, 'long-1-sl');
    expect(stopped).toMatchObject({status: 'filled', type: 'stop-market', filledQty: 0.02, avgPrice: 41_000});
    expect(stopped?.exchangeOrderId).toMatch(/^\d+$/);
    await expect(h.client.positions()).resolves.toEqual([]);
    const [, exit] = await h.client.trades(BTC, T0);
    expect(exit).toMatchObject({side: 'sell', price: 41_000, realizedPnl: -20, exchangeOrderId: stopped?.exchangeOrderId});
    // the take-profit is left with nothing to reduce: it rejects when it triggers
    h.exchange.advance({symbol: 'BTCUSDT', bar: bar(T0 + 2 * MINUTE, 41_500, 44_500, 41_400, 44_200)});
    await expect(h.client.fetchOrder(BTC, 'long-1-tp')).resolves.toMatchObject({status: 'rejected'});
    await expect(h.client.openOrders(BTC)).resolves.toEqual([]);
  });

  it('fetches and cancels by client id: regular and conditional; unknown is null, already filled returns its state', async () => {
    h = await harness();
    await expect(h.client.fetchOrder(BTC, 'never-sent')).resolves.toBeNull();
    await expect(h.client.cancelOrder(BTC, 'never-sent')).resolves.toBeNull();
    await h.client.createOrder({symbol: BTC, clientOrderId: 'lim-2', side: 'sell', type: 'limit', qty: 0.01, price: 45_000, reduceOnly: false});
    await expect(h.client.cancelOrder(BTC, 'lim-2')).resolves.toMatchObject({clientOrderId: 'lim-2', status: 'canceled'});
    await h.client.createOrder({symbol: BTC, clientOrderId: 'pos-2', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false});
    await h.client.createOrder({symbol: BTC, clientOrderId: 'pos-2-sl', side: 'sell', type: 'stop-market', qty: 0.01, stopPrice: 40_000, reduceOnly: true});
    await expect(h.client.cancelOrder(BTC, 'pos-2-sl')).resolves.toMatchObject({clientOrderId: 'pos-2-sl', status: 'canceled', type: 'stop-market'});
    await expect(h.client.fetchOrder(BTC, 'pos-2-sl')).resolves.toMatchObject({status: 'canceled'});
    await expect(h.client.cancelOrder(BTC, 'pos-2')).resolves.toMatchObject({clientOrderId: 'pos-2', status: 'filled'});
    await expect(h.client.openOrders(BTC)).resolves.toEqual([]);
  });

  it('walks trades across more than the 7 days one userTrades request may span', async () => {
    h = await harness();
    await h.client.createOrder({symbol: BTC, clientOrderId: 'week-1', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false});
    h.exchange.setTime(T0 + 9 * 86_400_000);
    await h.client.createOrder({symbol: BTC, clientOrderId: 'week-2', side: 'buy', type: 'market', qty: 0.01, reduceOnly: false});
    const trades = await h.client.trades(BTC, T0);
    expect(trades).toHaveLength(2);
    const windows = h.exchange.requestLog('/fapi/v1/userTrades');
    expect(windows.length).toBeGreaterThanOrEqual(2);
    expect(windows.every((r) => r.params.endTime === undefined || Number(r.params.endTime) - Number(r.params.startTime) < 7 * 86_400_000)).toBe(true);
  });

  it('funding settles at 00/08/16 UTC: FUNDING_FEE income, charged to the long when the rate is positive', async () => {
    h = await harness();
    await h.client.createOrder({symbol: BTC, clientOrderId: 'carry-1', side: 'buy', type: 'market', qty: 0.1, reduceOnly: false});
    h.exchange.setFundingRate('BTCUSDT', 0.0003);
    h.exchange.advance({symbol: 'BTCUSDT', interval: '1m', bar: bar(T0 + 8 * HOUR, 42_000, 42_100, 41_900, 42_050)});
    const fees = await h.client.fundingFees(BTC, T0);
    expect(fees).toHaveLength(1);
    expect(fees[0]).toMatchObject({symbol: BTC, asset: 'USDT', timeMs: T0 + 8 * HOUR});
    expect(fees[0].amount).toBeCloseTo(-0.1 * 42_000 * 0.0003, 8);
    const settled = await h.client.fundingHistory(BTC, T0);
    expect(settled).toEqual([{symbol: BTC, timeMs: T0 + 8 * HOUR, rate: 0.0003, markPrice: 42_000}]);
    expect((await h.client.balance()).walletBalance).toBeCloseTo(10_000 - 0.1 * 42_000 * 0.0005 - 1.26, 8);
  });
});
