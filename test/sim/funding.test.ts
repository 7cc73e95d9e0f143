import {describe, expect, it} from 'vitest';
import type {FundingPayment, VenueEvent} from '../../src/core/index.js';
import {candles, flat, fundingSeries, H, makeVenue, market, T0, type Row} from '../support/sim-venue.js';

const payments = (events: readonly VenueEvent[]): FundingPayment[] =>
  events.flatMap((e) => (e.type === 'funding' ? [e.funding] : []));

// 30 hourly bars at 100; bar 8 opens at 101.
const rows: Row[] = flat(30);
rows[8] = [101, 101, 100, 100];
const bars = candles(rows);
// Mark candles only for bar 16 (NaN elsewhere: trade prices are used there).
const mark = candles(flat(30, Number.NaN));
mark.open[16] = 100.5;
mark.high[16] = 100.6;
mark.low[16] = 100.4;
mark.close[16] = 100.5;
// Settlements at 08:00 exactly, 16:00 + 3 ms and 24:00 − 2 ms (jitter as stored).
const funding = fundingSeries([
  [T0 + 8 * H, 0.0001],
  [T0 + 16 * H + 3, -0.0002],
  [T0 + 24 * H - 2, 0.0003],
]);

function run(side: 'buy' | 'sell' | null, fundingEnabled = true) {
  const venue = makeVenue(bars, {mark, funding, fundingEnabled});
  const byBar = new Map<number, FundingPayment[]>();
  for (let i = 0; i < bars.length; i++) {
    const got = payments(venue.sync(i));
    if (got.length > 0) byBar.set(i, got);
    if (i === 0 && side !== null) venue.submit(market(side, 2));
  }
  return {venue, byBar};
}

describe('funding', () => {
  it('charges a long on the stored settlement times, at the bar open (mark open when present)', () => {
    const {venue, byBar} = run('buy');
    expect([...byBar.keys()]).toEqual([8, 16, 23]);
    // Bar 8: −2 × 101 (trade open, no mark) × 0.0001 = −0.0202: a long pays a positive rate.
    expect(byBar.get(8)).toEqual([{symbol: 'TEST/USDT:USDT', timeMs: T0 + 8 * H, rate: 0.0001, markPrice: 101, positionQty: 2, amount: expect.closeTo(-0.0202, 12)}]);
    // Bar 16 (16:00:00.003 falls in it): −2 × 100.5 (mark open) × −0.0002 = +0.0402: a long receives a negative rate.
    expect(byBar.get(16)?.[0]).toMatchObject({timeMs: T0 + 16 * H + 3, markPrice: 100.5, amount: expect.closeTo(0.0402, 12)});
    // 23:59:59.998 belongs to bar 23 [23:00, 24:00): −2 × 100 × 0.0003 = −0.06.
    expect(byBar.get(23)?.[0]).toMatchObject({timeMs: T0 + 24 * H - 2, markPrice: 100, amount: expect.closeTo(-0.06, 12)});
    // Entry fee 2 × 100 × 0.0005 = 0.1.
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.1 - 0.0202 + 0.0402 - 0.06, 9);
    expect(venue.totals().funding).toBeCloseTo(-0.0202 + 0.0402 - 0.06, 12);
  });

  it('a short receives a positive rate and pays a negative one', () => {
    const {byBar} = run('sell');
    expect([8, 16, 23].map((i) => byBar.get(i)?.[0].amount)).toEqual([
      expect.closeTo(0.0202, 12),
      expect.closeTo(-0.0402, 12),
      expect.closeTo(0.06, 12),
    ]);
    expect(byBar.get(8)?.[0].positionQty).toBe(-2);
  });

  it('charges nothing when flat or when funding is disabled', () => {
    expect(run(null).byBar.size).toBe(0);
    const {venue, byBar} = run('buy', false);
    expect(byBar.size).toBe(0);
    expect(venue.walletBalance()).toBeCloseTo(10_000 - 0.1, 9);
  });

  it('settles on the position held before the bar fills: opened at the settlement bar pays nothing, closed there pays', () => {
    const opened = makeVenue(bars, {funding});
    for (let i = 0; i <= 7; i++) opened.sync(i);
    opened.submit(market('buy', 2));
    expect(payments(opened.sync(8))).toHaveLength(0); // fills at bar 8's open, after funding
    expect(opened.position().qty).toBe(2);

    const closed = makeVenue(bars, {funding});
    closed.sync(0);
    closed.submit(market('buy', 2));
    for (let i = 1; i <= 7; i++) closed.sync(i);
    closed.submit(market('sell', 2, {reduceOnly: true}));
    const events = closed.sync(8);
    expect(events.map((e) => e.type)).toEqual(['funding', 'fill']);
    expect(closed.position().qty).toBe(0);
  });

  it('a settlement inside a missing candle is charged at the next bar', () => {
    // Bars at 06:00, 07:00, then 09:00 (08:00 missing).
    const gap = candles(flat(3));
    gap.openTime[0] = T0 + 6 * H;
    gap.openTime[1] = T0 + 7 * H;
    gap.openTime[2] = T0 + 9 * H;
    const venue = makeVenue(gap, {funding});
    venue.sync(0);
    venue.submit(market('buy', 1));
    expect(payments(venue.sync(1))).toHaveLength(0);
    // −1 × 100 × 0.0001 = −0.01, stamped with the settlement's own time.
    expect(payments(venue.sync(2))).toEqual([expect.objectContaining({timeMs: T0 + 8 * H, amount: expect.closeTo(-0.01, 12)})]);
  });

  it('rejects a funding series of another symbol', () => {
    expect(() => makeVenue(bars, {funding: fundingSeries([[T0, 0.0001]], 'BTC/USDT:USDT')})).toThrow(/funding series/);
  });
});
