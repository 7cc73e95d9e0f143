/**
 * A trial's equity curve reduced to one return per UTC day: small enough to keep for every trial
 * of a sweep (≈ 1,500 numbers for four years), and the common clock the overfitting statistics
 * (deflated Sharpe, PBO) compare trials on.
 */
export const DAY_MS = 86_400_000;

export interface PeriodReturns {
  /** Start (UTC ms) of the first period. */
  readonly startMs: number;
  readonly periodMs: number;
  readonly values: Float64Array;
}

/**
 * Close-to-close returns per period: equity at the last close of each period against the last
 * close of the previous one (the first against `initialEquity`). Periods without a bar repeat the
 * previous equity (a 0 return), so every trial of a sweep over one window has the same length.
 */
export function periodReturns(closeTimeMs: Float64Array, equity: Float64Array, initialEquity: number, periodMs = DAY_MS): PeriodReturns {
  const n = equity.length;
  if (n === 0) return {startMs: 0, periodMs, values: new Float64Array(0)};
  const first = Math.floor((closeTimeMs[0] - 1) / periodMs);
  const last = Math.floor((closeTimeMs[n - 1] - 1) / periodMs);
  const values = new Float64Array(last - first + 1);
  let prev = initialEquity;
  let i = 0;
  for (let p = 0; p <= last - first; p++) {
    let close = prev;
    // A close at exactly midnight belongs to the day that ends there.
    while (i < n && Math.floor((closeTimeMs[i] - 1) / periodMs) - first === p) close = equity[i++];
    values[p] = prev > 0 ? close / prev - 1 : 0;
    prev = close;
  }
  return {startMs: first * periodMs, periodMs, values};
}

/** Equity path from returns, starting at `initial` (before the first period). */
export function equityFromReturns(values: ArrayLike<number>, initial: number): Float64Array {
  const out = new Float64Array(values.length);
  let e = initial;
  for (let k = 0; k < values.length; k++) {
    e *= 1 + values[k];
    out[k] = e;
  }
  return out;
}

/** Per-period Sharpe ratio (mean / sample std, not annualised); null without variation. */
export function periodSharpe(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n < 2) return null;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += values[k];
  const mean = sum / n;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (values[k] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  return sd > 0 ? mean / sd : null;
}
