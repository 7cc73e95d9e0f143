/** The reconciler against the local exchange over real HTTP, with the real client, venue and a DuckDB session store. */
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/store.js';
import {createBinanceExchangeClient, readBinanceEnvironment} from '../../src/adapters/binance/index.js';
import type {ExchangeClient, OrderRequest} from '../../src/core/index.js';
import {BarBuffer} from '../../src/live/bar-buffer.js';
import {ExchangeVenue} from '../../src/live/exchange-venue.js';
import {OrderTracker} from '../../src/live/order-tracker.js';
import {reconcile} from '../../src/live/reconciler.js';
import {DEFAULT_INSTRUMENTS} from '../../src/sim/instruments.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {sessionRecord} from '../adapters/contract/session-fixtures.js';

const SYMBOL = 'BTC/USDT:USDT';

describe('reconcile', () => {
  let exchange: LocalBinanceExchange | null = null;
  let client: ExchangeClient | null = null;
  let duck: DuckDbStore | null = null;
  afterEach(async () => {
    await client?.close();
    await exchange?.close();
    duck?.close();
  });

  async function setup(timeoutMs = 10_000) {
    exchange = await startBinanceExchange({walletBalance: 20_000});
    exchange.setPrice('BTCUSDT', 30_000);
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    const binance = readBinanceEnvironment({env, envFile: '/nonexistent'});
    client = createBinanceExchangeClient({endpoints: binance.endpoints, credentials: binance.credentials, timeoutMs});
    duck = await DuckDbStore.open(':memory:', {seed: false});
    await duck.sessions.createSession(sessionRecord({sessionId: 'l00000001', mode: 'live'}));
    const tracker = new OrderTracker('l00000001', duck.sessions);
    const bars = new BarBuffer();
    bars.append({openTime: 0, open: 30_000, high: 30_000, low: 30_000, close: 30_000, volume: 1});
    const lines: string[] = [];
    const venue = new ExchangeVenue({
      client, tracker, initialBalance: 20_000, now: () => Date.now(), log: (l) => lines.push(l),
      lanes: [{symbol: SYMBOL, bars, instrument: DEFAULT_INSTRUMENTS[SYMBOL], leverage: 20, marginMode: 'cross'}],
    });
    const startedMs = Date.now();
    let now = startedMs;
    const run = (advanceMs = 0) => {
      now = Date.now() + advanceMs;
      // The session's past starts at its first bar (here: an hour ago).
      return reconcile({client: client!, venue, symbols: [SYMBOL], sinceMs: startedMs - 3_600_000, now: () => now});
    };
    return {venue, tracker, run, lines};
  }

  const buy = (id: number, qty = 0.01): OrderRequest => ({id, clientOrderId: `l00000001-${id}`, symbol: SYMBOL, side: 'buy', type: 'market', qty, reduceOnly: false, reason: 'test', createdMs: Date.now()});

  it("recovers the session's own fill that the stream has not delivered yet, without calling it a mismatch", async () => {
    const {venue, tracker, run} = await setup();
    expect(venue.submit(buy(1)).status).toBe('accepted');
    await venue.flush();
    // The REST answer said FILLED; no user stream runs here, so its trade is not stored yet.
    expect(tracker.get('l00000001-1')?.state).toBe('filled');
    expect(venue.expectedQty(SYMBOL)).toBe(0);
    const report = await run();
    expect(report).toMatchObject({recoveredFills: 1, adoptedOrders: 0, mismatches: []});
    expect(venue.expectedQty(SYMBOL)).toBeCloseTo(0.01, 12);
    // The fill goes to the engine once, at the next bar.
    expect(venue.sync(1, 0).filter((e) => e.type === 'fill')).toHaveLength(1);
    expect(venue.sync(2, 0)).toHaveLength(0);
    expect(await run()).toMatchObject({recoveredFills: 0, mismatches: []});
  });

  it('adopts an order and a position placed by hand, and reports them', async () => {
    const {venue, tracker, run} = await setup();
    exchange!.placeOrder({symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.02, newClientOrderId: 'web_1'});
    exchange!.placeOrder({symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 25_000, timeInForce: 'GTC', newClientOrderId: 'web_2'});
    const report = await run();
    expect(report.adoptedOrders).toBe(1);
    expect(report.mismatches).toHaveLength(2);
    expect(report.mismatches[0]).toMatch(/open order web_2 .* not placed by this session/);
    expect(report.mismatches[1]).toMatch(/the exchange holds -0.02, the session held 0; fills of orders not placed by this session were adopted as external: sell 0.02/);
    expect(tracker.get('web_2')).toMatchObject({origin: 'external', state: 'open'});
    expect(venue.expectedQty(SYMBOL)).toBeCloseTo(-0.02, 12);
    // The bot never cancels what it did not place.
    expect(venue.cancelAll('test')).toBe(0);
    expect(await run()).toMatchObject({adoptedOrders: 0, mismatches: []});
  });

  it('resolves an order whose request never arrived as lost after the silence, and tells the engine', async () => {
    const {venue, tracker, run, lines} = await setup(800);
    exchange!.inject({kind: 'timeout', path: '/fapi/v1/order', method: 'POST'});
    venue.submit(buy(1));
    await venue.flush();
    expect(tracker.get('l00000001-1')?.state).toBe('unknown');
    expect(lines.join('\n')).toMatch(/its fate is resolved by client id/);
    // Not found, but too soon to tell: left unknown (never resent).
    expect(await run()).toMatchObject({resolvedOrders: 0});
    expect(tracker.get('l00000001-1')?.state).toBe('unknown');
    const report = await run(11_000);
    expect(report.resolvedOrders).toBe(1);
    expect(tracker.get('l00000001-1')?.state).toBe('lost');
    expect(venue.sync(1, 0)).toEqual([expect.objectContaining({type: 'rejected', orderId: 1, reason: expect.stringMatching(/lost/)})]);
    expect(exchange!.ordersByClientId('l00000001-1')).toEqual([]);
  });

  it('resolves an order accepted but never answered by its client id: filled, its fill recovered', async () => {
    const {venue, tracker, run} = await setup(800);
    exchange!.inject({kind: 'timeout-after-accept', path: '/fapi/v1/order', method: 'POST'});
    venue.submit(buy(1));
    await venue.flush();
    expect(tracker.get('l00000001-1')?.state).toBe('unknown');
    const report = await run();
    expect(report).toMatchObject({resolvedOrders: 1, recoveredFills: 1, mismatches: []});
    expect(tracker.get('l00000001-1')?.state).toBe('filled');
    expect(exchange!.ordersByClientId('l00000001-1')).toHaveLength(1);
  });
});
