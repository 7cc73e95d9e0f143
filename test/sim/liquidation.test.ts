import {describe, expect, it} from 'vitest';
import type {Liquidation, VenueEvent} from '../../src/core/index.js';
import {liquidationPrice, type SimulatedVenueOptions} from '../../src/sim/index.js';
import {candles, fills, flat, fundingSeries, H, limit, makeVenue, market, place, T0, TEST_SPEC, type Row} from '../support/sim-venue.js';

const liquidations = (events: readonly VenueEvent[]): Liquidation[] =>
  events.flatMap((e) => (e.type === 'liquidation' ? [e.liquidation] : []));

/** Bar 0 quiet, entry at bar 1's open (100), then `rows`. */
function entered(side: 'buy' | 'sell', qty: number, rows: Row[], options: Partial<SimulatedVenueOptions> = {}, attached?: {stopLoss?: number; takeProfit?: number}) {
  const venue = makeVenue(candles([...flat(2), ...rows]), options);
  venue.sync(0);
  place(venue, market(side, qty, attached === undefined ? {} : {attached}));
  venue.sync(1);
  return venue;
}

describe('liquidation (isolated)', () => {
  it('long: closes at the liquidation price, fee capped so the loss equals the isolated margin', () => {
    const venue = entered('buy', 1, [[95, 96, 90, 92]]);
    // WB = 1 × 100 / 10 = 10; bracket 1 (1 %, cum 0): LP = (10 + 0 − 100)/(0.01 − 1) = 90/0.99 = 90.9090…
    const lp = 90 / 0.99;
    expect(venue.position().liquidationPrice).toBeCloseTo(lp, 9);
    const events = venue.sync(2);
    const [liq] = liquidations(events);
    expect(liq).toMatchObject({symbol: 'TEST/USDT:USDT', qty: 1, price: expect.closeTo(lp, 9), markPrice: expect.closeTo(lp, 9)});
    // PnL (LP − 100) = −9.0909; raw fee 90.909 × 1.25 % = 1.136 > what is left of the margin (10 − 9.0909 = 0.9091).
    expect(liq.fee).toBeCloseTo(10 - (100 - lp), 9);
    expect(liq.timeMs).toBeGreaterThan(T0 + 2 * H);
    expect(liq.timeMs).toBeLessThan(T0 + 3 * H);
    // Wallet: 10 000 − entry fee 0.05 − the whole margin 10.
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.05 - 10, 9);
    expect(venue.position().qty).toBe(0);
    expect(venue.position().liquidationPrice).toBeNaN();
    expect(venue.totals().liquidationFees).toBeCloseTo(liq.fee, 12);
  });

  it('short: LP = (WB + Q·E)/(Q·mmr + Q), same cap', () => {
    const venue = entered('sell', 1, [[105, 110, 104, 106]]);
    // (10 + 100)/(0.01 + 1) = 108.9108…
    const lp = 110 / 1.01;
    expect(venue.position().liquidationPrice).toBeCloseTo(lp, 9);
    const [liq] = liquidations(venue.sync(2));
    expect(liq).toMatchObject({qty: -1, price: expect.closeTo(lp, 9)});
    expect(liq.fee).toBeCloseTo(10 - (lp - 100), 9);
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.05 - 10, 9);
  });

  it('uses the bracket of the position notional (tiers 2 and 3) and charges the full fee when the margin covers it', () => {
    // 500 × 100 = 50 000 → tier 2 (2 %, cum 100): LP = (5000 + 100 − 50000)/(500 × 0.02 − 500) = 44900/490.
    expect(entered('buy', 500, [], {initialBalance: 100_000}).position().liquidationPrice).toBeCloseTo(44_900 / 490, 9);
    // 1 500 × 100 = 150 000 → tier 3 (5 %, cum 3100): LP = (15000 + 3100 − 150000)/(75 − 1500) = 131900/1425 = 92.5614…
    const venue = entered('buy', 1_500, [[95, 96, 92, 93]], {initialBalance: 100_000});
    const lp = 131_900 / 1_425;
    expect(venue.position().liquidationPrice).toBeCloseTo(lp, 9);
    const [liq] = liquidations(venue.sync(2));
    // Fee 1500 × LP × 1.25 % = 1735.53 < margin left (maintenance margin 1500 × LP × 5 % − 3100 = 3842.11): not capped.
    expect(liq.fee).toBeCloseTo(1_500 * lp * 0.0125, 9);
    // Wallet: 100 000 − entry fee 75 + PnL 1500 × (LP − 100) − fee.
    expect(venue.walletBalance()).toBeCloseTo(100_000 - 75 + 1_500 * (lp - 100) - 1_500 * lp * 0.0125, 6);
  });

  it('uses the bracket of the notional at the liquidation price: a short rising into the next tier goes earlier', () => {
    // Short 990 @ 100 (99 000, tier 2), isolated margin 9 900. Tier 2's price (9900 + 100 + 99000)/(990 × 1.02) =
    // 107.942 is a notional of 106 863, in tier 3, where the maintenance margin (106 863 × 5 % − 3100 = 2243)
    // already exceeds the margin left: tier 3 gives (9900 + 3100 + 99000)/(990 × 1.05) = 107.744, notional 106 667.
    const lp = 112_000 / 1_039.5;
    expect(liquidationPrice(-990, 100, 9_900, TEST_SPEC.brackets)).toBeCloseTo(lp, 9);
    const venue = entered('sell', 990, [[100, 107.8, 99, 107]], {initialBalance: 100_000});
    expect(venue.position().liquidationPrice).toBeCloseTo(lp, 9);
    const [liq] = liquidations(venue.sync(2));
    expect(liq).toMatchObject({qty: -990, price: expect.closeTo(lp, 9)});
    // A long falling out of tier 3 into tier 2 keeps the tier it is in at its own price.
    const longLp = liquidationPrice(1_050, 100, 10_500, TEST_SPEC.brackets);
    const b = TEST_SPEC.brackets[1];
    expect(1_050 * longLp).toBeLessThanOrEqual(b.notionalCap);
    expect(longLp).toBeCloseTo((10_500 + b.maintAmount - 105_000) / (1_050 * b.maintMarginRate - 1_050), 9);
  });

  it('a protective stop above the liquidation price fills first', () => {
    const venue = entered('buy', 1, [[95, 96, 85, 88]], {}, {stopLoss: 92});
    const events = venue.sync(2);
    expect(events.map((e) => e.type)).toEqual(['fill']);
    expect(fills(events)[0]).toMatchObject({price: 92, reason: 'stop-loss'});
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.05 - 8 - 92 * 0.0005, 9);
  });

  it('triggers on the mark price path, not the trade path', () => {
    const rows: Row[] = [...flat(2), [95, 96, 91, 93]]; // trade low 91 stays above LP 90.909
    const mark = candles([...flat(2, Number.NaN), [95, 96, 90.5, 93]]);
    const venue = makeVenue(candles(rows), {mark});
    venue.sync(0);
    venue.submit(market('buy', 1));
    venue.sync(1);
    const [liq] = liquidations(venue.sync(2));
    expect(liq.price).toBeCloseTo(90 / 0.99, 9);
    expect(liq.markPrice).toBeCloseTo(90 / 0.99, 9);

    // And the other way: the trade low goes through LP but the mark does not.
    const calmMark = candles([...flat(2, Number.NaN), [95, 96, 91, 93]]);
    const safe = makeVenue(candles([...flat(2), [95, 96, 90, 93]]), {mark: calmMark});
    safe.sync(0);
    safe.submit(market('buy', 1));
    safe.sync(1);
    expect(safe.sync(2)).toHaveLength(0);
    expect(safe.position().qty).toBe(1);
  });

  it('a gap through LP still closes at LP (the trader loses the margin, not more); markPrice is the open', () => {
    const venue = entered('buy', 1, [[89, 89.5, 88, 89]]);
    const [liq] = liquidations(venue.sync(2));
    expect(liq).toMatchObject({price: expect.closeTo(90 / 0.99, 9), markPrice: 89, timeMs: T0 + 2 * H});
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.05 - 10, 9);
  });

  it('cancels resting reduce-only orders, keeps the others', () => {
    const venue = entered('buy', 1, [[95, 96, 90, 92]], {}, {takeProfit: 110});
    const buy = place(venue, limit('buy', 1, 50));
    const events = venue.sync(2);
    expect(events.map((e) => e.type)).toEqual(['liquidation', 'canceled']);
    expect(events[1]).toMatchObject({reason: 'liquidation'});
    expect(venue.openOrders().map((o) => o.id)).toEqual([buy.id]);
  });
});

