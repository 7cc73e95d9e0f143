/**
 * A/B statistics for two models' probabilities on the same rows:
 *   - McNemar's test on which rows each model calls right (p > 0.5 vs the label): exact binomial
 *     when the discordant pairs are few (< 25), χ² with continuity correction otherwise;
 *   - Sharpe ratios of the one-bar-ahead "follow the sign" returns, with a paired moving-block
 *     bootstrap (same blocks for both models, fixed seed) for each Sharpe and their difference.
 */

export interface McNemarResult {
  /** Rows A calls right and B wrong. */
  readonly aOnly: number;
  /** Rows B calls right and A wrong. */
  readonly bOnly: number;
  readonly bothRight: number;
  readonly bothWrong: number;
  readonly method: 'exact-binomial' | 'chi2-continuity';
  /** χ² statistic (NaN for the exact test). */
  readonly statistic: number;
  /** Two-sided p-value of "A and B are equally accurate". */
  readonly pValue: number;
}

export function mcnemar(pa: ArrayLike<number>, pb: ArrayLike<number>, labels: ArrayLike<number>): McNemarResult {
  let aOnly = 0, bOnly = 0, bothRight = 0, bothWrong = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = (pa[i] > 0.5 ? 1 : 0) === labels[i];
    const b = (pb[i] > 0.5 ? 1 : 0) === labels[i];
    if (a && b) bothRight++;
    else if (a) aOnly++;
    else if (b) bOnly++;
    else bothWrong++;
  }
  const n = aOnly + bOnly;
  if (n < 25) {
    // P(X ≤ min) · 2 for X ~ Binomial(n, ½), capped at 1.
    const k = Math.min(aOnly, bOnly);
    let tail = 0;
    for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
    return {aOnly, bOnly, bothRight, bothWrong, method: 'exact-binomial', statistic: NaN, pValue: n === 0 ? 1 : Math.min(1, 2 * tail)};
  }
  const statistic = (Math.abs(aOnly - bOnly) - 1) ** 2 / n;
  return {aOnly, bOnly, bothRight, bothWrong, method: 'chi2-continuity', statistic, pValue: chi2Sf1(statistic)};
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Survival function of χ² with one degree of freedom: erfc(√(x/2)). */
export function chi2Sf1(x: number): number {
  return x <= 0 ? 1 : erfc(Math.sqrt(x / 2));
}

/** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Per-row return of following a model's sign: sign(2p − 1) · next-bar return (0 at p = ½). */
export function signReturns(p: ArrayLike<number>, nextReturns: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = Math.sign(2 * p[i] - 1) * nextReturns[i];
  return out;
}

/** Annualised Sharpe ratio of per-bar returns (population σ); NaN when σ = 0. */
export function sharpe(returns: ArrayLike<number>, barsPerYear: number, index?: Int32Array): number {
  const n = index ? index.length : returns.length;
  if (n < 2) return NaN;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += returns[index ? index[k] : k];
  const mean = sum / n;
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const d = returns[index ? index[k] : k] - mean;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / n);
  return sd > 0 ? (mean / sd) * Math.sqrt(barsPerYear) : NaN;
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface SharpeComparison {
  readonly a: Interval;
  readonly b: Interval;
  /** Sharpe(A) − Sharpe(B). */
  readonly difference: Interval;
  /** Share of bootstrap samples where A's Sharpe beat B's. */
  readonly aBetterShare: number;
  readonly resamples: number;
  readonly blockBars: number;
  readonly confidence: number;
}

export interface BootstrapOptions {
  readonly resamples?: number;
  /** Block length in bars (keeps autocorrelation inside blocks). */
  readonly blockBars?: number;
  readonly confidence?: number;
  readonly seed?: number;
}

/** Paired moving-block bootstrap of two return series' Sharpe ratios and their difference. */
export function bootstrapSharpe(ra: Float64Array, rb: Float64Array, barsPerYear: number, options: BootstrapOptions = {}): SharpeComparison {
  const n = ra.length;
  const resamples = options.resamples ?? 2_000;
  const block = Math.max(1, Math.min(options.blockBars ?? 24, n));
  const confidence = options.confidence ?? 0.95;
  const random = mulberry32(options.seed ?? 1);
  const sa = new Float64Array(resamples), sb = new Float64Array(resamples), sd = new Float64Array(resamples);
  const index = new Int32Array(n);
  let aBetter = 0;
  for (let s = 0; s < resamples; s++) {
    for (let k = 0; k < n; ) {
      const start = Math.floor(random() * (n - block + 1));
      for (let j = 0; j < block && k < n; j++) index[k++] = start + j;
    }
    sa[s] = sharpe(ra, barsPerYear, index);
    sb[s] = sharpe(rb, barsPerYear, index);
    sd[s] = sa[s] - sb[s];
    if (sa[s] > sb[s]) aBetter++;
  }
  const alpha = (1 - confidence) / 2;
  const interval = (estimate: number, samples: Float64Array): Interval => {
    const sorted = samples.filter((x) => !Number.isNaN(x)).sort();
    const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]);
    return {estimate, low: at(alpha), high: at(1 - alpha)};
  };
  const a = sharpe(ra, barsPerYear), b = sharpe(rb, barsPerYear);
  return {
    a: interval(a, sa), b: interval(b, sb), difference: interval(a - b, sd), aBetterShare: aBetter / resamples, resamples, blockBars: block, confidence,
  };
}

function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
