import {describe, expect, it} from 'vitest';
import {candles, fills, flat, H, limit, makeVenue, market, place, stop, T0, types} from '../support/sim-venue.js';

describe('limit orders', () => {
  it('fill only when the price trades through (strictly), at the limit price, as maker', () => {
    const venue = makeVenue(
      candles([
        ...flat(1),
        [100, 101, 99, 100.5], // low touches 99: no fill
        [100, 100.5, 98.9, 99.5], // red bar, flat: o→h→l→c; the h→l leg goes through 99
      ]),
    );
    venue.sync(0);
    const o = place(venue, limit('buy', 1, 99));
    expect(venue.sync(1)).toHaveLength(0);
    const [fill] = fills(venue.sync(2));
    expect(fill).toMatchObject({orderId: o.id, price: 99, qty: 1, liquidity: 'maker', slippage: 0});
    // Maker fee 99 × 0.0002 = 0.0198.
    expect(fill.fee).toBeCloseTo(0.0198, 12);
    // Modelled time: leg 1 (h→l), f = (99 − 100.5)/(98.9 − 100.5) = 0.9375 → H × 1.9375 / 3 = 2 325 000 ms.
    expect(fill.timeMs).toBe(T0 + 2 * H + 2_325_000);
  });

  it('sell limit: touch is not enough, through fills', () => {
    const venue = makeVenue(candles([...flat(1), [100, 101, 99.5, 100.5], [100, 101.1, 99.5, 100.5]]));
    venue.sync(0);
    place(venue, limit('sell', 1, 101));
    expect(venue.sync(1)).toHaveLength(0);
    expect(fills(venue.sync(2))[0]).toMatchObject({price: 101, liquidity: 'maker'});
    expect(venue.position().qty).toBe(-1);
  });

  it('gap: a bar opening beyond the limit fills at the open as taker', () => {
    const venue = makeVenue(candles([...flat(1), [98, 99.5, 97, 99]]));
    venue.sync(0);
    place(venue, limit('buy', 1, 99));
    const [fill] = fills(venue.sync(1));
    // Fee 98 × 0.0005 = 0.049.
    expect(fill).toMatchObject({price: 98, liquidity: 'taker', timeMs: T0 + H});
    expect(fill.fee).toBeCloseTo(0.049, 12);
  });

  it('gap fill pays slippage but never worse than the limit', () => {
    const venue = makeVenue(candles([...flat(1), [97.9, 98, 97, 97.5]]), {slippage: {kind: 'fixed', bps: 50}});
    venue.sync(0);
    place(venue, limit('buy', 1, 98));
    // 97.9 × 1.005 = 98.3895 → tick up 98.4 > 98 → capped at 98; slippage (98 − 97.9) × 1 = 0.1.
    const [fill] = fills(venue.sync(1));
    expect(fill.price).toBe(98);
    expect(fill.slippage).toBeCloseTo(0.1, 9);
  });
});

describe('stop-market orders', () => {
  const entered = (rows: Parameters<typeof candles>[0], bps = 0) => {
    const venue = makeVenue(candles([...flat(1), [100, 100, 100, 100], ...rows]), {slippage: {kind: 'fixed', bps}});
    venue.sync(0);
    venue.submit(market('buy', 1));
    venue.sync(1); // long 1 at 100
    return venue;
  };

  it('trigger at the stop and fill there as taker', () => {
    const venue = entered([[97, 98, 94, 96]]);
    const s = place(venue, stop('sell', 1, 95, {reduceOnly: true, reason: 'stop-loss'}));
    const [fill] = fills(venue.sync(2));
    // Fee 95 × 0.0005 = 0.0475; realised (95 − 100) × 1 = −5.
    expect(fill).toMatchObject({orderId: s.id, price: 95, liquidity: 'taker', reason: 'stop-loss'});
    expect(fill.fee).toBeCloseTo(0.0475, 12);
    expect(venue.totals().realisedPnl).toBeCloseTo(-5, 12);
  });

  it('slippage applies from the stop price', () => {
    const venue = entered([[97, 98, 94, 96]], 10);
    place(venue, stop('sell', 1, 95, {reduceOnly: true}));
    // 95 × 0.999 = 94.905 → tick down 94.9; cost 0.1.
    const [fill] = fills(venue.sync(2));
    expect(fill.price).toBe(94.9);
    expect(fill.slippage).toBeCloseTo(0.1, 9);
  });

  it('gap through the stop fills at the open, then slippage', () => {
    const venue = entered([[93, 94, 92, 93.5]], 10);
    place(venue, stop('sell', 1, 95, {reduceOnly: true}));
    // 93 × 0.999 = 92.907 → 92.9; cost (93 − 92.9) = 0.1.
    const [fill] = fills(venue.sync(2));
    expect(fill).toMatchObject({price: 92.9, timeMs: T0 + 2 * H});
    expect(fill.slippage).toBeCloseTo(0.1, 9);
  });

  it('buy stop triggers when the high reaches it', () => {
    const venue = makeVenue(candles([...flat(1), [102, 104.9, 101, 104], [102, 105, 101, 104]]));
    venue.sync(0);
    place(venue, stop('buy', 1, 105));
    expect(venue.sync(1)).toHaveLength(0);
    expect(fills(venue.sync(2))[0]).toMatchObject({side: 'buy', price: 105});
  });

  it('amendStop moves the trigger (snapped to the tick); false for limits and unknown ids', () => {
    const venue = entered([[97, 98, 94, 96]]);
    const s = place(venue, stop('sell', 1, 90, {reduceOnly: true}));
    const l = place(venue, limit('sell', 1, 120, {reduceOnly: true}));
    expect(venue.amendStop(s.id, 95.04)).toBe(true);
    expect(venue.openOrders().find((o) => o.id === s.id)?.stopPrice).toBe(95);
    expect(venue.amendStop(l.id, 95)).toBe(false);
    expect(venue.amendStop(987_654, 95)).toBe(false);
    expect(fills(venue.sync(2))[0].price).toBe(95);
  });
});

