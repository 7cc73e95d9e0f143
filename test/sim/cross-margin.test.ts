import {describe, expect, it} from 'vitest';
import {candles, fills, makeVenue, market, type Row, T0, H, types} from '../support/sim-venue.js';

/**
 * Cross margin: the margin available for an increase is wallet − margin in use + unrealised PnL
 * (Binance's cross balance), so a winning position frees margin and a losing one ties it up.
 * Wallet 1 000, 10x, taker 0.05 %: 50 filled at 100 leave 997.5 in the wallet and 500 in use.
 */
const flatBar = (p: number): Row => [p, p, p, p];

function afterEntry(side: 'buy' | 'sell', nextOpen: number, marginMode: 'cross' | 'isolated' = 'cross') {
  const venue = makeVenue(candles([flatBar(100), flatBar(100), flatBar(nextOpen), flatBar(nextOpen)]), {initialBalance: 1_000, marginMode});
  venue.sync(0);
  venue.submit(market(side, 50));
  expect(fills(venue.sync(1))[0]).toMatchObject({qty: 50, price: 100});
  expect(venue.walletBalance()).toBeCloseTo(997.5, 9);
  return venue;
}

describe('cross margin counts unrealised PnL', () => {
  it('lets a long in profit add what only its gain pays for', () => {
    // At 110: unrealised +500, available 997.5 − 500 + 500 = 997.5; 80 more need 880 + 4.4 = 884.4.
    const venue = afterEntry('buy', 110);
    venue.submit(market('buy', 80));
    expect(fills(venue.sync(2))[0]).toMatchObject({qty: 80, price: 110});
    expect(venue.position().qty).toBe(130);
    // Without the gain (isolated) the same order is refused: 884.4 > 497.5.
    const isolated = afterEntry('buy', 110, 'isolated');
    isolated.submit(market('buy', 80));
    expect(isolated.sync(2)).toEqual([{type: 'rejected', orderId: expect.any(Number), reason: 'insufficient-margin', timeMs: T0 + 2 * H}]);
  });

  it('refuses a long in loss an add its wallet alone would cover', () => {
    // At 95: unrealised −250, available 997.5 − 500 − 250 = 247.5; 40 more need 380 + 1.9 = 381.9.
    const venue = afterEntry('buy', 95);
    venue.submit(market('buy', 40));
    expect(types(venue.sync(2))).toEqual(['rejected']);
    // 20 more need 190 + 0.95 = 190.95 ≤ 247.5: accepted, so it is the loss, not a blanket refusal.
    venue.submit(market('buy', 20));
    expect(fills(venue.sync(3))[0]).toMatchObject({qty: 20, price: 95});
  });

  it('counts a short\'s gain when the price falls', () => {
    // Short 50 at 100, now 90: unrealised +500; 80 more short need 720 + 3.6 = 723.6 ≤ 997.5.
    const venue = afterEntry('sell', 90);
    venue.submit(market('sell', 80));
    expect(fills(venue.sync(2))[0]).toMatchObject({qty: 80, side: 'sell'});
    expect(venue.position().qty).toBe(-130);
    // Short 50 at 100, now 105: unrealised −250 → available 247.5; 40 more need 420 + 2.1.
    const losing = afterEntry('sell', 105);
    losing.submit(market('sell', 40));
    expect(types(losing.sync(2))).toEqual(['rejected']);
  });
});
