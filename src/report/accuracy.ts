/** Signal accuracy views for the report: the run's accuracy recomputed from the bars, and hit rate per period. */
import {signalAccuracy, type SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {BarTrack} from './types.js';

const DAY_MS = 86_400_000;
/** 1970-01-05, the first Monday after the epoch. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

export type Period = 'month' | 'week' | 'day';

export interface PeriodHits {
  /** Start of the period (UTC ms). */
  readonly t: number;
  readonly samples: number;
  readonly hits: number;
  readonly hitRate: number;
}

/** Months for runs of half a year or more, weeks for shorter ones, days under three weeks. */
export function periodFor(spanMs: number): Period {
  return spanMs >= 180 * DAY_MS ? 'month' : spanMs >= 21 * DAY_MS ? 'week' : 'day';
}

/** Start of the period a close belongs to (a close at midnight ends the period before). */
export function periodStart(closeMs: number, period: Period): number {
  const t = closeMs - 1;
  if (period === 'month') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const size = period === 'week' ? 7 * DAY_MS : DAY_MS;
  const origin = period === 'week' ? FIRST_MONDAY_MS : 0;
  return origin + Math.floor((t - origin) / size) * size;
}

interface Reading {
  readonly score: Float64Array;
  readonly active: Uint8Array;
}

/**
 * Hits and samples per period with exactly signalAccuracy's rule (active, non-zero finite score,
 * future close inside the window, a zero move is a miss), keyed by the decision bar's period, so
 * the periods' samples add up to the run's.
 */
export function hitsOverTime(bars: Pick<BarTrack, 'length' | 'timeMs' | 'close'>, reading: Reading, horizon: number, period: Period): PeriodHits[] {
  const {close, timeMs} = bars;
  const out: PeriodHits[] = [];
  let current = NaN;
  let samples = 0;
  let hits = 0;
  const flush = () => {
    if (samples > 0) out.push({t: current, samples, hits, hitRate: hits / samples});
  };
  for (let i = 0; i + horizon < bars.length; i++) {
    if (reading.active[i] === 0) continue;
    const score = reading.score[i];
    if (score === 0 || !Number.isFinite(score)) continue;
    const c0 = close[i];
    const c1 = close[i + horizon];
    if (!Number.isFinite(c0) || !Number.isFinite(c1)) continue;
    const start = periodStart(timeMs[i], period);
    if (start !== current) {
      flush();
      current = start;
      samples = 0;
      hits = 0;
    }
    samples++;
    if ((score > 0 && c1 > c0) || (score < 0 && c1 < c0)) hits++;
  }
  flush();
  return out;
}

export const CALIBRATION_BUCKETS: readonly number[] = Object.freeze([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);

/** The run's accuracy of one reading recomputed from the bar columns; finer buckets for the calibration plot. */
export function accuracyOf(bars: BarTrack, reading: Reading & {readonly confidence: Float64Array}, horizon: number, buckets?: readonly number[]): SignalAccuracy {
  return signalAccuracy({
    close: bars.close,
    scores: reading.score,
    confidences: reading.confidence,
    active: reading.active,
    horizonBars: horizon,
    ...(buckets ? {buckets} : {}),
  });
}
