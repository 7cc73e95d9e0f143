/** Classification metrics of predicted probabilities against 0/1 labels (manifest, compare). */

export interface CalibrationBucket {
  /** Predicted-probability range of the bucket (equal-count deciles of the predictions). */
  readonly pMin: number;
  readonly pMax: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
}

export interface ClassificationMetrics {
  readonly rows: number;
  readonly positiveRate: number;
  /** Area under the ROC curve (ties counted half); null with a single class. */
  readonly auc: number | null;
  readonly logLoss: number;
  /** Share of rows where (p > 0.5) equals the label. */
  readonly accuracy: number;
  /** Mean squared error of p (Brier score). */
  readonly brier: number;
  readonly calibration: CalibrationBucket[];
}

const EPS = 1e-15;

/** Metrics rounded to 6 significant digits so manifests diff cleanly. */
export function classificationMetrics(p: ArrayLike<number>, y: ArrayLike<number>, buckets = 10): ClassificationMetrics {
  const n = p.length;
  if (n !== y.length) throw new RangeError(`${n} predictions for ${y.length} labels`);
  if (n === 0) throw new RangeError('no rows to score');
  let positives = 0, logLoss = 0, correct = 0, brier = 0;
  for (let i = 0; i < n; i++) {
    const pi = Math.min(1 - EPS, Math.max(EPS, p[i]));
    const yi = y[i];
    positives += yi;
    logLoss -= yi === 1 ? Math.log(pi) : Math.log(1 - pi);
    correct += (p[i] > 0.5 ? 1 : 0) === yi ? 1 : 0;
    brier += (p[i] - yi) ** 2;
  }
  const order = Array.from({length: n}, (_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  return {
    rows: n,
    positiveRate: round(positives / n),
    auc: auc(p, y, order, positives),
    logLoss: round(logLoss / n),
    accuracy: round(correct / n),
    brier: round(brier / n),
    calibration: calibration(p, y, order, buckets),
  };
}

function auc(p: ArrayLike<number>, y: ArrayLike<number>, order: readonly number[], positives: number): number | null {
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  // Mann–Whitney U with average ranks for ties.
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && p[order[end + 1]] === p[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) if (y[order[k]] === 1) rankSum += rank;
    start = end + 1;
  }
  return round((rankSum - (positives * (positives + 1)) / 2) / (positives * negatives));
}

function calibration(p: ArrayLike<number>, y: ArrayLike<number>, order: readonly number[], buckets: number): CalibrationBucket[] {
  const out: CalibrationBucket[] = [];
  const n = order.length;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    if (to <= from) continue;
    let sumP = 0, sumY = 0;
    for (let k = from; k < to; k++) {
      sumP += p[order[k]];
      sumY += y[order[k]];
    }
    out.push({pMin: round(p[order[from]]), pMax: round(p[order[to - 1]]), count: to - from, meanPredicted: round(sumP / (to - from)), observedRate: round(sumY / (to - from))});
  }
  return out;
}

/** q-quantile (0…1) by the nearest-rank method. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function round(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}