describe('attached stop-loss and take-profit', () => {
  it('stop-loss and take-profit in the same bar: a long hits the low first (adverse)', () => {
    const venue = makeVenue(candles([...flat(1), [100, 100.5, 99.5, 100], [100, 107, 94, 101]]));
    venue.sync(0);
    const entry = place(venue, market('buy', 1, {attached: {stopLoss: 95, takeProfit: 106}}));
    expect(fills(venue.sync(1))).toHaveLength(1);
    const protective = venue.openOrders();
    expect(protective.map((o) => [o.type, o.side, o.qty, o.reduceOnly, o.reason, o.clientOrderId])).toEqual([
      ['stop-market', 'sell', 1, true, 'stop-loss', `${entry.clientOrderId}-sl`],
      ['limit', 'sell', 1, true, 'take-profit', `${entry.clientOrderId}-tp`],
    ]);
    expect(protective.every((o) => o.id < 0)).toBe(true);
    const events = venue.sync(2);
    expect(types(events)).toEqual(['fill', 'canceled']);
    expect(fills(events)[0]).toMatchObject({price: 95, reason: 'stop-loss', orderId: protective[0].id});
    expect(events[1]).toMatchObject({orderId: protective[1].id, reason: 'oco'});
    expect(venue.openOrders()).toHaveLength(0);
  });

  it('a short hits the high first', () => {
    const venue = makeVenue(candles([...flat(1), [100, 100.5, 99.5, 100], [100, 107, 94, 101]]));
    venue.sync(0);
    place(venue, market('sell', 1, {attached: {stopLoss: 105, takeProfit: 95}}));
    venue.sync(1);
    const [fill] = fills(venue.sync(2));
    expect(fill).toMatchObject({side: 'buy', price: 105, reason: 'stop-loss'});
    expect(venue.position().qty).toBe(0);
  });

  it('are active in the entry bar: limit entry on the way down, then its stop on the same leg', () => {
    // Green bar, flat → o→l→h→c. Leg 100→96: buy limit 99 fills, then the stop at 97 on the same leg.
    const venue = makeVenue(candles([...flat(1), [100, 104, 96, 103]]));
    venue.sync(0);
    place(venue, limit('buy', 1, 99, {attached: {stopLoss: 97, takeProfit: 103}}));
    const events = venue.sync(1);
    expect(types(events)).toEqual(['fill', 'fill', 'canceled']);
    const [entry, exit] = fills(events);
    expect(entry).toMatchObject({price: 99, liquidity: 'maker'});
    expect(exit).toMatchObject({price: 97, liquidity: 'taker', reason: 'stop-loss'});
    expect(exit.timeMs).toBeGreaterThanOrEqual(entry.timeMs);
    // Realised (97 − 99) = −2; fees 99 × 0.0002 + 97 × 0.0005 = 0.0198 + 0.0485.
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 2 - 0.0198 - 0.0485, 9);
  });

  it('take-profit in the entry bar after a market entry', () => {
    const venue = makeVenue(candles([...flat(1), [100, 103, 99.5, 102]]));
    venue.sync(0);
    place(venue, market('buy', 1, {attached: {stopLoss: 98, takeProfit: 102}}));
    const events = venue.sync(1);
    expect(types(events)).toEqual(['fill', 'fill', 'canceled']);
    expect(fills(events)[1]).toMatchObject({price: 102, liquidity: 'maker', reason: 'take-profit'});
    expect(events[2]).toMatchObject({reason: 'oco'});
    expect(venue.totals().realisedPnl).toBeCloseTo(2, 12);
  });

  it('are canceled when the engine closes the position', () => {
    const venue = makeVenue(candles(flat(4)));
    venue.sync(0);
    place(venue, market('buy', 1, {attached: {stopLoss: 90, takeProfit: 110}}));
    venue.sync(1);
    const [sl, tp] = venue.openOrders();
    place(venue, market('sell', 1, {reduceOnly: true, reason: 'exit'}));
    const events = venue.sync(2);
    expect(types(events)).toEqual(['fill', 'canceled', 'canceled']);
    expect(events.slice(1)).toMatchObject([
      {orderId: sl.id, reason: 'position-closed'},
      {orderId: tp.id, reason: 'position-closed'},
    ]);
  });

  it('are canceled on a reversal; the new side gets its own, sized to the resulting position', () => {
    const venue = makeVenue(candles(flat(4)));
    venue.sync(0);
    place(venue, market('buy', 1, {attached: {stopLoss: 90, takeProfit: 110}}));
    venue.sync(1);
    const reversal = place(venue, market('sell', 2, {attached: {stopLoss: 112, takeProfit: 95}}));
    const events = venue.sync(2);
    expect(types(events)).toEqual(['fill', 'canceled', 'canceled']);
    expect(events[1]).toMatchObject({reason: 'position-reversed'});
    const open = venue.openOrders();
    expect(open.map((o) => [o.clientOrderId, o.side, o.qty, o.stopPrice ?? o.price])).toEqual([
      [`${reversal.clientOrderId}-sl`, 'buy', 1, 112],
      [`${reversal.clientOrderId}-tp`, 'buy', 1, 95],
    ]);
    expect(new Set(open.map((o) => o.id)).size).toBe(2);
  });
});

