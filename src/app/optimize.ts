/**
 * `iftb optimize`: a sweep composed from a request — data loaded once, trials run by an executor
 * (worker threads by default, this thread, or a BullMQ queue), each trial stored as it finishes,
 * the best trials' full run records kept, then the summary with deflated Sharpe and PBO. Running
 * the same request again resumes the sweep (its id is the hash of its spec and data).
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError, type ProgressSink, timeframeMs} from '../core/index.js';
import {canonicalJson, parseConfig} from '../config/index.js';
import {strategySourceHash, type StrategyDefinition} from '../decision/index.js';
import {objectiveOf} from '../optimize/objective.js';
import {GridSampler, RandomSampler, type Sampler} from '../optimize/sampler.js';
import {paramsOf, type Point, satisfies, type SearchSpace} from '../optimize/space.js';
import {type FoldResult, summarizeTrials, summarizeWalkForward, type SweepSummary} from '../optimize/summary.js';
import {bestTrial, OOS_TRIAL, rankTrials, runFoldSweep, type StoredTrial, type SweepLog, type TrialExecutor} from '../optimize/sweep.js';
import {TpeSampler} from '../optimize/tpe.js';
import {type Fold, walkForwardFolds} from '../optimize/walk-forward.js';
import {BacktestConfigSchema} from './backtest-config.js';
import {DEFAULT_REPORTS_DIR, saveBacktest} from './backtest-report.js';
import {inlineExecutor} from './optimize-executors.js';
import {DEFAULT_WORKERS, TrialPool} from './optimize-pool.js';
import {parseSweepRequest, specSpace, sweepIdOf, sweepSpec, type SweepSpec, testWindow, trainWindow, trialConfig} from './optimize-spec.js';
import {rowToStored, storedToRow, sweepLog} from './optimize-log.js';
import {type SweepFiles, writeSweepReport} from './optimize-report.js';
import {loadSweepMarket, loadTrialStrategy, runTrial, strategyReadsFunding, type SweepMarket} from './optimize-trial.js';

/** An executor for one sweep, closed when the sweep ends. */
export type ClosableExecutor = TrialExecutor & {close(): Promise<void>};

export interface SweepContext {
  readonly sweepId: string;
  readonly spec: SweepSpec;
  readonly market: SweepMarket;
  readonly strategy: StrategyDefinition;
  /** How workers load the strategy (shipped name or module path). */
  readonly strategyRef: string;
  readonly modelsDir?: string;
}

export interface SweepRunOptions {
  /** Worker threads (default: all cores); 0 runs trials in this thread. Ignored when `executor` is given. */
  readonly workers?: number;
  /** Another executor (the BullMQ queue). */
  readonly executor?: (context: SweepContext) => Promise<ClosableExecutor>;
  readonly progress?: () => ProgressSink;
  readonly modelsDir?: string;
  readonly reportsDir?: string;
  /** Status lines (resuming, folds); the CLI prints them to stderr. */
  readonly log?: (line: string) => void;
}

export interface SweepOutcome {
  readonly sweepId: string;
  readonly spec: SweepSpec;
  readonly summary: SweepSummary;
  /** Trials found stored when the sweep started (a resumed sweep). */
  readonly resumedTrials: number;
  readonly trials: readonly StoredTrial[];
  /** Run ids of the kept full run records (reports/<run-id>/). */
  readonly kept: readonly string[];
  readonly folds: readonly Fold[];
  /** reports/sweep-<id>/: index.html, sweep.json, trials.csv. */
  readonly report: SweepFiles;
}

export interface PreparedSweep extends SweepContext {
  readonly space: SearchSpace;
  readonly filter: (point: Point) => boolean;
  readonly folds: readonly Fold[];
}

/** Validates the request, loads the strategy and the data once, and derives the sweep id. */
export async function prepareSweep(store: DuckDbStore, rawRequest: unknown, modelsDir?: string): Promise<PreparedSweep> {
  const request = parseSweepRequest(rawRequest);
  const base = parseConfig(BacktestConfigSchema, {...request.base, llm: {...((request.base.llm as object) ?? {}), mode: 'off'}}, 'backtest config');
  const strategy = await loadTrialStrategy(base.strategy);
  const spec = sweepSpec(request, strategy, strategySourceHash(strategy));
  return prepareFromSpec(store, spec, base.strategy, modelsDir);
}

