/**
 * How often a signal's direction matched the price move `horizonBars` later.
 *
 * A sample is a bar i in [startIndex, endIndex) with active[i] = 1, a finite non-zero score and a
 * future close inside the window (i + horizonBars < endIndex), both closes finite. It is a hit when
 * sign(score) = sign(close[i + h] − close[i]). A zero price change is a miss for either direction:
 * the signal called a move that did not happen. Results are pure and deterministic (one pass in
 * index order); every ratio is null when it has no samples, so the output is JSON-safe.
 */
import {ErrorCode, IftbError} from '../core/index.js';

export interface SignalAccuracyInput {
  /** Close of each bar. */
  readonly close: Float64Array;
  /** Score per bar (−1 … 1); only its sign matters for hits. */
  readonly scores: Float64Array;
  readonly confidences: Float64Array;
  /** 1 where the source gave a reading. */
  readonly active: Uint8Array;
  readonly horizonBars: number;
  /** Ascending confidence bucket edges; default [0, 0.25, 0.5, 0.75, 1]. */
  readonly buckets?: readonly number[];
  /** First bar considered (default 0). */
  readonly startIndex?: number;
  /** One past the last bar of the window (default close.length); future closes must lie inside. */
  readonly endIndex?: number;
}

export interface HitCount {
  readonly samples: number;
  readonly hits: number;
  readonly hitRate: number | null;
}

export interface ConfidenceBucket extends HitCount {
  /** Bucket [from, to); the last bucket includes `to`. */
  readonly from: number;
  readonly to: number;
  readonly meanConfidence: number | null;
  /** Mean of sign(score) · (close[i+h] / close[i] − 1): the move captured in the signal's direction. */
  readonly meanSignedReturn: number | null;
}

export interface SignalAccuracy extends HitCount {
  readonly horizonBars: number;
  readonly meanSignedReturn: number | null;
  readonly long: HitCount;
  readonly short: HitCount;
  readonly byConfidence: readonly ConfidenceBucket[];
  readonly calibration: {
    /** Mean confidence over the samples (samples with a non-finite confidence are left out of calibration and buckets). */
    readonly meanConfidence: number | null;
    /**
     * Pearson correlation between confidence and hit (1/0) over the samples: > 0 when higher
     * confidence goes with more hits. Null with fewer than two samples or no variation.
     */
    readonly confidenceHitCorrelation: number | null;
  };
}

export const DEFAULT_CONFIDENCE_BUCKETS: readonly number[] = Object.freeze([0, 0.25, 0.5, 0.75, 1]);

function invalid(message: string): IftbError {
  return new IftbError(ErrorCode.INPUT_INVALID, `signalAccuracy: ${message}`);
}

function rate(hits: number, samples: number): number | null {
  return samples > 0 ? hits / samples : null;
}

export function signalAccuracy(input: SignalAccuracyInput): SignalAccuracy {
  const {close, scores, confidences, active} = input;
  const h = input.horizonBars;
  if (!Number.isInteger(h) || h < 1) throw invalid(`horizonBars must be an integer ≥ 1, got ${h}`);
  const edges = input.buckets ?? DEFAULT_CONFIDENCE_BUCKETS;
  if (edges.length < 2) throw invalid('buckets needs at least two edges');
  for (let b = 0; b < edges.length; b++) {
    if (!Number.isFinite(edges[b]) || (b > 0 && !(edges[b] > edges[b - 1]))) {
      throw invalid(`bucket edges must be finite and strictly ascending, got [${edges.join(', ')}]`);
    }
  }
  const start = input.startIndex ?? 0;
  const end = input.endIndex ?? close.length;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > close.length) {
    throw invalid(`window [${start}, ${end}) does not fit ${close.length} closes`);
  }
  if (scores.length < end || confidences.length < end || active.length < end) {
    throw invalid(`scores, confidences and active must cover the window (need ${end} values)`);
  }

  const nb = edges.length - 1;
  const bSamples = new Float64Array(nb);
  const bHits = new Float64Array(nb);
  const bConf = new Float64Array(nb);
  const bRet = new Float64Array(nb);
  let samples = 0;
  let hits = 0;
  let longSamples = 0;
  let longHits = 0;
  let sumRet = 0;
  let confSamples = 0;
  let confHits = 0;
  let sumConf = 0;
  let sumConf2 = 0;
  let sumConfHit = 0;
  const lo = edges[0];
  const hi = edges[nb];

  for (let i = start; i + h < end; i++) {
    if (active[i] === 0) continue;
    const score = scores[i];
    if (score === 0 || !Number.isFinite(score)) continue;
    const c0 = close[i];
    const c1 = close[i + h];
    if (!Number.isFinite(c0) || !Number.isFinite(c1)) continue;
    const direction = score > 0 ? 1 : -1;
    const move = c1 - c0;
    const hit = (direction > 0 && move > 0) || (direction < 0 && move < 0) ? 1 : 0;
    const signedReturn = c0 !== 0 ? (direction * move) / c0 : 0;
    const confidence = confidences[i];

    samples++;
    hits += hit;
    if (direction > 0) {
      longSamples++;
      longHits += hit;
    }
    sumRet += signedReturn;
    if (!Number.isFinite(confidence)) continue;
    confSamples++;
    confHits += hit;
    sumConf += confidence;
    sumConf2 += confidence * confidence;
    sumConfHit += confidence * hit;

    if (confidence >= lo && confidence <= hi) {
      let b = 0;
      while (b < nb - 1 && confidence >= edges[b + 1]) b++;
      bSamples[b]++;
      bHits[b] += hit;
      bConf[b] += confidence;
      bRet[b] += signedReturn;
    }
  }

  const byConfidence: ConfidenceBucket[] = [];
  for (let b = 0; b < nb; b++) {
    const s = bSamples[b];
    byConfidence.push({
      from: edges[b],
      to: edges[b + 1],
      samples: s,
      hits: bHits[b],
      hitRate: rate(bHits[b], s),
      meanConfidence: s > 0 ? bConf[b] / s : null,
      meanSignedReturn: s > 0 ? bRet[b] / s : null,
    });
  }

  let correlation: number | null = null;
  if (confSamples >= 2) {
    const meanConf = sumConf / confSamples;
    const meanHit = confHits / confSamples;
    const cov = sumConfHit / confSamples - meanConf * meanHit;
    const varConf = sumConf2 / confSamples - meanConf * meanConf;
    const varHit = meanHit * (1 - meanHit);
    const denominator = Math.sqrt(varConf * varHit);
    if (denominator > 1e-12 && Number.isFinite(denominator)) {
      const r = cov / denominator;
      correlation = r > 1 ? 1 : r < -1 ? -1 : r;
    }
  }

  const shortSamples = samples - longSamples;
  const shortHits = hits - longHits;
  return {
    horizonBars: h,
    samples,
    hits,
    hitRate: rate(hits, samples),
    meanSignedReturn: samples > 0 ? sumRet / samples : null,
    long: {samples: longSamples, hits: longHits, hitRate: rate(longHits, longSamples)},
    short: {samples: shortSamples, hits: shortHits, hitRate: rate(shortHits, shortSamples)},
    byConfidence,
    calibration: {
      meanConfidence: confSamples > 0 ? sumConf / confSamples : null,
      confidenceHitCorrelation: correlation,
    },
  };
}