describe('path order', () => {
  it('flat: a green bar visits the low first, a red bar the high first', () => {
    const run = (row: [number, number, number, number]) => {
      const venue = makeVenue(candles([...flat(1), row]));
      venue.sync(0);
      place(venue, limit('buy', 1, 99));
      place(venue, limit('sell', 1, 101));
      return fills(venue.sync(1)).map((f) => f.side);
    };
    expect(run([100, 102, 98, 101])).toEqual(['buy', 'sell']);
    expect(run([100, 102, 98, 99])).toEqual(['sell', 'buy']);
  });

  it('later legs see the position an earlier leg opened', () => {
    // Green bar, flat: o→l→h→c. The sell stop opens a short at 97 on the way down; its stop-loss
    // at 103 then triggers on the way up (leg 2).
    const venue = makeVenue(candles([...flat(1), [100, 106, 95, 104]]));
    venue.sync(0);
    place(venue, stop('sell', 1, 97, {attached: {stopLoss: 103}}));
    const [entry, exit] = fills(venue.sync(1));
    expect(entry).toMatchObject({side: 'sell', price: 97});
    expect(exit).toMatchObject({side: 'buy', price: 103, reason: 'stop-loss'});
    // Realised (97 − 103) × 1 = −6.
    expect(venue.totals().realisedPnl).toBeCloseTo(-6, 12);
    expect(venue.position().qty).toBe(0);
  });
});

describe('resting reduce-only and book management', () => {
  it('a resting reduce-only order that would increase is canceled when it triggers', () => {
    const venue = makeVenue(candles([...flat(1), [100, 102, 99, 101]]));
    venue.sync(0);
    const o = place(venue, limit('sell', 1, 101, {reduceOnly: true}));
    expect(venue.sync(1)).toMatchObject([{type: 'canceled', orderId: o.id, reason: 'reduce-only-would-increase'}]);
    expect(venue.openOrders()).toHaveLength(0);
  });

  it('cancel, cancelAll and openOrders', () => {
    const venue = makeVenue(candles(flat(3)));
    venue.sync(0);
    const a = place(venue, limit('buy', 1, 90));
    place(venue, stop('buy', 1, 110));
    place(venue, market('buy', 1));
    expect(venue.openOrders().map((o) => o.type)).toEqual(['market', 'limit', 'stop-market']);
    expect(venue.openOrders()).toBe(venue.openOrders()); // cached between changes
    expect(venue.cancel(a.id, 'test')).toBe(true);
    expect(venue.cancel(a.id, 'test')).toBe(false);
    expect(venue.cancelAll('test')).toBe(2);
    expect(venue.openOrders()).toHaveLength(0);
    expect(venue.sync(1)).toHaveLength(0);
  });
});
