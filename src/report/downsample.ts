/**
 * Min/max-bucket downsampling for line charts. A browser cannot draw hundreds of thousands of
 * points quickly, but a researcher must still see every spike and every drawdown trough: the
 * series is cut into `buckets` runs of equal length and each run keeps the index of its lowest
 * and its highest value (in time order), so the drawn line passes through every extreme. The
 * first and last points are always kept. Non-finite values are never chosen.
 */

/** Indices to keep, ascending and unique; at most 2 · buckets + 2 of them. All indices when the series is short enough. */
export function minMaxIndices(values: ArrayLike<number>, buckets: number): Uint32Array {
  const n = values.length;
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be an integer ≥ 1, got ${buckets}`);
  if (n <= 2 * buckets + 2) return Uint32Array.from({length: n}, (_, i) => i);
  const out = new Uint32Array(2 * buckets + 2);
  let k = 0;
  const push = (i: number) => {
    if (k === 0 || out[k - 1] < i) out[k++] = i;
  };
  push(0);
  for (let b = 0; b < buckets; b++) {
    // Buckets cover indices 1 … n − 2; the two ends are kept on their own.
    const from = 1 + Math.floor((b * (n - 2)) / buckets);
    const to = 1 + Math.floor(((b + 1) * (n - 2)) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (lo < 0 || v < values[lo]) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    }
    if (lo < 0) continue;
    if (lo <= hi) {
      push(lo);
      push(hi);
    } else {
      push(hi);
      push(lo);
    }
  }
  push(n - 1);
  return out.slice(0, k);
}

export interface Point {
  /** Time (ms). */
  readonly t: number;
  readonly v: number;
}

/** A time series reduced to its min/max points; values rounded to `digits` significant digits for a smaller page. */
export function downsample(timeMs: ArrayLike<number>, values: ArrayLike<number>, buckets: number, digits = 8): Point[] {
  const keep = minMaxIndices(values, buckets);
  const points: Point[] = [];
  for (const i of keep) {
    const v = values[i];
    if (Number.isFinite(v)) points.push({t: timeMs[i], v: round(v, digits)});
  }
  return points;
}

/** `digits` significant digits; exact for integers of up to `digits` digits. */
export function round(value: number, digits: number): number {
  return value === 0 || !Number.isFinite(value) ? value : Number(value.toPrecision(digits));
}
