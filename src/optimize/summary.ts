/**
 * What a finished sweep says: the best trials, the deflated Sharpe ratio of the best one given
 * how many were tried, the probability that the selection is overfit (PBO), and for a
 * walk-forward optimisation the stitched out-of-sample result against the in-sample one.
 */
import type {Metrics} from '../portfolio/metrics.js';
import {deflatedSharpe, type DeflatedSharpe} from './deflated-sharpe.js';
import {DAY_MS, periodSharpe, type PeriodReturns} from './period-returns.js';
import {probabilityOfOverfitting} from './pbo.js';
import {bestTrial, rankTrials, type StoredTrial} from './sweep.js';
import {annualisedReturn, type Fold, stitchReturns, walkForwardEfficiency} from './walk-forward.js';

const PERIODS_PER_YEAR = (365 * DAY_MS) / DAY_MS;

export interface TrialBrief {
  readonly trial: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly objective: number | null;
  readonly runId: string | null;
  readonly sharpe: number | null;
  readonly totalReturn: number | null;
  readonly maxDrawdown: number | null;
  readonly trades: number | null;
}

export interface OverfittingStats {
  /** Deflated Sharpe of the best trial (per-day figures; `annualSharpe` = daily × √365). */
  readonly deflatedSharpe: (DeflatedSharpe & {readonly annualSharpe: number; readonly annualExpectedMaxSharpe: number}) | null;
  readonly pbo: {readonly pbo: number; readonly splits: number; readonly blocks: number; readonly probabilityOfLoss: number; readonly degradationSlope: number | null} | null;
  /** Why a statistic is missing (too few trials or returns), if one is. */
  readonly notes: readonly string[];
}

export interface FoldSummary {
  readonly fold: number;
  readonly train: {readonly fromMs: number; readonly toMs: number};
  readonly test: {readonly fromMs: number; readonly toMs: number};
  readonly best: TrialBrief | null;
  readonly inSampleAnnualReturn: number | null;
  readonly outOfSample: {readonly runId: string | null; readonly objective: number | null; readonly totalReturn: number | null; readonly sharpe: number | null; readonly trades: number | null; readonly annualReturn: number | null} | null;
  readonly overfitting: OverfittingStats;
}

export interface WalkForwardSummary {
  readonly folds: readonly FoldSummary[];
  /** Stitched out-of-sample daily returns (the honest curve). */
  readonly outOfSample: {readonly startMs: number; readonly totalReturn: number; readonly annualReturn: number | null; readonly sharpe: number | null; readonly maxDrawdown: number; readonly days: number};
  readonly meanInSampleAnnualReturn: number | null;
  /** Annualised OOS return / mean annualised IS return of the chosen parameters (Pardo). */
  readonly efficiency: number | null;
  /** Mean OOS objective / mean IS objective of the chosen parameters. */
  readonly objectiveEfficiency: number | null;
  readonly medianPbo: number | null;
}

export interface SweepSummary {
  readonly trials: number;
  readonly completed: number;
  readonly failed: number;
  readonly scored: number;
  readonly best: TrialBrief | null;
  readonly top: readonly TrialBrief[];
  readonly overfitting: OverfittingStats;
  readonly walkForward?: WalkForwardSummary;
}

export function briefOf(t: StoredTrial): TrialBrief {
  const m = t.metrics;
  return {trial: t.trial, params: t.point, objective: t.objective, runId: t.runId, sharpe: m?.sharpe ?? null, totalReturn: m?.totalReturn ?? null, maxDrawdown: m?.maxDrawdown ?? null, trades: m?.tradeCount ?? null};
}

/** Deflated Sharpe and PBO over the trials of one window (trials with returns and an objective). */
export function overfittingStats(trials: readonly StoredTrial[]): OverfittingStats {
  const notes: string[] = [];
  const usable = trials.filter((t) => t.returns !== null && t.objective !== null && t.returns.values.length > 0);
  const best = bestTrial(usable);
  let dsr: OverfittingStats['deflatedSharpe'] = null;
  if (best && usable.length >= 2) {
    const sharpes = usable.map((t) => periodSharpe(t.returns!.values) ?? 0);
    const d = deflatedSharpe(best.returns!.values, sharpes);
    if (d) dsr = {...d, annualSharpe: d.sharpe * Math.sqrt(PERIODS_PER_YEAR), annualExpectedMaxSharpe: d.expectedMaxSharpe * Math.sqrt(PERIODS_PER_YEAR)};
    else notes.push('deflated Sharpe: the best trial has no return variation');
  } else notes.push('deflated Sharpe needs at least two scored trials');
  let pbo: OverfittingStats['pbo'] = null;
  const length = usable[0]?.returns!.values.length ?? 0;
  const same = usable.filter((t) => t.returns!.values.length === length && t.returns!.startMs === usable[0].returns!.startMs);
  if (same.length >= 2 && length >= 16) {
    const p = probabilityOfOverfitting(same.map((t) => t.returns!.values), 16);
    pbo = {pbo: p.pbo, splits: p.splits, blocks: p.blocks, probabilityOfLoss: p.probabilityOfLoss, degradationSlope: p.degradationSlope};
  } else notes.push('PBO needs at least two scored trials over the same window of 16 days or more');
  return {deflatedSharpe: dsr, pbo, notes};
}

