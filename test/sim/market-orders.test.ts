import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {
  candles,
  fills,
  flat,
  H,
  limit,
  makeVenue,
  market,
  order,
  place,
  stop,
  T0,
  TEST_SPEC,
  types,
} from '../support/sim-venue.js';

describe('market orders', () => {
  const bars = candles([
    [100, 101, 99, 100.5],
    [101, 102, 100, 101.5],
    [102, 103, 101, 102.5],
  ]);

  it('fill at the next bar open, never inside submit or at the decision bar close', () => {
    const venue = makeVenue(bars);
    expect(venue.sync(0)).toEqual([]);
    // Decision at bar 0's close (100.5): the order only queues.
    const ack = venue.submit(market('buy', 1));
    expect(ack.status).toBe('accepted');
    expect(venue.position().qty).toBe(0);
    expect(venue.openOrders()).toHaveLength(1);
    const events = venue.sync(1);
    const [fill] = fills(events);
    expect(fill).toMatchObject({side: 'buy', qty: 1, price: 101, liquidity: 'taker', slippage: 0, timeMs: T0 + H});
    // Taker fee 1 × 101 × 0.0005 = 0.0505.
    expect(fill.fee).toBeCloseTo(0.0505, 12);
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.0505, 9);
    expect(venue.position()).toMatchObject({qty: 1, entryPrice: 101, leverage: 10, marginMode: 'isolated'});
    expect(venue.openOrders()).toHaveLength(0);
  });

  it('returns one shared frozen empty array on quiet bars', () => {
    const venue = makeVenue(bars);
    const a = venue.sync(0);
    const b = venue.sync(1);
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toHaveLength(0);
  });

  it('requires increasing sync indices and settles skipped bars on the way', () => {
    const venue = makeVenue(bars);
    venue.sync(0);
    venue.submit(market('buy', 1));
    expect(() => venue.sync(0)).toThrow(/sync\(0\)/);
    expect(() => venue.sync(3)).toThrow();
    // sync(2) after sync(0) settles bar 1 first: the order fills at bar 1's open (101).
    expect(fills(venue.sync(2))[0].price).toBe(101);
    let caught: unknown;
    try {
      venue.sync(1);
    } catch (error) {
      caught = error;
    }
    expect(isIftbError(caught, ErrorCode.INPUT_INVALID)).toBe(true);
  });

  it('fixed slippage moves the price against the taker, rounded to the adverse tick', () => {
    const venue = makeVenue(bars, {slippage: {kind: 'fixed', bps: 10}});
    venue.sync(0);
    venue.submit(market('buy', 1));
    // 101 × 1.001 = 101.101 → up to the tick: 101.2; slippage cost (101.2 − 101) × 1 = 0.2.
    const [buy] = fills(venue.sync(1));
    expect(buy.price).toBe(101.2);
    expect(buy.slippage).toBeCloseTo(0.2, 9);
    venue.submit(market('sell', 1));
    // 102 × 0.999 = 101.898 → down to the tick: 101.8; cost 0.2.
    const [sell] = fills(venue.sync(2));
    expect(sell.price).toBe(101.8);
    expect(sell.slippage).toBeCloseTo(0.2, 9);
    expect(venue.totals().slippage).toBeCloseTo(0.4, 9);
  });

  it('volume slippage uses the previous closed bar, never the fill bar', () => {
    // Bar 0 traded 400; bar 1 (the fill bar) only 1, which the model must not see.
    const vbars = candles([
      [1000, 1000, 1000, 1000, 400],
      [1000, 1010, 990, 1000, 1],
      [1000, 1010, 990, 1000, 1],
    ]);
    const venue = makeVenue(vbars, {initialBalance: 100_000, slippage: {kind: 'volume', bps: 2, impactBps: 20, maxParticipation: 0.1}});
    venue.sync(0);
    venue.submit(market('buy', 4));
    // slip = 2 + 20 × sqrt(4 / 400) = 4 bps → 1000 × 1.0004 = 1000.4 (with bar 1's volume: 42 bps → 1004.2).
    const [fill] = fills(venue.sync(1));
    expect(fill.price).toBe(1000.4);
    expect(fill.slippage).toBeCloseTo(0.4 * 4, 9);
    expect(venue.overParticipationFills).toBe(0);
  });

  it('volume slippage fills an order above max participation in full and counts it', () => {
    const vbars = candles([
      [1000, 1000, 1000, 1000, 400],
      [1000, 1010, 990, 1000, 5],
    ]);
    const venue = makeVenue(vbars, {initialBalance: 100_000, slippage: {kind: 'volume', bps: 2, impactBps: 20, maxParticipation: 0.1}});
    venue.sync(0);
    venue.submit(market('sell', 50));
    // 50 > 0.1 × 400 = 40. slip = 2 + 20 × sqrt(50/400) = 2 + 20 × 0.353553… = 9.0711 bps
    // → 1000 × (1 − 0.00090711) = 999.0929 → down to the tick: 999.0; cost (1000 − 999) × 50 = 50.
    const [fill] = fills(venue.sync(1));
    expect(fill.qty).toBe(50);
    expect(fill.price).toBe(999);
    expect(fill.slippage).toBeCloseTo(50, 9);
    expect(venue.overParticipationFills).toBe(1);
  });

  it('reversal closes at the fill price and opens the remainder there', () => {
    const venue = makeVenue(candles([...flat(1, 100), [100, 101, 99, 100], [110, 111, 109, 110]]));
    venue.sync(0);
    venue.submit(market('buy', 1));
    venue.sync(1);
    venue.submit(market('sell', 2));
    const [fill] = fills(venue.sync(2));
    expect(fill.qty).toBe(2);
    // Realised (110 − 100) × 1 = +10; fees 100 × 0.0005 = 0.05 and 2 × 110 × 0.0005 = 0.11.
    expect(venue.position()).toMatchObject({qty: -1, entryPrice: 110});
    expect(venue.totals().realisedPnl).toBeCloseTo(10, 9);
    expect(venue.walletBalance()).toBeCloseTo(10_000 + 10 - 0.05 - 0.11, 9);
  });

  it('averages the entry on increases and keeps it on reductions', () => {
    const venue = makeVenue(candles([...flat(1), [100, 100, 100, 100], [106, 106, 106, 106], [110, 110, 110, 110]]));
    venue.sync(0);
    venue.submit(market('buy', 1));
    venue.sync(1);
    venue.submit(market('buy', 2));
    venue.sync(2);
    // (1 × 100 + 2 × 106) / 3 = 104.
    expect(venue.position().entryPrice).toBeCloseTo(104, 12);
    venue.submit(market('sell', 1.5));
    venue.sync(3);
    // Realised (110 − 104) × 1.5 = 9; entry unchanged, 1.5 left.
    expect(venue.position()).toMatchObject({qty: 1.5});
    expect(venue.position().entryPrice).toBeCloseTo(104, 12);
    expect(venue.totals().realisedPnl).toBeCloseTo(9, 9);
  });
});

