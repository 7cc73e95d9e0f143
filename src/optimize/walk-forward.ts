/**
 * Walk-forward optimisation windows and the out-of-sample result: fold k optimises on
 * [from + k·test, from + k·test + train) and trades the chosen parameters on the following `test`
 * span; the test spans tile the range after the first training window, so their stitched equity
 * is one honest out-of-sample curve.
 */
import {ErrorCode, IftbError} from '../core/index.js';
import {type PeriodReturns} from './period-returns.js';

export interface Fold {
  readonly index: number;
  readonly trainFromMs: number;
  readonly trainToMs: number;
  readonly testFromMs: number;
  readonly testToMs: number;
}

export function walkForwardFolds(fromMs: number, toMs: number, trainMs: number, testMs: number): Fold[] {
  if (!(trainMs > 0 && testMs > 0)) throw new IftbError(ErrorCode.INPUT_INVALID, '--train and --test must be positive durations');
  const folds: Fold[] = [];
  for (let trainFrom = fromMs; trainFrom + trainMs < toMs; trainFrom += testMs) {
    const testFrom = trainFrom + trainMs;
    folds.push({index: folds.length, trainFromMs: trainFrom, trainToMs: testFrom, testFromMs: testFrom, testToMs: Math.min(toMs, testFrom + testMs)});
  }
  if (folds.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, 'the range is shorter than one walk-forward fold (--train + at least one bar of --test)');
  return folds;
}

/** The folds' out-of-sample returns end to end (each fold starts where the previous one ended). */
export function stitchReturns(segments: readonly PeriodReturns[]): PeriodReturns {
  if (segments.length === 0) return {startMs: 0, periodMs: 86_400_000, values: new Float64Array(0)};
  const values: number[] = [];
  let next = segments[0].startMs;
  for (const s of segments) {
    // A period shared by two folds (a test span ending mid-day) counts once: compounded.
    let k = 0;
    while (s.startMs + k * s.periodMs < next && k < s.values.length) {
      const last = values.length - 1;
      values[last] = (1 + values[last]) * (1 + s.values[k]) - 1;
      k++;
    }
    for (; k < s.values.length; k++) values.push(s.values[k]);
    next = s.startMs + s.values.length * s.periodMs;
  }
  return {startMs: segments[0].startMs, periodMs: segments[0].periodMs, values: Float64Array.from(values)};
}

/** Annualised growth of a return series (periods per year from its period length). */
export function annualisedReturn(values: ArrayLike<number>, periodMs: number): number | null {
  if (values.length === 0) return null;
  let growth = 1;
  for (let k = 0; k < values.length; k++) growth *= 1 + values[k];
  if (growth <= 0) return -1;
  return growth ** ((365 * 86_400_000) / periodMs / values.length) - 1;
}

/**
 * Walk-forward efficiency (Pardo): annualised out-of-sample return over the mean annualised
 * in-sample return of the chosen parameters. Near 1: the optimisation carried over; near 0 or
 * negative: what it found in sample did not hold. Null when the in-sample return is not positive.
 */
export function walkForwardEfficiency(oosAnnual: number | null, isAnnual: readonly (number | null)[]): number | null {
  const known = isAnnual.filter((x): x is number => x !== null);
  if (oosAnnual === null || known.length === 0) return null;
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return mean > 0 ? oosAnnual / mean : null;
}
