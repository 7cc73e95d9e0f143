/**
 * The deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio: Correcting for
 * Selection Bias, Backtest Overfitting and Non-Normality", 2014). The best of N trials has a
 * high Sharpe ratio by luck alone; DSR is the probability that its true Sharpe ratio is above the
 * Sharpe ratio the best of N unskilled trials would be expected to show:
 *
 *   SR₀ = √V[SRₙ] · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))          (expected maximum)
 *   DSR = Φ( (SR* − SR₀) √(T − 1) / √(1 − γ₃ SR* + (γ₄ − 1)/4 · SR*²) )   (probabilistic SR vs SR₀)
 *
 * with γ the Euler–Mascheroni constant, V[SRₙ] the variance of the trials' Sharpe ratios, T the
 * number of returns, γ₃ / γ₄ the skewness and (non-excess) kurtosis of the best trial's returns.
 * All Sharpe ratios here are per period (not annualised).
 */
import {normalCdf, normalQuantile} from './normal.js';

const EULER_GAMMA = 0.5772156649015329;

/** E[max SR] of N unskilled trials whose Sharpe estimates have variance `variance`. */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (trials <= 1 || !(variance > 0)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

/** Probabilistic Sharpe ratio: P(true SR > benchmark) given the estimate's sampling error. */
export function probabilisticSharpe(sharpe: number, benchmark: number, observations: number, skewness: number, kurtosis: number): number {
  const denominator = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(denominator > 0) || observations < 2) return NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(denominator));
}

export interface Moments {
  readonly mean: number;
  readonly sd: number;
  readonly skewness: number;
  /** Non-excess (a normal distribution has 3). */
  readonly kurtosis: number;
}

export function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += values[k];
  const mean = n > 0 ? sum / n : 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let k = 0; k < n; k++) {
    const d = values[k] - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {mean, sd: n > 1 ? Math.sqrt((m2 * n) / (n - 1)) : 0, skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0, kurtosis: m2 > 0 ? m4 / (m2 * m2) : 3};
}

export interface DeflatedSharpe {
  /** Trials the selection was made among. */
  readonly trials: number;
  /** Returns of the best trial. */
  readonly observations: number;
  /** The best trial's per-period Sharpe ratio. */
  readonly sharpe: number;
  /** SR₀: the best Sharpe ratio expected from N trials with no skill. */
  readonly expectedMaxSharpe: number;
  /** SR* − SR₀: the best trial's Sharpe ratio once the luck of picking the best of N is taken out. */
  readonly excessSharpe: number;
  readonly varianceOfSharpes: number;
  readonly skewness: number;
  readonly kurtosis: number;
  /** The deflated Sharpe ratio: P(the best trial's true Sharpe ratio > SR₀). */
  readonly probability: number;
}

/**
 * DSR of the best trial: `best` its per-period returns, `sharpes` every trial's per-period Sharpe
 * ratio (the best's included). Null with fewer than two trials with a Sharpe ratio.
 */
export function deflatedSharpe(best: ArrayLike<number>, sharpes: readonly number[]): DeflatedSharpe | null {
  if (sharpes.length < 2 || best.length < 3) return null;
  const m = moments(best);
  if (!(m.sd > 0)) return null;
  const sharpe = m.mean / m.sd;
  const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
  const variance = sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sharpes.length - 1);
  const sr0 = expectedMaxSharpe(sharpes.length, variance);
  return {
    trials: sharpes.length, observations: best.length, sharpe, expectedMaxSharpe: sr0, excessSharpe: sharpe - sr0,
    varianceOfSharpes: variance, skewness: m.skewness, kurtosis: m.kurtosis,
    probability: probabilisticSharpe(sharpe, sr0, best.length, m.skewness, m.kurtosis),
  };
}