export function summarizeTrials(trials: readonly StoredTrial[], topK = 10): Omit<SweepSummary, 'walkForward'> {
  const completed = trials.filter((t) => t.status === 'done');
  const scored = completed.filter((t) => t.objective !== null);
  const best = bestTrial(scored);
  return {
    trials: trials.length, completed: completed.length, failed: trials.length - completed.length, scored: scored.length,
    best: best ? briefOf(best) : null, top: rankTrials(scored).slice(0, topK).map(briefOf), overfitting: overfittingStats(completed),
  };
}

function maxDrawdownOf(values: ArrayLike<number>): number {
  let e = 1;
  let peak = 1;
  let dd = 0;
  for (let k = 0; k < values.length; k++) {
    e *= 1 + values[k];
    if (e > peak) peak = e;
    dd = Math.max(dd, 1 - e / peak);
  }
  return dd;
}

export interface FoldResult {
  readonly fold: Fold;
  readonly trials: readonly StoredTrial[];
  /** The best parameters' run on the test window (null when no trial scored). */
  readonly oos: StoredTrial | null;
}

export function summarizeWalkForward(results: readonly FoldResult[]): WalkForwardSummary {
  const folds: FoldSummary[] = results.map(({fold, trials, oos}) => {
    const best = bestTrial(trials.filter((t) => t.status === 'done'));
    const isAnnual = best?.returns ? annualisedReturn(best.returns.values, best.returns.periodMs) : null;
    return {
      fold: fold.index,
      train: {fromMs: fold.trainFromMs, toMs: fold.trainToMs},
      test: {fromMs: fold.testFromMs, toMs: fold.testToMs},
      best: best ? briefOf(best) : null,
      inSampleAnnualReturn: isAnnual,
      outOfSample: oos ? {
        runId: oos.runId, objective: oos.objective, totalReturn: oos.metrics?.totalReturn ?? null, sharpe: oos.metrics?.sharpe ?? null,
        trades: oos.metrics?.tradeCount ?? null, annualReturn: oos.returns ? annualisedReturn(oos.returns.values, oos.returns.periodMs) : null,
      } : null,
      overfitting: overfittingStats(trials),
    };
  });
  const segments = results.map((r) => r.oos?.returns).filter((r): r is PeriodReturns => r !== null && r !== undefined);
  const stitched = stitchReturns(segments);
  const growth = Array.from(stitched.values).reduce((g, r) => g * (1 + r), 1);
  const oosAnnual = annualisedReturn(stitched.values, stitched.periodMs);
  const isAnnual = folds.map((f) => f.inSampleAnnualReturn);
  const known = isAnnual.filter((x): x is number => x !== null);
  const isObj = folds.map((f) => f.best?.objective).filter((x): x is number => typeof x === 'number');
  const oosObj = folds.map((f) => f.outOfSample?.objective).filter((x): x is number => typeof x === 'number');
  const meanOf = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const isMean = meanOf(isObj);
  const oosMean = meanOf(oosObj);
  const pbos = folds.map((f) => f.overfitting.pbo?.pbo).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const sharpe = periodSharpe(stitched.values);
  return {
    folds,
    outOfSample: {
      startMs: stitched.startMs, totalReturn: growth - 1, annualReturn: oosAnnual, sharpe: sharpe === null ? null : sharpe * Math.sqrt(PERIODS_PER_YEAR),
      maxDrawdown: maxDrawdownOf(stitched.values), days: stitched.values.length,
    },
    meanInSampleAnnualReturn: meanOf(known),
    efficiency: walkForwardEfficiency(oosAnnual, isAnnual),
    objectiveEfficiency: isMean !== null && oosMean !== null && isMean > 0 ? oosMean / isMean : null,
    medianPbo: pbos.length > 0 ? pbos[Math.floor(pbos.length / 2)] : null,
  };
}

export type {Metrics};
