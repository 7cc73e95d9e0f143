import {describe, expect, it} from 'vitest';
import {deflatedSharpe, expectedMaxSharpe, moments, probabilisticSharpe} from '../../src/optimize/deflated-sharpe.js';
import {normalCdf, normalQuantile} from '../../src/optimize/normal.js';
import {probabilityOfOverfitting} from '../../src/optimize/pbo.js';
import {rngFor} from '../../src/optimize/random.js';

function noise(seed: number, trials: number, periods: number, drift = 0): Float64Array[] {
  const rng = rngFor(seed);
  return Array.from({length: trials}, (_, n) => Float64Array.from({length: periods}, () => 0.01 * rng.normal() + (n === 0 ? drift : 0)));
}

function popcount(m: number): number {
  let c = 0;
  for (let x = m; x !== 0; x &= x - 1) c++;
  return c;
}

describe('normal distribution', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 14);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 13);
    expect(normalCdf(5)).toBeCloseTo(0.9999997133484281, 13);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874040841, 9);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 8);
  });
});

describe('deflated Sharpe ratio (Bailey & López de Prado 2014)', () => {
  it("reproduces the paper's numerical example: SR0 ≈ 0.1132, DSR ≈ 0.9004", () => {
    // N = 100 trials, V[SR] = 1/2 annualised, T = 1250 daily returns (5 years of 250 days), best
    // annualised SR 2.5, skewness −3, kurtosis 10.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.1132, 4);
    const dsr = probabilisticSharpe(2.5 / Math.sqrt(250), sr0, 1250, -3, 10);
    expect(dsr).toBeCloseTo(0.9004, 3);
  });

  it('the best of many pure-noise strategies has an excess Sharpe near 0 and is not significant; a real edge is', () => {
    const excess: number[] = [];
    const probabilities: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const trials = noise(seed, 100, 750);
      const sharpes = trials.map((r) => moments(r).mean / moments(r).sd);
      const best = sharpes.indexOf(Math.max(...sharpes));
      const d = deflatedSharpe(trials[best], sharpes)!;
      // The raw best Sharpe looks good (≈ 2.5 σ of the sampling error) …
      expect(d.sharpe).toBeGreaterThan(1.5 / Math.sqrt(750));
      excess.push(d.excessSharpe);
      probabilities.push(d.probability);
    }
    const meanExcess = excess.reduce((a, b) => a + b, 0) / excess.length;
    // … but once deflated it is about what 100 unskilled trials give.
    expect(Math.abs(meanExcess)).toBeLessThan(0.015);
    expect(probabilities.filter((p) => p > 0.95).length).toBeLessThanOrEqual(3);
    const edge = noise(99, 100, 750, 0.004);
    const sharpes = edge.map((r) => moments(r).mean / moments(r).sd);
    expect(deflatedSharpe(edge[0], sharpes)!.probability).toBeGreaterThan(0.99);
  });
});

describe('probability of backtest overfitting (CSCV)', () => {
  it('is about 0.5 for pure-noise strategies', () => {
    const pbos: number[] = [];
    for (let seed = 1; seed <= 6; seed++) pbos.push(probabilityOfOverfitting(noise(seed, 40, 800), 10).pbo);
    const mean = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  });

  it('is near 0 when one strategy has a real edge, and counts C(S, S/2) splits', () => {
    const result = probabilityOfOverfitting(noise(3, 40, 800, 0.003), 16);
    expect(result.splits).toBe(12870);
    expect(result.blocks).toBe(16);
    expect(result.periods).toBe(800);
    expect(result.pbo).toBeLessThan(0.05);
    expect(result.probabilityOfLoss).toBeLessThan(0.05);
  });

  it('is near 1 when the in-sample winner is systematically the out-of-sample loser', () => {
    // Trial n gains in the first half of every block pair and loses in the other: mean reversion by construction.
    const T = 320;
    const trials = Array.from({length: 8}, (_, n) =>
      Float64Array.from({length: T}, (_, t) => (Math.floor(t / 20) % 2 === n % 2 ? 0.01 : -0.01) * (1 + n / 10) + 0.0001 * Math.sin(t * (n + 1))));
    expect(probabilityOfOverfitting(trials, 16).pbo).toBeGreaterThan(0.9);
  });

  it('equals the definition computed split by split from the returns (blocks, Sharpe per half, rank)', () => {
    const trials = noise(11, 12, 203, 0.0005);
    const S = 8;
    const result = probabilityOfOverfitting(trials, S);
    const size = Math.floor(203 / S);
    const offset = 203 - size * S;
    const sharpe = (r: Float64Array, mask: number, inside: boolean) => {
      const xs: number[] = [];
      for (let b = 0; b < S; b++) if (((mask >> b) & 1) === (inside ? 1 : 0)) for (let t = offset + b * size; t < offset + (b + 1) * size; t++) xs.push(r[t]);
      const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
      return mean / sd;
    };
    const masks: number[] = [];
    for (let m = 0; m < 1 << S; m++) if (popcount(m) === S / 2) masks.push(m);
    // Lexicographic order of the chosen blocks, as the splits are numbered.
    const blocksOf = (m: number) => Array.from({length: S}, (_, b) => b).filter((b) => (m >> b) & 1);
    masks.sort((a, b) => {
      const x = blocksOf(a);
      const y = blocksOf(b);
      const k = x.findIndex((v, i) => v !== y[i]);
      return k < 0 ? 0 : x[k] - y[k];
    });
    expect(result.splits).toBe(masks.length);
    masks.forEach((mask, c) => {
      const is = trials.map((r) => sharpe(r, mask, true));
      const oos = trials.map((r) => sharpe(r, mask, false));
      const best = is.indexOf(Math.max(...is));
      const rank = oos.filter((x) => x < oos[best]).length + (oos.filter((x) => x === oos[best]).length + 1) / 2;
      const omega = rank / (trials.length + 1);
      expect(result.logits[c]).toBeCloseTo(Math.log(omega / (1 - omega)), 12);
      expect(result.selected[c][0]).toBeCloseTo(is[best], 9);
      expect(result.selected[c][1]).toBeCloseTo(oos[best], 9);
    });
  });

  it('refuses too few trials or returns of unequal length', () => {
    expect(() => probabilityOfOverfitting([new Float64Array(100)])).toThrow(/two trials/);
    expect(() => probabilityOfOverfitting([new Float64Array(100), new Float64Array(90)])).toThrow(/same number/);
  });
});
