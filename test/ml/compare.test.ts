import {describe, expect, it} from 'vitest';
import {bootstrapSharpe, chi2Sf1, erfc, mcnemar, sharpe, signReturns} from '../../src/ml/compare.js';

describe('A/B statistics', () => {
  it('computes erfc and the χ²(1) survival function', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(chi2Sf1(3.841458821)).toBeCloseTo(0.05, 6);
    expect(chi2Sf1(0)).toBe(1);
  });

  it('runs McNemar on the discordant rows: exact when few, χ² with continuity correction otherwise', () => {
    // 10 rows: A right on 0–7, B right on 0–3 and 8–9 → A only 4, B only 2, both right 4, both wrong 0.
    const labels = Array(10).fill(1);
    const pa = labels.map((_, i) => (i < 8 ? 0.7 : 0.3));
    const pb = labels.map((_, i) => (i < 4 || i >= 8 ? 0.6 : 0.4));
    const small = mcnemar(pa, pb, labels);
    expect(small).toMatchObject({aOnly: 4, bOnly: 2, bothRight: 4, bothWrong: 0, method: 'exact-binomial'});
    expect(small.pValue).toBeCloseTo((2 * (1 + 6 + 15)) / 64, 12); // 2·P(X ≤ 2), X ~ Bin(6, ½)
    // 100 discordant rows, 60 / 40: χ² = (|60 − 40| − 1)² / 100 = 3.61
    const n = 200;
    const y = Array(n).fill(0);
    const a = y.map((_, i) => (i < 60 ? 0.2 : i < 100 ? 0.8 : 0.1));
    const b = y.map((_, i) => (i < 60 ? 0.8 : i < 100 ? 0.2 : 0.1));
    const large = mcnemar(a, b, y);
    expect(large).toMatchObject({aOnly: 60, bOnly: 40, bothRight: 100, method: 'chi2-continuity'});
    expect(large.statistic).toBeCloseTo(3.61, 12);
    expect(large.pValue).toBeCloseTo(0.05743, 4);
  });

  it('follows the sign of 2p − 1 and annualises Sharpe', () => {
    expect(Array.from(signReturns([0.7, 0.2, 0.5], [0.01, 0.02, 0.03]))).toEqual([0.01, -0.02, 0]);
    expect(sharpe([0.01, -0.01, 0.02, 0], 4)).toBeCloseTo((0.005 / Math.sqrt(0.000125)) * 2, 12);
    expect(sharpe([0.01, 0.01], 4)).toBeNaN();
  });

  it('bootstraps paired blocks deterministically; the interval holds the estimate and the difference is paired', () => {
    let s = 3;
    const rnd = () => ((s = (s * 16_807) % 2_147_483_647) / 2_147_483_647);
    const ra = Float64Array.from({length: 2_000}, () => (rnd() - 0.48) * 0.01);
    const rb = Float64Array.from(ra, (x) => x * 0.5 + (rnd() - 0.5) * 0.001);
    const one = bootstrapSharpe(ra, rb, 8_760, {resamples: 500, blockBars: 24, seed: 7});
    const two = bootstrapSharpe(ra, rb, 8_760, {resamples: 500, blockBars: 24, seed: 7});
    expect(two).toEqual(one);
    for (const x of [one.a, one.b, one.difference]) {
      expect(x.low).toBeLessThanOrEqual(x.estimate);
      expect(x.high).toBeGreaterThanOrEqual(x.estimate);
    }
    // Identical series: the difference is exactly 0 in every paired sample.
    const same = bootstrapSharpe(ra, ra, 8_760, {resamples: 200, seed: 1});
    expect(same.difference).toEqual({estimate: 0, low: 0, high: 0});
    expect(same.aBetterShare).toBe(0);
  });
});
