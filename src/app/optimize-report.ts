/** Files of a sweep: reports/sweep-<id>/index.html (the sweep page), sweep.json and trials.csv. */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {equityFromReturns} from '../optimize/period-returns.js';
import type {OverfittingStats, SweepSummary} from '../optimize/summary.js';
import {OOS_TRIAL, rankTrials, type StoredTrial} from '../optimize/sweep.js';
import {loadVegaRuntime, renderSweepReport, type SweepReportInput, type SweepStat, type EquityLine} from '../report/index.js';
import {DEFAULT_REPORTS_DIR} from './backtest-report.js';
import type {SweepSpec} from './optimize-spec.js';
import {stitchReturns} from '../optimize/walk-forward.js';

const f = (x: number | null | undefined, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–');
const p = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : '–');
const day = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : '–');

/** The overfitting figures with a sentence each on how to read them. */
export function overfittingLines(o: OverfittingStats): SweepStat[] {
  const d = o.deflatedSharpe;
  const out: SweepStat[] = [];
  if (d) {
    out.push(
      {name: 'best trial Sharpe (annualised, daily returns)', value: f(d.annualSharpe, 2), meaning: `the selected trial's Sharpe ratio from its ${d.observations} daily returns`},
      {name: `expected best Sharpe of ${d.trials} unskilled trials`, value: f(d.annualExpectedMaxSharpe, 2), meaning: 'SR₀: what picking the best of this many trials with no edge would show, given how much the trials\' Sharpe ratios vary'},
      {name: 'deflated Sharpe ratio', value: f(d.probability, 3), meaning: `probability that the best trial's true Sharpe ratio exceeds SR₀ (skewness ${f(d.skewness, 2)}, kurtosis ${f(d.kurtosis, 1)} included); above 0.95 is evidence of skill, near 0.5 or below is what luck alone gives`},
    );
  }
  if (o.pbo) {
    out.push(
      {name: 'probability of backtest overfitting (PBO)', value: f(o.pbo.pbo, 3), meaning: `share of ${o.pbo.splits} in-sample/out-of-sample splits (${o.pbo.blocks} blocks) where the in-sample best trial is at or below the median out of sample; ≈ 0.5 means the selection is noise, near 0 that it holds up`},
      {name: 'probability of loss out of sample', value: f(o.pbo.probabilityOfLoss, 3), meaning: 'share of those splits where the in-sample best trial loses out of sample'},
      {name: 'performance degradation (slope)', value: f(o.pbo.degradationSlope, 2), meaning: 'slope of out-of-sample on in-sample Sharpe of the selected trial across splits; negative: the better it looked in sample, the worse it did after'},
    );
  }
  for (const note of o.notes) out.push({name: 'note', value: '–', meaning: note});
  return out;
}

function equityLine(label: string, t: StoredTrial | {returns: StoredTrial['returns']}): EquityLine | null {
  if (!t.returns) return null;
  const r = t.returns;
  const growth = Array.from(equityFromReturns(r.values, 1));
  return {label, timeMs: growth.map((_, k) => r.startMs + (k + 1) * r.periodMs), growth};
}