describe('liquidation (cross)', () => {
  it('uses the wallet balance; the fee never takes the wallet below zero', () => {
    const venue = entered('buy', 5, [[90, 91, 80, 85]], {marginMode: 'cross', initialBalance: 100});
    // Wallet 100 − 5 × 100 × 0.0005 = 99.75. LP = (99.75 − 500)/(5 × 0.01 − 5) = 400.25/4.95 = 80.8585…
    const lp = 400.25 / 4.95;
    expect(venue.position()).toMatchObject({marginMode: 'cross', liquidationPrice: expect.closeTo(lp, 9)});
    const [liq] = liquidations(venue.sync(2));
    expect(liq.price).toBeCloseTo(lp, 9);
    // PnL 5 × (LP − 100) = −95.707; left 4.043 (= maintenance margin 5 × LP × 1 %) < raw fee 5.054 → fee 4.043.
    expect(liq.fee).toBeCloseTo(99.75 + 5 * (lp - 100), 9);
    expect(venue.walletBalance()).toBeCloseTo(0, 9);
  });

  it('funding moves the cross liquidation price', () => {
    const bars = candles([...flat(2), [100, 100, 100, 100]]);
    const venue = makeVenue(bars, {marginMode: 'cross', initialBalance: 100, funding: fundingSeries([[T0 + 2 * H, 0.01]])});
    venue.sync(0);
    venue.submit(market('buy', 5));
    venue.sync(1);
    venue.sync(2);
    // Funding −5 × 100 × 0.01 = −5 → wallet 94.75 → LP = (94.75 − 500)/(−4.95) = 81.8686…
    expect(venue.walletBalance()).toBeCloseTo(94.75, 9);
    expect(venue.position().liquidationPrice).toBeCloseTo(405.25 / 4.95, 9);
  });
});
