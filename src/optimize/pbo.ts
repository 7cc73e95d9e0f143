/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
 * Borwein, López de Prado & Zhu, "The Probability of Backtest Overfitting", 2015). The trials'
 * per-period returns are cut into S equal blocks; for every way of choosing S/2 blocks as the
 * in-sample half (the rest out of sample) the trial with the best in-sample Sharpe ratio is
 * found and its out-of-sample rank among all trials taken as ω ∈ (0, 1); λ = ln(ω / (1 − ω)).
 * PBO is the share of splits with λ ≤ 0: how often the in-sample winner is no better than the
 * median trial out of sample. Pure noise gives ≈ 0.5; a real edge gives ≈ 0.
 */
import {ErrorCode, IftbError} from '../core/index.js';

export interface Pbo {
  /** Share of splits whose in-sample best trial ranks at or below the median out of sample. */
  readonly pbo: number;
  readonly splits: number;
  readonly blocks: number;
  readonly trials: number;
  /** Periods used (a multiple of `blocks`; the earliest remainder is left out). */
  readonly periods: number;
  /** λ of every split, in split order. */
  readonly logits: Float64Array;
  /** Share of splits where the in-sample best trial has a negative out-of-sample Sharpe ratio. */
  readonly probabilityOfLoss: number;
  /** Slope of out-of-sample on in-sample Sharpe ratio of the selected trial across splits (< 0: degradation). */
  readonly degradationSlope: number | null;
  /** Per-split (IS Sharpe, OOS Sharpe) of the selected trial, per period. */
  readonly selected: ReadonlyArray<readonly [number, number]>;
}

/** All k-subsets of {0..n-1} as bit masks, in lexicographic order. */
function combinations(n: number, k: number): number[] {
  const out: number[] = [];
  const pick = (start: number, left: number, mask: number) => {
    if (left === 0) {
      out.push(mask);
      return;
    }
    for (let i = start; i <= n - left; i++) pick(i + 1, left - 1, mask | (1 << i));
  };
  pick(0, k, 0);
  return out;
}

/**
 * `returns[trial]` are the trials' per-period returns, all of the same length. `blocks` must be
 * even (default 16, lowered to fit at least 4 periods per block).
 */
export function probabilityOfOverfitting(returns: readonly ArrayLike<number>[], blocks = 16): Pbo {
  const N = returns.length;
  if (N < 2) throw new IftbError(ErrorCode.INPUT_INVALID, 'PBO needs at least two trials');
  const T = returns[0].length;
  if (returns.some((r) => r.length !== T)) throw new IftbError(ErrorCode.INPUT_INVALID, 'PBO: every trial needs the same number of returns');
  let S = blocks;
  while (S > 2 && Math.floor(T / S) < 4) S -= 2;
  if (S < 2 || S % 2 !== 0 || T < S * 2) throw new IftbError(ErrorCode.INPUT_INVALID, `PBO: ${T} returns are too few to split into blocks`);
  const size = Math.floor(T / S);
  const offset = T - size * S;
  // Per trial: the sum and sum of squares of every subset of the low S/2 blocks and of the high
  // S/2 blocks (2^(S/2) each), so a split's in- or out-of-sample sums are two lookups per trial
  // instead of a pass over its blocks: C(16, 8) = 12,870 splits × trials stay cheap at 500 trials.
  // Stored subset-major (subset × N + trial): one split reads each table as a contiguous run.
  const h = S / 2;
  const L = 1 << h;
  const lowS = new Float64Array(N * L);
  const lowQ = new Float64Array(N * L);
  const highS = new Float64Array(N * L);
  const highQ = new Float64Array(N * L);
  const blockS = new Float64Array(S);
  const blockQ = new Float64Array(S);
  for (let n = 0; n < N; n++) {
    const r = returns[n];
    for (let b = 0; b < S; b++) {
      let s = 0;
      let q = 0;
      for (let t = offset + b * size; t < offset + (b + 1) * size; t++) {
        s += r[t];
        q += r[t] * r[t];
      }
      blockS[b] = s;
      blockQ[b] = q;
    }
    for (let m = 1; m < L; m++) {
      // A subset's sums: the subset without its lowest block, plus that block.
      const low = 31 - Math.clz32(m & -m);
      const at = m * N + n;
      const rest = (m & (m - 1)) * N + n;
      lowS[at] = lowS[rest] + blockS[low];
      lowQ[at] = lowQ[rest] + blockQ[low];
      highS[at] = highS[rest] + blockS[h + low];
      highQ[at] = highQ[rest] + blockQ[h + low];
    }
  }
  const count = (S / 2) * size;
  const full = (1 << S) - 1;
  const sharpeOf = (s: number, q: number): number => {
    const mean = s / count;
    const variance = (q - s * mean) / (count - 1);
    return variance > 1e-30 ? mean / Math.sqrt(variance) : 0;
  };
  const masks = combinations(S, S / 2);
  const logits = new Float64Array(masks.length);
  const selected: Array<[number, number]> = [];
  const oos = new Float64Array(N);
  let overfit = 0;
  let losses = 0;
  masks.forEach((mask, c) => {
    let best = 0;
    let bestIs = -Infinity;
    const out = full & ~mask;
    const inLo = (mask & (L - 1)) * N;
    const inHi = (mask >>> h) * N;
    const outLo = (out & (L - 1)) * N;
    const outHi = (out >>> h) * N;
    for (let n = 0; n < N; n++) {
      const is = sharpeOf(lowS[inLo + n] + highS[inHi + n], lowQ[inLo + n] + highQ[inHi + n]);
      if (is > bestIs) {
        bestIs = is;
        best = n;
      }
      oos[n] = sharpeOf(lowS[outLo + n] + highS[outHi + n], lowQ[outLo + n] + highQ[outHi + n]);
    }
    // Rank 1..N of the selected trial out of sample (ties share the average rank).
    let below = 0;
    let equal = 0;
    for (let n = 0; n < N; n++) {
      if (oos[n] < oos[best]) below++;
      else if (oos[n] === oos[best]) equal++;
    }
    const rank = below + (equal + 1) / 2;
    const omega = rank / (N + 1);
    logits[c] = Math.log(omega / (1 - omega));
    if (logits[c] <= 0) overfit++;
    if (oos[best] < 0) losses++;
    selected.push([bestIs, oos[best]]);
  });
  return {
    pbo: overfit / masks.length, splits: masks.length, blocks: S, trials: N, periods: size * S, logits,
    probabilityOfLoss: losses / masks.length, degradationSlope: slope(selected), selected,
  };
}

function slope(points: ReadonlyArray<readonly [number, number]>): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}
