/**
 * Heteroskedasticity- and autocorrelation-robust (HAR) inference on the mean of a series, by the
 * equal-weighted cosine (EWC) estimator of its long-run variance with ν = ⌊0.4·n^(2/3)⌋ terms and
 * Student-t(ν) critical values — the recommendation of Lazarus, Lewis, Stock & Watson (2018), "HAR
 * inference: recommendations for practice" (JBES 36(4)), chosen for its size control under strong
 * persistence, where Newey–West with normal critical values over-rejects.
 */
import {studentTTwoSided} from './distributions.js';

/** ν = ⌊0.4·n^(2/3)⌋, at least 1. */
export function ewcDegreesOfFreedom(n: number): number {
  return Math.max(1, Math.floor(0.4 * Math.pow(n, 2 / 3)));
}

/**
 * Long-run variance of x: the mean of ν squared cosine transforms Λ_j = √(2/n) Σ_t cos(πj(t + ½)/n) x_t,
 * j = 1…ν. Each Λ_j is orthogonal to the mean, so x need not be demeaned, and ν·Ω̂/Ω is ≈ χ²(ν).
 */
export function ewcLongRunVariance(x: ArrayLike<number>, dof: number): number {
  const n = x.length;
  const scale = Math.sqrt(2 / n);
  let sum = 0;
  for (let j = 1; j <= dof; j++) {
    // cos(θ(t + ½)) by rotation: one cos/sin pair per term instead of one per bar.
    const step = (Math.PI * j) / n;
    const cs = Math.cos(step), sn = Math.sin(step);
    let c = Math.cos(step / 2), s = Math.sin(step / 2);
    let lambda = 0;
    for (let t = 0; t < n; t++) {
      lambda += c * x[t];
      const next = c * cs - s * sn;
      s = s * cs + c * sn;
      c = next;
    }
    lambda *= scale;
    sum += lambda * lambda;
  }
  return sum / dof;
}

/** t such that P(|T| ≥ t) = p for T ~ t(dof), by bisection (the tail is monotone in t). */
export function studentTCritical(p: number, dof: number): number {
  let low = 0, high = 1;
  while (studentTTwoSided(high, dof) > p) high *= 2;
  for (let k = 0; k < 100; k++) {
    const mid = (low + high) / 2;
    if (studentTTwoSided(mid, dof) > p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
