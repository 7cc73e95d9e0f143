/**
 * Per-bar returns and the summary statistics the metrics use. Every sum runs left to right in a
 * plain loop, so equal inputs give bit-identical outputs on every run and machine.
 */

/**
 * Simple returns of an equity curve that starts at `initialEquity` one bar before `equity[0]`:
 * r[0] = equity[0] / initialEquity − 1, r[t] = equity[t] / equity[t − 1] − 1. Once the account is
 * at or below zero there is nothing left to return on, so later returns are 0.
 */
export function barReturns(equity: Float64Array, initialEquity: number): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let previous = initialEquity;
  for (let t = 0; t < n; t++) {
    const current = equity[t];
    out[t] = previous > 0 ? current / previous - 1 : 0;
    previous = current;
  }
  return out;
}

export function mean(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  return sum / n;
}

/** Sample standard deviation (n − 1), two-pass around the mean; NaN below two values. */
export function sampleStd(values: Float64Array, average = mean(values)): number {
  const n = values.length;
  if (n < 2) return NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - average;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/** Downside deviation below a 0 target: sqrt(Σ min(r, 0)² / n) over all n returns. */
export function downsideDeviation(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = values[i];
    if (r < 0) ss += r * r;
  }
  return Math.sqrt(ss / n);
}
