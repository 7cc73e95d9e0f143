import {describe, expect, it} from 'vitest';
import {barReturns, mean, sampleStd} from '../../src/portfolio/returns.js';
import {thinMarkers} from '../../src/report/journal-views.js';
import {buyAndHold, calendarReturns, histogram, rollingSharpe, rollingWindowBars} from '../../src/report/series.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('calendarReturns', () => {
  it('compounds months from the previous month-end close and years from the previous year-end', () => {
    // Daily closes: Dec 30, Dec 31, Jan 1 00:00 (= Dec 31's last close), Jan 15, Feb 1 00:00 (Jan's last), Feb 10.
    const times = [Date.UTC(2023, 11, 30, 1), Date.UTC(2023, 11, 31, 1), Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 15), Date.UTC(2024, 1, 1), Date.UTC(2024, 1, 10)];
    const equity = [101, 104, 110, 99, 121, 133.1];
    const r = calendarReturns(Float64Array.from(times), Float64Array.from(equity), 100);
    // Dec 2023: 110 / 100 − 1 (the midnight close on Jan 1 ends December)
    // Jan 2024: 121 / 110 − 1 = 0.1; Feb 2024: 133.1 / 121 − 1 = 0.1; year 2024 = 133.1 / 110 − 1 = 0.21
    expect(r.map((p) => [p.year, p.month])).toEqual([[2023, 12], [2024, 1], [2024, 2], [2023, 0], [2024, 0]]);
    expect(r[0].ret).toBeCloseTo(0.1, 12);
    expect(r[1].ret).toBeCloseTo(0.1, 12);
    expect(r[2].ret).toBeCloseTo(0.1, 12);
    expect(r[3].ret).toBeCloseTo(0.1, 12);
    expect(r[4].ret).toBeCloseTo(0.21, 12);
  });

  it('multiplies months to the year on a long hourly curve', () => {
    const n = 24 * 400;
    const times = Float64Array.from({length: n}, (_, i) => Date.UTC(2024, 0, 1) + (i + 1) * HOUR);
    const equity = Float64Array.from({length: n}, (_, i) => 1000 * (1 + 0.2 * Math.sin(i / 500)) + i / 10);
    const r = calendarReturns(times, equity, 1000);
    for (const year of [2024, 2025]) {
      const months = r.filter((p) => p.year === year && p.month > 0);
      const product = months.reduce((acc, p) => acc * (1 + p.ret), 1) - 1;
      expect(product).toBeCloseTo(r.find((p) => p.year === year && p.month === 0)!.ret, 10);
    }
    expect(r.filter((p) => p.year === 2024 && p.month > 0)).toHaveLength(12);
  });
});

describe('rollingSharpe', () => {
  it('equals mean / sample std · √(bars per year) of each trailing window', () => {
    const equity = Float64Array.from({length: 300}, (_, i) => 100 + 10 * Math.sin(i / 7) + i * 0.05);
    const window = 24;
    const rolling = rollingSharpe(equity, 100, window, 8760);
    const r = barReturns(equity, 100);
    for (const i of [23, 24, 100, 150, 299]) {
      const w = r.slice(i - window + 1, i + 1);
      expect(rolling[i]).toBeCloseTo((mean(w) / sampleStd(w)) * Math.sqrt(8760), 8);
    }
    expect(Number.isNaN(rolling[22])).toBe(true);
  });

  it('is NaN on flat stretches (no position) instead of rounding noise', () => {
    const equity = Float64Array.from([100, 101, 99, 100, 100, 100, 100, 100, 100, 100, 100]);
    const rolling = rollingSharpe(equity, 100, 4, 8760);
    expect(Number.isFinite(rolling[3])).toBe(true);
    expect(Array.from(rolling.slice(7)).every(Number.isNaN)).toBe(true);
  });

  it('uses a 30-day window, or a quarter of a short run', () => {
    expect(rollingWindowBars(20_000, HOUR)).toBe(720);
    expect(rollingWindowBars(1000, HOUR)).toBe(250);
    expect(rollingWindowBars(30, DAY)).toBe(10);
  });
});

describe('histogram', () => {
  it('uses a nice step with 0 as an edge, so wins and losses never share a bin', () => {
    const h = histogram([-95, -12, -0.5, 0, 3, 48, 101], 10);
    expect(h.step).toBe(20);
    expect(h.bins[0].from).toBe(-100);
    expect(h.bins.some((b) => b.from === 0)).toBe(true);
    expect(h.bins.reduce((s, b) => s + b.count, 0)).toBe(7);
    expect(h.bins.find((b) => b.from === -20)!.count).toBe(2);
    expect(h.bins.find((b) => b.from === 0)!.count).toBe(2);
  });

  it('is empty without values', () => {
    expect(histogram([])).toEqual({step: 0, bins: []});
  });
});

describe('buyAndHold', () => {
  it('holds the starting cash in the coin from the first close', () => {
    expect(Array.from(buyAndHold(Float64Array.from([200, 210, 190]), 1000))).toEqual([1000, 1050, 950]);
  });
});

describe('thinMarkers', () => {
  it('keeps every stop and liquidation and thins the rest evenly', () => {
    const kinds = ['entry long', 'exit', 'entry short', 'take-profit'] as const;
    const markers = Array.from({length: 1000}, (_, i) => ({
      t: i, price: 100, kind: i % 97 === 0 ? ('stop' as const) : i === 500 ? ('liquidation' as const) : kinds[i % 4], reason: '',
    }));
    expect(thinMarkers(markers, 2000)).toHaveLength(1000);
    const thin = thinMarkers(markers, 100);
    expect(thin.length).toBeLessThanOrEqual(100);
    expect(thin.length).toBeGreaterThan(80);
    expect(thin.filter((m) => m.kind === 'stop')).toHaveLength(markers.filter((m) => m.kind === 'stop').length);
    expect(thin.some((m) => m.kind === 'liquidation')).toBe(true);
    for (let k = 1; k < thin.length; k++) expect(thin[k].t).toBeGreaterThan(thin[k - 1].t);
  });
});