export async function prepareFromSpec(store: DuckDbStore, spec: SweepSpec, strategyRef: string, modelsDir?: string): Promise<PreparedSweep> {
  const base = parseConfig(BacktestConfigSchema, spec.base, 'backtest config');
  const strategy = await loadTrialStrategy(strategyRef);
  const space = specSpace(spec);
  const baseParams = base.params;
  const filter = (point: Point) => satisfies(space, point) && strategy.params.safeParse(paramsOf(point, baseParams)).success;
  const market = await loadSweepMarket(store, base, strategyReadsFunding(strategy, baseParams, modelsDir));
  let folds: Fold[] = [];
  if (spec.walkForward) {
    const tf = timeframeMs(base.timeframe);
    const lastBar = market.bars.openTime[market.bars.length - 1] + tf;
    folds = walkForwardFolds(base.fromMs!, Math.min(base.toMs!, lastBar), spec.walkForward.trainMs, spec.walkForward.testMs);
  }
  return {sweepId: sweepIdOf(spec, market.dataHash), spec, market, strategy, strategyRef, modelsDir, space, filter, folds};
}

function samplerOf(p: PreparedSweep): Sampler {
  const {space, filter, spec} = p;
  if (spec.sampler === 'grid') return new GridSampler(space, filter);
  if (spec.sampler === 'random') return new RandomSampler(space, spec.seed, filter);
  return new TpeSampler(space, spec.seed, filter);
}

async function executorFor(p: PreparedSweep, options: SweepRunOptions): Promise<ClosableExecutor> {
  if (options.executor) return options.executor(p);
  const workers = options.workers ?? DEFAULT_WORKERS;
  if (workers === 0) return {...inlineExecutor(p.market, p.strategy, {modelsDir: p.modelsDir}), close: async () => {}};
  return TrialPool.start({market: p.market, strategy: p.strategyRef, modelsDir: p.modelsDir}, workers);
}

/** Runs (or resumes, or extends) a sweep to completion. */
export async function runSweep(store: DuckDbStore, rawRequest: unknown, options: SweepRunOptions = {}): Promise<SweepOutcome> {
  const request = parseSweepRequest(rawRequest);
  const p = await prepareSweep(store, request, options.modelsDir);
  return runPrepared(store, p, request.trials, request.keep, options);
}

export async function runPrepared(store: DuckDbStore, p: PreparedSweep, trials: number, keep: number, options: SweepRunOptions = {}): Promise<SweepOutcome> {
  const say = options.log ?? (() => {});
  const record = await store.sweeps.begin({sweepId: p.sweepId, strategy: p.strategy.name, spec: p.spec, dataHash: p.market.dataHash, trials});
  const target = Math.max(trials, record.trials);
  const log = sweepLog(store, p.sweepId);
  const before = (await store.sweeps.trials(p.sweepId, {withReturns: false})).length;
  if (before > 0) say(`resuming sweep ${p.sweepId}: ${before} trial${before === 1 ? '' : 's'} already stored`);
  const objective = objectiveOf(p.spec.objective);
  const sampler = samplerOf(p);
  const executor = await executorFor(p, options);
  const common = {space: p.space, sampler, trials: target, batch: p.spec.batch, objective, executor, log};
  const results: FoldResult[] = [];
  let all: StoredTrial[];
  try {
    if (!p.spec.walkForward) {
      all = await runFoldSweep({
        ...common, fold: 0, configOf: (point) => trialConfig(p.spec, point, null), progress: options.progress?.(), label: `optimize ${p.strategy.name} (${p.spec.sampler})`,
      });
    } else {
      all = [];
      for (const fold of p.folds) {
        const window = trainWindow(fold);
        const foldTrials = await runFoldSweep({
          ...common, fold: fold.index, configOf: (point) => trialConfig(p.spec, point, window), progress: options.progress?.(),
          label: `fold ${fold.index + 1}/${p.folds.length} ${new Date(window.fromMs).toISOString().slice(0, 10)}`,
        });
        const oos = await outOfSample(p, fold, foldTrials, log, executor, objective);
        results.push({fold, trials: foldTrials, oos});
        all.push(...foldTrials, ...(oos ? [oos] : []));
        say(`fold ${fold.index + 1}/${p.folds.length}: best ${JSON.stringify(bestTrial(foldTrials)?.point ?? null)} → out of sample ${fmt(oos?.metrics?.totalReturn)}`);
      }
    }
  } finally {
    await executor.close();
  }
  const summary: SweepSummary = p.spec.walkForward
    ? {...summarizeTrials(all.filter((t) => t.trial !== OOS_TRIAL)), walkForward: summarizeWalkForward(results)}
    : summarizeTrials(all);
  const reportsDir = options.reportsDir ?? DEFAULT_REPORTS_DIR;
  const kept = await keepRuns(store, p, all, keep, reportsDir);
  await store.sweeps.complete(p.sweepId, summary);
  const trialsNow = (await store.sweeps.trials(p.sweepId)).map(rowToStored);
  const report = writeSweepReport(p.sweepId, p.spec, summary, trialsNow, reportsDir);
  return {sweepId: p.sweepId, spec: p.spec, summary, resumedTrials: before, trials: trialsNow, kept, folds: p.folds, report};
}

