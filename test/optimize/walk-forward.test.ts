import {describe, expect, it} from 'vitest';
import {DAY_MS, equityFromReturns, periodReturns, periodSharpe} from '../../src/optimize/period-returns.js';
import {annualisedReturn, stitchReturns, walkForwardEfficiency, walkForwardFolds} from '../../src/optimize/walk-forward.js';

describe('walk-forward windows', () => {
  it('tiles the test spans after the first training window, the last one cut at the end', () => {
    const folds = walkForwardFolds(0, 100 * DAY_MS, 30 * DAY_MS, 20 * DAY_MS);
    expect(folds.map((f) => [f.trainFromMs, f.trainToMs, f.testFromMs, f.testToMs].map((t) => t / DAY_MS))).toEqual([
      [0, 30, 30, 50], [20, 50, 50, 70], [40, 70, 70, 90], [60, 90, 90, 100],
    ]);
    expect(() => walkForwardFolds(0, 10 * DAY_MS, 30 * DAY_MS, 5 * DAY_MS)).toThrow(/shorter than one walk-forward fold/);
  });
});

describe('daily returns and stitching', () => {
  it('reduces an hourly curve to close-to-close daily returns, the first against the initial equity', () => {
    const H = 3_600_000;
    // Closes at 01:00 … 48:00 of two days: equity 100 → 110 at day 1's last close, 99 at day 2's.
    const close = Float64Array.from({length: 48}, (_, i) => (i + 1) * H);
    const equity = Float64Array.from({length: 48}, (_, i) => (i < 24 ? 100 + (i === 23 ? 10 : 0) : i === 47 ? 99 : 105));
    const r = periodReturns(close, equity, 100);
    expect(r.startMs).toBe(0);
    expect(Array.from(r.values)).toEqual([110 / 100 - 1, 99 / 110 - 1]);
    expect(Array.from(equityFromReturns(r.values, 100)).map((x) => Number(x.toFixed(9)))).toEqual([110, 99]);
    expect(periodSharpe([0.01, 0.03])).toBeCloseTo(0.02 / Math.sqrt(0.0002), 12);
  });

  it('stitches fold returns end to end, compounding a shared day once', () => {
    const a = {startMs: 0, periodMs: DAY_MS, values: Float64Array.from([0.1, 0.1])};
    const b = {startMs: DAY_MS, periodMs: DAY_MS, values: Float64Array.from([0.5, -0.5])};
    const s = stitchReturns([a, b]);
    expect(Array.from(s.values).map((x) => Number(x.toFixed(12)))).toEqual([0.1, 0.65, -0.5]);
    expect(annualisedReturn(new Float64Array(365).fill(0.001), DAY_MS)).toBeCloseTo(1.001 ** 365 - 1, 12);
    expect(walkForwardEfficiency(0.1, [0.2, 0.2])).toBeCloseTo(0.5, 12);
    expect(walkForwardEfficiency(0.1, [-0.2])).toBeNull();
  });
});
