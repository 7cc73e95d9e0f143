import {describe, expect, it} from 'vitest';
import {compareSharpe, mcnemar, mcnemarOnHits, pairedHitTest, sharpe, signReturns} from '../../src/ml/compare.js';
import {chi2Sf1, erfc, incompleteBeta, logGamma, studentTTwoSided} from '../../src/ml/distributions.js';
import {ewcDegreesOfFreedom, ewcLongRunVariance, studentTCritical} from '../../src/ml/har.js';
import {computeMetrics} from '../../src/portfolio/metrics.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16_807) % 2_147_483_647) / 2_147_483_647;
}

describe('distributions', () => {
  it('computes erfc and the χ²(1) survival function', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(chi2Sf1(3.841458821)).toBeCloseTo(0.05, 6);
    expect(chi2Sf1(0)).toBe(1);
  });

  it('computes ln Γ, the incomplete beta and Student-t tails against tabulated values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.25, 2, 3)).toBeCloseTo(0.26171875, 12); // 1 − (1−x)^3 (1 + 3x) ... exact for integer a, b
    // t(1) is Cauchy: P(|T| ≥ 1) = ½.
    expect(studentTTwoSided(1, 1)).toBeCloseTo(0.5, 12);
    // Table critical values at 5 % two-sided.
    expect(studentTTwoSided(2.228138852, 10)).toBeCloseTo(0.05, 8);
    expect(studentTTwoSided(2.570581836, 5)).toBeCloseTo(0.05, 8);
    expect(studentTTwoSided(1.959963985, 1e7)).toBeCloseTo(0.05, 6);
    expect(studentTTwoSided(0, 7)).toBe(1);
    expect(studentTCritical(0.05, 10)).toBeCloseTo(2.228138852, 8);
  });
});