describe('fill-time rejections', () => {
  it('rejects a reduce-only order that would increase (flat or same side) and trims one larger than the position', () => {
    const venue = makeVenue(candles(flat(4)));
    venue.sync(0);
    const ro = place(venue, market('sell', 1, {reduceOnly: true, reason: 'exit'}));
    expect(venue.sync(1)).toEqual([{type: 'rejected', orderId: ro.id, reason: 'reduce-only-would-increase', timeMs: T0 + H}]);
    venue.submit(market('buy', 1));
    venue.sync(2);
    venue.submit(market('sell', 3, {reduceOnly: true, reason: 'exit'}));
    const [fill] = fills(venue.sync(3));
    expect(fill.qty).toBe(1); // trimmed to the position, as Binance does
    expect(fill.reduceOnly).toBe(true);
    expect(venue.position().qty).toBe(0);
    expect(venue.position().liquidationPrice).toBeNaN();
  });

  it('rejects at fill time when initial margin + taker fee exceeds the available balance', () => {
    const venue = makeVenue(candles(flat(3)), {initialBalance: 1_000});
    venue.sync(0);
    // 100 × 100 = 10 000 notional: 10 000/10 + 10 000 × 0.0005 = 1 005 > 1 000.
    const big = place(venue, market('buy', 100));
    expect(venue.sync(1)).toEqual([{type: 'rejected', orderId: big.id, reason: 'insufficient-margin', timeMs: T0 + H}]);
    // 99 × 100 = 9 900: 990 + 4.95 = 994.95 ≤ 1 000 → fills.
    venue.submit(market('buy', 99));
    expect(fills(venue.sync(2))[0].qty).toBe(99);
    expect(venue.walletBalance()).toBeCloseTo(1_000 - 4.95, 9);
  });

  it('counts the freed margin and realised PnL of the closed part on a reversal', () => {
    const venue = makeVenue(candles(flat(4)), {initialBalance: 1_000});
    venue.sync(0);
    venue.submit(market('buy', 90));
    venue.sync(1); // wallet 1000 − 4.5 = 995.5, margin 900 in use
    // Sell 180: closes 90 (fee 4.5 → 991 left), opens 90: 900 + 4.5 = 904.5 ≤ 991 → fills.
    venue.submit(market('sell', 180));
    expect(fills(venue.sync(2))[0].qty).toBe(180);
    expect(venue.position().qty).toBe(-90);
    // Wallet now 1000 − 4.5 − 9 = 986.5 with 900 margin in use: 10 more short needs 100 + 0.5 > 86.5 → rejected.
    venue.submit(market('sell', 10));
    expect(types(venue.sync(3))).toEqual(['rejected']);
  });

  it('rejects an increase beyond what the leverage allows in its bracket', () => {
    // 20x: the ≤100k bracket allows 50x, the one beyond 10x. 1 100 × 100 = 110 000 → 10x < 20x.
    const venue = makeVenue(candles(flat(2)), {initialBalance: 1_000_000, leverage: 20});
    venue.sync(0);
    const o = place(venue, market('buy', 1_100));
    expect(venue.sync(1)).toEqual([{type: 'rejected', orderId: o.id, reason: 'exceeds-bracket-for-leverage', timeMs: T0 + H}]);
  });
});