const fmt = (x: number | null | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '-');

/** The fold's best parameters on its test window (stored as trial -1, run once). */
async function outOfSample(p: PreparedSweep, fold: Fold, trials: readonly StoredTrial[], log: SweepLog, executor: TrialExecutor, objective: ReturnType<typeof objectiveOf>): Promise<StoredTrial | null> {
  const stored = (await log.stored(fold.index)).find((t) => t.trial === OOS_TRIAL);
  if (stored) return stored;
  const best = bestTrial(trials);
  if (!best) return null;
  let result: StoredTrial | null = null;
  await executor.run([{fold: fold.index, trial: OOS_TRIAL, point: best.point, config: trialConfig(p.spec, best.point, testWindow(fold))}], (r) => {
    result = {...r, objective: r.metrics ? objective(r.metrics) : null};
  });
  await log.save([result!]);
  return result;
}

/** Re-runs the trials to keep in this thread, checks they reproduce the stored metrics, saves their full records. */
async function keepRuns(store: DuckDbStore, p: PreparedSweep, trials: readonly StoredTrial[], keep: number, reportsDir: string): Promise<string[]> {
  const chosen = p.spec.walkForward
    ? trials.filter((t) => t.trial === OOS_TRIAL && t.status === 'done')
    : rankTrials(trials.filter((t) => t.status === 'done' && t.objective !== null)).slice(0, keep);
  const kept: string[] = [];
  for (const t of chosen) {
    if (t.kept && t.runId && (await store.runs.get(t.runId))) {
      kept.push(t.runId);
      continue;
    }
    const saved = await replayTrial(store, p, t, reportsDir);
    await store.sweeps.markKept(p.sweepId, t.fold, t.trial);
    kept.push(saved.summary.runId);
  }
  return kept;
}

/** Window of a stored trial: the fold's training or test window, or none. */
export function windowOf(p: PreparedSweep, fold: number, trial: number): {fromMs: number; toMs: number} | null {
  if (!p.spec.walkForward) return null;
  const f = p.folds[fold];
  if (!f) throw new IftbError(ErrorCode.INPUT_INVALID, `sweep ${p.sweepId} has no fold ${fold} (folds 0–${p.folds.length - 1})`);
  return trial === OOS_TRIAL ? testWindow(f) : trainWindow(f);
}

/**
 * Runs a stored trial again through the full pipeline and saves its run record (run.json,
 * journal, trades, report); refuses if the run id or metrics differ from what the sweep stored.
 */
export async function replayTrial(store: DuckDbStore, p: PreparedSweep, t: StoredTrial, reportsDir = DEFAULT_REPORTS_DIR) {
  const config = trialConfig(p.spec, t.point, windowOf(p, t.fold, t.trial));
  const outcome = await runTrial(p.market, p.strategy, config, {modelsDir: p.modelsDir});
  if (outcome.run.runId !== t.runId || canonicalJson(outcome.metrics) !== canonicalJson(t.metrics)) {
    throw new IftbError(ErrorCode.DATA_CONFLICT,
      `trial ${t.trial} of sweep ${p.sweepId} does not reproduce: stored run ${t.runId}, re-run ${outcome.run.runId}${outcome.run.runId === t.runId ? ' with other metrics' : ''}`);
  }
  return saveBacktest(store, outcome.run, reportsDir);
}

export {storedToRow};

/** A stored sweep reopened: its spec re-prepared over the store's data (the data hash must match). */
export async function openSweep(store: DuckDbStore, sweepId: string, modelsDir?: string): Promise<{prepared: PreparedSweep; trials: StoredTrial[]; summary: SweepSummary | null}> {
  const record = await store.sweeps.get(sweepId);
  if (!record) throw new IftbError(ErrorCode.INPUT_INVALID, `no sweep '${sweepId}' in the store (see \`iftb optimize list\`)`);
  const spec = record.spec as SweepSpec;
  const prepared = await prepareFromSpec(store, spec, String(spec.base.strategy ?? spec.strategy.name), modelsDir);
  if (prepared.market.dataHash !== record.dataHash) {
    throw new IftbError(ErrorCode.DATA_CONFLICT, `the stored candles changed since sweep ${sweepId} ran (data hash ${prepared.market.dataHash.slice(0, 12)}, sweep ${record.dataHash.slice(0, 12)})`);
  }
  const trials = (await store.sweeps.trials(sweepId)).map(rowToStored);
  return {prepared, trials, summary: record.summary as SweepSummary | null};
}