describe('McNemar (independent pairs)', () => {
  it('runs on the discordant rows: exact when few, χ² with continuity correction otherwise', () => {
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

  it('floors the continuity correction at 0: equal discordant counts are no evidence (p = 1)', () => {
    // 30 / 30 discordant: (|30 − 30| − 1)² would be 1 → p 0.90; floored, the statistic is 0 and p is 1.
    const hitsA = Array.from({length: 100}, (_, i) => (i < 30 ? 1 : i < 60 ? 0 : 1));
    const hitsB = Array.from({length: 100}, (_, i) => (i < 30 ? 0 : i < 60 ? 1 : 1));
    expect(mcnemarOnHits(hitsA, hitsB)).toMatchObject({aOnly: 30, bOnly: 30, method: 'chi2-continuity', statistic: 0, pValue: 1});
    expect(pairedHitTest(hitsA, hitsB, 12)).toMatchObject({statistic: 0, pValue: 1});
    // One apart: |b − c| − 1 = 0 as well.
    const one = [...hitsA.slice(0, 99), 0];
    expect(mcnemarOnHits(one, hitsB.map((x, i) => (i === 99 ? 1 : x))).pValue).toBe(1);
  });
});

describe('the hit-rate test under overlap (EWC HAR)', () => {
  it('estimates the long-run variance of white noise as its variance, and of a persistent series far above it', () => {
    const rnd = lcg(11);
    const n = 4000;
    const white = Float64Array.from({length: n}, () => (rnd() < 0.5 ? -1 : 1));
    const nu = ewcDegreesOfFreedom(n);
    expect(nu).toBe(Math.floor(0.4 * Math.pow(4000, 2 / 3)));
    expect(ewcLongRunVariance(white, nu)).toBeGreaterThan(0.7);
    expect(ewcLongRunVariance(white, nu)).toBeLessThan(1.3);
    // The same ±1 values held 12 bars each: long-run variance ≈ 12 (a block of 12 equal values).
    const held = Float64Array.from({length: n}, (_, i) => white[Math.floor(i / 12)]);
    const lrv = ewcLongRunVariance(held, nu);
    expect(lrv).toBeGreaterThan(7);
    expect(lrv).toBeLessThan(17);
  });

  it('agrees with McNemar on independent pairs and is far more cautious on overlapping ones', () => {
    const rnd = lcg(5);
    const n = 3000;
    const a = new Uint8Array(n), b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = rnd() < 0.55 ? 1 : 0;
      b[i] = rnd() < 0.51 ? 1 : 0;
    }
    const independent = pairedHitTest(a, b, 1);
    expect(independent.varianceInflation).toBeGreaterThan(0.75);
    expect(independent.varianceInflation).toBeLessThan(1.3);
    expect(Math.abs(independent.lag1Autocorrelation)).toBeLessThan(0.05);
    // Each outcome repeated over 12 bars, as overlapping 12-bar moves make it: the same counts ×12
    // make McNemar 12× surer, the HAR test barely moves.
    const ra = Uint8Array.from({length: n * 12}, (_, i) => a[Math.floor(i / 12)]);
    const rb = Uint8Array.from({length: n * 12}, (_, i) => b[Math.floor(i / 12)]);
    const overlapped = pairedHitTest(ra, rb, 12);
    expect(overlapped.naivePValue).toBeLessThan(independent.naivePValue / 1e3);
    expect(overlapped.varianceInflation).toBeGreaterThan(8);
    expect(overlapped.lag1Autocorrelation).toBeGreaterThan(0.85);
    expect(overlapped.pValue).toBeGreaterThan(independent.pValue / 3);
    expect(overlapped).toMatchObject({aOnly: independent.aOnly * 12, bOnly: independent.bOnly * 12, horizonBars: 12, method: 'EWC HAR t-test'});
  });

  it('gives p = 1 with no discordant pair, and signs the statistic toward the better side', () => {
    expect(pairedHitTest([1, 0, 1], [1, 0, 1], 12)).toMatchObject({aOnly: 0, bOnly: 0, pValue: 1});
    const rnd = lcg(9);
    const a = Uint8Array.from({length: 2000}, () => (rnd() < 0.7 ? 1 : 0));
    const b = Uint8Array.from({length: 2000}, () => (rnd() < 0.5 ? 1 : 0));
    expect(pairedHitTest(a, b, 1).statistic).toBeGreaterThan(3);
    expect(pairedHitTest(b, a, 1).statistic).toBeLessThan(-3);
    expect(pairedHitTest(a, b, 1).pValue).toBeLessThan(1e-6);
  });
});

describe('Sharpe comparison', () => {
  it('uses run.json\'s Sharpe: sample σ, the same number computeMetrics reports', () => {
    expect(Array.from(signReturns([0.7, 0.2, 0.5], [0.01, 0.02, 0.03]))).toEqual([0.01, -0.02, 0]);
    // mean 0.005, sample variance Σ(r − m)² / (n − 1) = 0.0005 / 3.
    expect(sharpe([0.01, -0.01, 0.02, 0], 4)).toBeCloseTo((0.005 / Math.sqrt(0.0005 / 3)) * 2, 12);
    expect(sharpe([0.01, 0.01], 4)).toBeNaN();
    const rnd = lcg(3);
    const equity = new Float64Array(500);
    let e = 1000;
    for (let i = 0; i < equity.length; i++) equity[i] = e *= 1 + (rnd() - 0.49) * 0.01;
    const returns = Float64Array.from(equity, (x, i) => x / (i === 0 ? 1000 : equity[i - 1]) - 1);
    const metrics = computeMetrics({
      timeMs: Float64Array.from(equity, (_, i) => i * 3_600_000), equity, initialEquity: 1000, trades: [], totalFees: 0, totalFunding: 0,
      totalLiquidationFees: 0, totalSlippage: 0, liquidations: 0, exposureBars: 0, barsPerYear: 8760,
    });
    expect(sharpe(returns, 8760)).toBeCloseTo(metrics.sharpe!, 12);
  });

  it('bootstraps each Sharpe deterministically and tests the difference; identical series differ by exactly 0 with p = 1', () => {
    const rnd = lcg(3);
    const ra = Float64Array.from({length: 2_000}, () => (rnd() - 0.48) * 0.01);
    const rb = Float64Array.from(ra, (x) => x * 0.5 + (rnd() - 0.5) * 0.001);
    const one = compareSharpe(ra, rb, 8_760, {resamples: 500, blockBars: 24, seed: 7});
    const two = compareSharpe(ra, rb, 8_760, {resamples: 500, blockBars: 24, seed: 7});
    expect(two).toEqual(one);
    for (const x of [one.a, one.b, one.difference]) {
      expect(x.low).toBeLessThanOrEqual(x.estimate);
      expect(x.high).toBeGreaterThanOrEqual(x.estimate);
    }
    expect(one.difference.estimate).toBeCloseTo(one.a.estimate - one.b.estimate, 12);
    expect(one.method).toBe('Ledoit–Wolf delta method with EWC HAR variance');
    expect(one.pValue).toBeGreaterThan(0);
    expect(one.pValue).toBeLessThan(1);
    const same = compareSharpe(ra, ra, 8_760, {resamples: 200, seed: 1});
    expect(same.difference).toEqual({estimate: 0, low: 0, high: 0});
    expect(same.pValue).toBe(1);
    expect(same.aBetterShare).toBe(0);
    // A clearly better series: small p, interval above 0.
    const better = compareSharpe(Float64Array.from(ra, (x) => x + 0.002), ra, 8_760, {resamples: 100, seed: 1});
    expect(better.pValue).toBeLessThan(1e-4);
    expect(better.difference.low).toBeGreaterThan(0);
  });
});