describe('submit-time validation', () => {
  const venue = makeVenue(candles(flat(2)));
  venue.sync(0);
  const reject = (request: Parameters<typeof venue.submit>[0]) => {
    const ack = venue.submit(request);
    return ack.status === 'rejected' ? ack.reason : 'accepted';
  };

  it.each([
    ['zero qty', market('buy', 0), 'qty-not-positive'],
    ['negative qty', market('buy', -1), 'qty-not-positive'],
    ['qty off the step', market('buy', 0.5005), 'qty-not-step-multiple'],
    ['limit price off the tick', limit('buy', 1, 99.95), 'price-not-tick-multiple'],
    ['limit without price', order({side: 'buy', qty: 1, type: 'limit'}), 'price-not-tick-multiple'],
    ['stop off the tick', stop('sell', 1, 95.05), 'stop-price-not-tick-multiple'],
    ['stop-loss off the tick', market('buy', 1, {attached: {stopLoss: 95.01}}), 'stop-loss-not-tick-multiple'],
    // 0.05 × 100 (last close) = 5 < 10.
    ['market below min notional', market('buy', 0.05), 'min-notional'],
    // 0.2 × 40 = 8 < 10.
    ['limit below min notional', limit('buy', 0.2, 40), 'min-notional'],
    ['wrong symbol', market('buy', 1, {symbol: 'BTC/USDT:USDT'}), 'wrong-symbol'],
    ['negative id (the venue range)', market('buy', 1, {id: -5}), 'invalid-order-id'],
  ])('%s', (_label, request, reason) => {
    expect(reject(request)).toBe(reason);
  });

  it('exempts reduce-only orders from min notional and rejects duplicate open ids', () => {
    expect(reject(market('sell', 0.05, {reduceOnly: true}))).toBe('accepted');
    const o = limit('buy', 1, 90);
    expect(reject(o)).toBe('accepted');
    expect(reject(o)).toBe('duplicate-order-id');
    expect(TEST_SPEC.minNotional).toBe(10);
  });
});

describe('construction', () => {
  const bars = candles(flat(3));

  it('validates its options', () => {
    expect(() => makeVenue(bars, {leverage: 101})).toThrow(/exceeds/); // TEST bracket 1 allows 100x
    expect(() => makeVenue(bars, {leverage: 0.5})).toThrow(/leverage/);
    expect(() => makeVenue(bars, {initialBalance: 0})).toThrow(/initialBalance/);
    expect(() => makeVenue(bars, {instrument: {...TEST_SPEC, symbol: 'BTC/USDT:USDT'}})).toThrow(/instrument is for/);
    expect(() => makeVenue(bars, {slippage: {kind: 'fixed', bps: -1}})).toThrow(/slippage/);
    expect(() => makeVenue(bars, {mark: candles(flat(2))})).toThrow(/mark candles/);
    const shifted = candles(flat(3), T0 + 1);
    expect(() => makeVenue(bars, {mark: shifted})).toThrow(/mark candle 0/);
  });

  it('rejects unsorted bars as DATA_INVALID', () => {
    const unsorted = candles(flat(3));
    unsorted.openTime[2] = unsorted.openTime[1];
    let caught: unknown;
    try {
      makeVenue(unsorted);
    } catch (error) {
      caught = error;
    }
    expect(isIftbError(caught, ErrorCode.DATA_INVALID)).toBe(true);
  });
});
