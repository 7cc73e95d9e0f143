/**
 * Which of two models (or two backtests' signals) is right more often, on the same bars:
 *   - the paired test of the hit-rate difference, valid when the hits overlap (a label or a move
 *     over the next h bars shares h − 1 bars with its neighbour, and models' readings persist):
 *     the EWC HAR t-test (har.ts) of the per-bar difference d = hitA − hitB, with McNemar's
 *     continuity correction (|b − c| − 1, floored at 0, so b = c gives p = 1);
 *   - McNemar's test assuming independent pairs, kept to show how much the overlap matters.
 * Sharpe comparisons are in sharpe-compare.ts.
 */
import {chi2Sf1, studentTTwoSided} from './distributions.js';
import {ewcDegreesOfFreedom, ewcLongRunVariance} from './har.js';

export {chi2Sf1, erfc} from './distributions.js';
export {type Interval, type SharpeComparison, compareSharpe, sharpe, type SharpeOptions, signReturns} from './sharpe-compare.js';

/** Counts of a paired 0/1 comparison. */
export interface PairCounts {
  /** Rows A calls right and B wrong. */
  readonly aOnly: number;
  /** Rows B calls right and A wrong. */
  readonly bOnly: number;
  readonly bothRight: number;
  readonly bothWrong: number;
}

export interface McNemarResult extends PairCounts {
  readonly method: 'exact-binomial' | 'chi2-continuity';
  /** χ² statistic (NaN for the exact test). */
  readonly statistic: number;
  /** Two-sided p-value of "A and B are equally accurate", valid only for independent pairs. */
  readonly pValue: number;
}

/** 1 where p > 0.5 matches the 0/1 label, else 0. */
export function hitsOf(p: ArrayLike<number>, labels: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = (p[i] > 0.5 ? 1 : 0) === labels[i] ? 1 : 0;
  return out;
}

function countPairs(hitsA: ArrayLike<number>, hitsB: ArrayLike<number>): PairCounts {
  let aOnly = 0, bOnly = 0, bothRight = 0, bothWrong = 0;
  for (let i = 0; i < hitsA.length; i++) {
    const a = hitsA[i] === 1, b = hitsB[i] === 1;
    if (a && b) bothRight++;
    else if (a) aOnly++;
    else if (b) bOnly++;
    else bothWrong++;
  }
  return {aOnly, bOnly, bothRight, bothWrong};
}

/** McNemar on probabilities vs labels (rows each model calls right): independent pairs only. */
export function mcnemar(pa: ArrayLike<number>, pb: ArrayLike<number>, labels: ArrayLike<number>): McNemarResult {
  return mcnemarOnHits(hitsOf(pa, labels), hitsOf(pb, labels));
}

/** McNemar on paired 0/1 hits: exact binomial when the discordant pairs are few (< 25), χ² with continuity correction otherwise. */
export function mcnemarOnHits(hitsA: ArrayLike<number>, hitsB: ArrayLike<number>): McNemarResult {
  const counts = countPairs(hitsA, hitsB);
  const {aOnly, bOnly} = counts;
  const n = aOnly + bOnly;
  if (n < 25) {
    // P(X ≤ min) · 2 for X ~ Binomial(n, ½), capped at 1.
    const k = Math.min(aOnly, bOnly);
    let tail = 0;
    for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
    return {...counts, method: 'exact-binomial', statistic: NaN, pValue: n === 0 ? 1 : Math.min(1, 2 * tail)};
  }
  // The correction never makes the statistic negative: b = c is no evidence at all (p = 1).
  const statistic = Math.max(0, Math.abs(aOnly - bOnly) - 1) ** 2 / n;
  return {...counts, method: 'chi2-continuity', statistic, pValue: chi2Sf1(statistic)};
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

export const HIT_TEST_METHOD = 'EWC HAR t-test';

export interface PairedHitTest extends PairCounts {
  readonly method: typeof HIT_TEST_METHOD;
  /** Bars of the move each hit is judged on (the overlap the test allows for). */
  readonly horizonBars: number;
  /** Cosine terms of the long-run variance = the t distribution's degrees of freedom. */
  readonly dof: number;
  /** Lag-1 autocorrelation of d = hitA − hitB (0 for independent pairs). */
  readonly lag1Autocorrelation: number;
  /** Long-run variance of d over the variance McNemar assumes ((b + c) / n): how much the overlap widens the test. */
  readonly varianceInflation: number;
  /** t statistic, signed: > 0 when A was right more often. */
  readonly statistic: number;
  /** Two-sided p-value of "equal hit rates". */
  readonly pValue: number;
  /** McNemar's p-value, as if the pairs were independent (for comparison; never used for the verdict). */
  readonly naivePValue: number;
}

/**
 * Paired test of two 0/1 hit series on the same bars, valid under overlap and persistence (see
 * the file comment). With no autocorrelation it agrees with McNemar's χ² test.
 */
export function pairedHitTest(hitsA: ArrayLike<number>, hitsB: ArrayLike<number>, horizonBars: number): PairedHitTest {
  const n = hitsA.length;
  const counts = countPairs(hitsA, hitsB);
  const {aOnly, bOnly} = counts;
  const naivePValue = mcnemarOnHits(hitsA, hitsB).pValue;
  const dof = ewcDegreesOfFreedom(n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = hitsA[i] - hitsB[i];
  const discordant = aOnly + bOnly;
  const base = {...counts, method: HIT_TEST_METHOD, horizonBars, dof, naivePValue} as const;
  if (discordant === 0 || n < 3) return {...base, lag1Autocorrelation: 0, varianceInflation: 1, statistic: 0, pValue: 1};
  const mean = (aOnly - bOnly) / n;
  let c0 = 0, c1 = 0;
  for (let i = 0; i < n; i++) {
    const x = d[i] - mean;
    c0 += x * x;
    if (i > 0) c1 += x * (d[i - 1] - mean);
  }
  const lrv = ewcLongRunVariance(d, dof);
  const numerator = Math.max(0, Math.abs(aOnly - bOnly) - 1);
  const statistic = lrv > 0 ? (Math.sign(aOnly - bOnly) * numerator) / Math.sqrt(n * lrv) : numerator === 0 ? 0 : Math.sign(aOnly - bOnly) * Infinity;
  return {
    ...base,
    lag1Autocorrelation: c0 > 0 ? c1 / c0 : 0,
    varianceInflation: lrv / (discordant / n),
    statistic,
    pValue: numerator === 0 ? 1 : studentTTwoSided(statistic, dof),
  };
}