export function sweepReportInput(sweepId: string, spec: SweepSpec, summary: SweepSummary, trials: readonly StoredTrial[]): SweepReportInput {
  const base = spec.base;
  const paramKeys = Object.keys(spec.space.params);
  const inSample = trials.filter((t) => t.trial !== OOS_TRIAL);
  const top = spec.walkForward ? [] : rankTrials(inSample.filter((t) => t.objective !== null)).slice(0, 5);
  const wf = summary.walkForward;
  const objectiveName = spec.objective.name === 'custom' ? `custom (${spec.objective.expression})` : spec.objective.name;
  return {
    sweepId,
    title: `Sweep ${sweepId}: ${spec.strategy.name}${wf ? ', walk-forward' : ''}`,
    facts: [
      ['market', `${String(base.symbol ?? 'BTC/USDT:USDT')} ${String(base.timeframe ?? '1h')}`],
      ['window', `${day(base.fromMs)} → ${day(base.toMs)}`],
      ['sampler', `${spec.sampler} (seed ${spec.seed})`],
      ['objective', objectiveName],
      ['trials', wf ? `${Math.round(summary.trials / Math.max(1, wf.folds.length))} per fold × ${wf.folds.length} folds` : `${summary.trials}`],
      ...(spec.walkForward ? [['walk-forward', `train ${spec.walkForward.trainMs / 86_400_000} d, test ${spec.walkForward.testMs / 86_400_000} d`] as [string, string]] : []),
    ],
    objectiveName,
    paramKeys,
    trials: trials.map((t) => ({
      fold: t.fold, trial: t.trial, params: t.point, status: t.trial === OOS_TRIAL ? `${t.status} (out of sample)` : t.status, objective: t.objective,
      sharpe: t.metrics?.sharpe ?? null, totalReturn: t.metrics?.totalReturn ?? null, maxDrawdown: t.metrics?.maxDrawdown ?? null,
      trades: t.metrics?.tradeCount ?? null, runId: t.runId, kept: t.kept === true,
    })),
    stats: wf ? wf.folds.length > 0 ? overfittingLines(wf.folds[wf.folds.length - 1].overfitting).map((s) => ({...s, name: `last fold: ${s.name}`})) : [] : overfittingLines(summary.overfitting),
    topEquity: top.map((t) => equityLine(`trial ${t.trial} (${f(t.objective)})`, t)).filter((l): l is EquityLine => l !== null),
    ...(wf ? {
      walkForward: {
        folds: wf.folds.map((x) => ({
          fold: x.fold, trainFromMs: x.train.fromMs, testFromMs: x.test.fromMs, testToMs: x.test.toMs, params: x.best?.params ?? null,
          inSampleObjective: x.best?.objective ?? null, outOfSampleObjective: x.outOfSample?.objective ?? null, outOfSampleReturn: x.outOfSample?.totalReturn ?? null,
          trades: x.outOfSample?.trades ?? null, pbo: x.overfitting.pbo?.pbo ?? null,
        })),
        outOfSample: equityLine('out of sample', {returns: stitchReturns(trials.filter((t) => t.trial === OOS_TRIAL && t.returns).map((t) => t.returns!))})!,
        stats: [
          {name: 'out-of-sample total return', value: p(wf.outOfSample.totalReturn), meaning: `the stitched test spans (${wf.outOfSample.days} days), each traded with parameters chosen only on data before it`},
          {name: 'out-of-sample annual return', value: p(wf.outOfSample.annualReturn), meaning: 'the same, annualised'},
          {name: 'out-of-sample Sharpe (annualised)', value: f(wf.outOfSample.sharpe, 2), meaning: 'from the stitched daily returns'},
          {name: 'out-of-sample max drawdown', value: p(wf.outOfSample.maxDrawdown), meaning: 'largest fall from a peak of the stitched curve (daily closes)'},
          {name: 'mean in-sample annual return', value: p(wf.meanInSampleAnnualReturn), meaning: 'of the chosen parameters on their own training windows'},
          {name: 'walk-forward efficiency', value: f(wf.efficiency, 2), meaning: 'out-of-sample annual return / mean in-sample annual return (Pardo); near 1 the optimisation carried over, near 0 or below it did not'},
          {name: 'objective efficiency', value: f(wf.objectiveEfficiency, 2), meaning: 'mean out-of-sample objective / mean in-sample objective of the chosen parameters'},
          {name: 'median PBO over folds', value: f(wf.medianPbo, 2), meaning: 'probability of backtest overfitting of each fold\'s selection, median over folds'},
        ],
      },
    } : {}),
  };
}

export interface SweepFiles {
  readonly dir: string;
  readonly html: string;
  readonly json: string;
  readonly csv: string;
}

export function writeSweepReport(sweepId: string, spec: SweepSpec, summary: SweepSummary, trials: readonly StoredTrial[], reportsDir = DEFAULT_REPORTS_DIR): SweepFiles {
  const dir = resolve(join(reportsDir, `sweep-${sweepId}`));
  mkdirSync(dir, {recursive: true});
  const html = join(dir, 'index.html');
  writeFileSync(html, renderSweepReport(sweepReportInput(sweepId, spec, summary, trials), loadVegaRuntime()));
  const json = join(dir, 'sweep.json');
  writeFileSync(json, `${JSON.stringify({sweepId, spec, summary}, null, 2)}\n`);
  const csv = join(dir, 'trials.csv');
  writeFileSync(csv, trialsCsv(spec, trials));
  return {dir, html, json, csv};
}

function trialsCsv(spec: SweepSpec, trials: readonly StoredTrial[]): string {
  const keys = Object.keys(spec.space.params);
  const metricKeys = ['totalReturn', 'cagr', 'sharpe', 'sortino', 'calmar', 'maxDrawdown', 'tradeCount', 'winRate', 'profitFactor', 'fees'] as const;
  const cell = (v: unknown) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const lines = [['fold', 'trial', ...keys, 'status', 'objective', ...metricKeys, 'run_id', 'config_hash', 'data_hash', 'error'].join(',')];
  for (const t of trials) {
    lines.push([t.fold, t.trial, ...keys.map((k) => t.point[k]), t.status, t.objective, ...metricKeys.map((k) => t.metrics?.[k] ?? null), t.runId, t.configHash, t.dataHash, t.error].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
