import {describe, expect, it} from 'vitest';
import type {FundingPayment, VenueEvent} from '../../src/core/index.js';
import {candles, fundingSeries, H, makeVenue, market, place, stop, T0, type Row} from '../support/sim-venue.js';

const D = 24 * H;
const payments = (events: readonly VenueEvent[]): FundingPayment[] => events.flatMap((e) => (e.type === 'funding' ? [e.funding] : []));

// Daily bars. Day 1: open 100, low 90, high 110, close 105 (a long walks o→l→h→c: the low at 08:00, the high at 16:00).
const rows: Row[] = [
  [100, 100, 100, 100],
  [100, 110, 90, 105],
  [105, 105, 105, 105],
];
const bars = candles(rows, T0, D);
// Settlements every 8 h from day 1's open: 00:00 (at the open), 08:00 and 16:00 (inside), then day 2's 00:00.
const settlements = [0, 8, 16, 24].map((h) => [T0 + D + h * H, 0.0001] as const);

function venue(options: Parameters<typeof makeVenue>[1] = {}) {
  return makeVenue(bars, {timeframeMs: D, leverage: 2, funding: fundingSeries(settlements), ...options});
}

describe('funding on bars longer than the settlement interval', () => {
  it('charges each settlement at its own time, on the position held at that instant, and journals its real time', () => {
    const v = venue();
    v.sync(0);
    place(v, market('buy', 1));
    const day1 = payments(v.sync(1));
    // 00:00 is the open: settled before the entry fills (flat, so nothing); 08:00 and 16:00 on the new long.
    expect(day1.map((p) => [p.timeMs, p.positionQty])).toEqual([
      [T0 + D + 8 * H, 1],
      [T0 + D + 16 * H, 1],
    ]);
    // No mark candles and no recorded mark: the path price at that instant (the low at 08:00, the high at 16:00).
    expect(day1.map((p) => p.markPrice)).toEqual([90, 110]);
    expect(day1.map((p) => p.amount)).toEqual([-1 * 90 * 0.0001, -1 * 110 * 0.0001]);
    expect(payments(v.sync(2)).map((p) => p.timeMs)).toEqual([T0 + 2 * D]);
  });

  it('does not charge settlements after a stop closed the position inside the bar', () => {
    const v = venue();
    v.sync(0);
    place(v, market('buy', 1));
    place(v, stop('sell', 1, 95, {reduceOnly: true}));
    const events = v.sync(1);
    // The stop triggers on the first leg (before 08:00): no settlement is charged on day 1.
    expect(events.map((e) => e.type)).toEqual(['fill', 'fill']);
    expect(v.position().qty).toBe(0);
  });

  it('charges a position opened inside the bar only for the settlements after its fill', () => {
    const v = venue();
    v.sync(0);
    // A buy stop at 108 triggers on the second leg (low → high), between 08:00 and 16:00.
    place(v, stop('buy', 1, 108));
    const got = payments(v.sync(1));
    expect(got.map((p) => [p.timeMs, p.positionQty])).toEqual([[T0 + D + 16 * H, 1]]);
  });

  it('prefers the mark of a stored candle opening at that instant, then the recorded settlement mark, then the path', () => {
    const candleMarks = Float64Array.from([NaN, 91.5, NaN, NaN]);
    const recorded = fundingSeries(settlements);
    recorded.markPrice[2] = 108.8;
    const v = venue({funding: recorded, fundingMarks: candleMarks});
    v.sync(0);
    place(v, market('buy', 1));
    expect(payments(v.sync(1)).map((p) => p.markPrice)).toEqual([91.5, 108.8]);
  });

  it('keeps a 1 h run unchanged: a settlement stored a few ms after the open is the open', () => {
    const hourly = candles([[100, 100, 100, 100], [101, 102, 99, 100], [100, 100, 100, 100]]);
    const v = makeVenue(hourly, {funding: fundingSeries([[T0 + H + 4, 0.0001]])});
    v.sync(0);
    place(v, market('buy', 1));
    expect(payments(v.sync(1))).toEqual([]); // at the open, before the fill: flat
  });
});
