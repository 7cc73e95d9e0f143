import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {downsample, minMaxIndices, round} from '../../src/report/downsample.js';

/** What the algorithm promises: the min and max of every bucket, plus both ends. */
function bucketExtremes(values: number[], buckets: number): Array<{min: number; max: number}> {
  const n = values.length;
  const out = [];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * (n - 2)) / buckets);
    const to = 1 + Math.floor(((b + 1) * (n - 2)) / buckets);
    const slice = values.slice(from, to).filter(Number.isFinite);
    if (slice.length > 0) out.push({min: Math.min(...slice), max: Math.max(...slice)});
  }
  return out;
}

describe('minMaxIndices', () => {
  it('keeps a short series whole', () => {
    expect(Array.from(minMaxIndices([5, 1, 4], 10))).toEqual([0, 1, 2]);
    expect(Array.from(minMaxIndices(new Float64Array(22), 10))).toHaveLength(22);
  });

  it('keeps the ends and each bucket’s min and max, in time order', () => {
    // 2 + 8 inner points in 2 buckets of 4: [3, 9, −1, 0] and [7, 7, −5, 2]
    const values = [10, 3, 9, -1, 0, 7, 7, -5, 2, 4];
    expect(Array.from(minMaxIndices(values, 2))).toEqual([0, 2, 3, 5, 7, 9]);
  });

  it('never exceeds 2 · buckets + 2 points and keeps the global extremes of a long run', () => {
    const n = 300_000;
    const values = new Float64Array(n);
    let x = 100;
    for (let i = 0; i < n; i++) values[i] = x += Math.sin(i * 0.37) * 3 + Math.cos(i * 0.011);
    values[123_457] = 1e6; // a one-bar spike
    values[250_001] = -1e6; // and a one-bar crash
    const keep = minMaxIndices(values, 1000);
    expect(keep.length).toBeLessThanOrEqual(2002);
    expect(keep.length).toBeGreaterThan(1900);
    expect(keep).toContain(123_457);
    expect(keep).toContain(250_001);
    expect(keep[0]).toBe(0);
    expect(keep[keep.length - 1]).toBe(n - 1);
  });

  it('never picks a NaN and leaves an all-NaN bucket out', () => {
    const values = [1, NaN, NaN, NaN, NaN, 5, 6, 7, 8, 2];
    const keep = Array.from(minMaxIndices(values, 2));
    expect(keep.every((i) => Number.isFinite(values[i]))).toBe(true);
    expect(keep).toEqual([0, 5, 8, 9]);
  });

  it('property: indices ascend, are unique, bounded, and cover every bucket extreme', () => {
    fc.assert(
      fc.property(fc.array(fc.double({min: -1e6, max: 1e6, noNaN: true}), {minLength: 0, maxLength: 400}), fc.integer({min: 1, max: 40}), (values, buckets) => {
        const keep = Array.from(minMaxIndices(values, buckets));
        expect(keep.length).toBeLessThanOrEqual(Math.max(values.length, 2 * buckets + 2));
        for (let k = 1; k < keep.length; k++) expect(keep[k]).toBeGreaterThan(keep[k - 1]);
        if (values.length <= 2 * buckets + 2) {
          expect(keep).toHaveLength(values.length);
          return;
        }
        const kept = new Set(keep.map((i) => values[i]));
        for (const {min, max} of bucketExtremes(values, buckets)) {
          expect(kept.has(min)).toBe(true);
          expect(kept.has(max)).toBe(true);
        }
        expect(kept.has(Math.min(...values))).toBe(true);
        expect(kept.has(Math.max(...values))).toBe(true);
      }),
    );
  });

  it('refuses a bucket count below 1', () => {
    expect(() => minMaxIndices([1, 2, 3], 0)).toThrow(/buckets/);
  });
});

describe('downsample', () => {
  it('pairs times with rounded values and drops non-finite points', () => {
    const points = downsample([1, 2, 3], [1.23456789123, NaN, 3], 5, 4);
    expect(points).toEqual([{t: 1, v: 1.235}, {t: 3, v: 3}]);
  });

  it('rounds to significant digits', () => {
    expect(round(123_456.789, 8)).toBe(123_456.79);
    expect(round(0.000123456, 3)).toBe(0.000123);
    expect(round(0, 3)).toBe(0);
  });
});
