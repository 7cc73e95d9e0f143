/**
 * Running one sweep (one fold of a walk-forward optimisation, or a whole plain sweep) over ports:
 * an executor that runs trials somewhere (this thread, a worker pool, a BullMQ queue) and a log
 * that stores them. Trials already stored are not run again, so a killed sweep resumes where it
 * stopped; adaptive samplers run in fixed batches whose proposals see only earlier batches, so
 * the result set is the same for a seed however many workers run it.
 */
import {ErrorCode, IftbError, type ProgressSink, SILENT_PROGRESS} from '../core/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import type {Objective} from './objective.js';
import type {PeriodReturns} from './period-returns.js';
import type {Observation, Sampler} from './sampler.js';
import {type Point, pointKey, type SearchSpace} from './space.js';

/** Trial index of a fold's out-of-sample run. */
export const OOS_TRIAL = -1;

export interface TrialRequest {
  readonly fold: number;
  readonly trial: number;
  readonly point: Point;
  /** The complete backtest config of this trial (window and params included). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface TrialResult {
  readonly fold: number;
  readonly trial: number;
  readonly point: Point;
  readonly status: 'done' | 'failed';
  readonly error: string | null;
  readonly runId: string | null;
  readonly configHash: string | null;
  readonly dataHash: string | null;
  readonly metrics: Metrics | null;
  readonly returns: PeriodReturns | null;
  readonly worker: string | null;
  readonly seconds: number | null;
}

export interface StoredTrial extends TrialResult {
  readonly objective: number | null;
  /** Its full run record (journal, trades, report) was saved. */
  readonly kept?: boolean;
}

/** Runs trials and reports each result once; resolves when every request has a result. */
export interface TrialExecutor {
  run(requests: readonly TrialRequest[], onResult: (result: TrialResult) => void): Promise<void>;
}

export interface SweepLog {
  /** Stored trials of a fold, any order. */
  stored(fold: number): Promise<readonly StoredTrial[]>;
  save(trials: readonly StoredTrial[]): Promise<void>;
}

export interface FoldSweep {
  readonly fold: number;
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  readonly trials: number;
  /** Trials per proposal round of an adaptive sampler (fixed, so results do not depend on parallelism). */
  readonly batch: number;
  readonly objective: Objective;
  readonly configOf: (point: Point) => Readonly<Record<string, unknown>>;
  readonly executor: TrialExecutor;
  readonly log: SweepLog;
  readonly progress?: ProgressSink;
  readonly label?: string;
}

/** Results are written in groups: one transaction per trial would cap a fast sweep's rate. */
const FLUSH_EVERY = 64;
const FLUSH_MS = 1000;

/** Runs the trials of one fold that are not stored yet; returns all of the fold's trials by index. */
export async function runFoldSweep(s: FoldSweep): Promise<StoredTrial[]> {
  const target = Math.min(s.trials, s.sampler.capacity);
  const stored = new Map<number, StoredTrial>();
  for (const t of await s.log.stored(s.fold)) if (t.trial >= 0) stored.set(t.trial, t);
  const progress = s.progress ?? SILENT_PROGRESS;
  progress.start(target, s.label ?? `sweep fold ${s.fold}`);
  let done = [...stored.keys()].filter((k) => k < target).length;
  let saved = done;
  progress.update(done);
  const step = s.sampler.adaptive ? Math.max(1, s.batch) : target;
  try {
    for (let start = 0; start < target; start += step) {
      const count = Math.min(step, target - start);
      const history: Observation[] = [];
      for (let i = 0; i < start; i++) {
        const t = stored.get(i);
        if (!t) throw new IftbError(ErrorCode.DATA_MISSING, `trial ${i} of fold ${s.fold} has no stored result`);
        history.push({point: t.point, value: t.objective});
      }
      const points = s.sampler.propose(start, count, history);
      const requests: TrialRequest[] = [];
      points.forEach((point, k) => {
        const trial = start + k;
        const have = stored.get(trial);
        if (have) {
          if (pointKey(s.space, have.point) !== pointKey(s.space, point)) {
            throw new IftbError(ErrorCode.DATA_CONFLICT, `stored trial ${trial} of fold ${s.fold} has params ${JSON.stringify(have.point)} but the sampler now proposes ${JSON.stringify(point)}: the space, sampler or seed changed; start a new sweep`);
          }
          return;
        }
        requests.push({fold: s.fold, trial, point, config: s.configOf(point)});
      });
      if (requests.length === 0) continue;
      let pending: StoredTrial[] = [];
      let lastFlush = Date.now();
      let writing: Promise<void> = Promise.resolve();
      let failure: unknown = null;
      // Writes are chained (one at a time, in order); a failed write stops the sweep after the executor returns.
      const flush = () => {
        const batch = pending;
        pending = [];
        lastFlush = Date.now();
        writing = writing.then(async () => {
          await s.log.save(batch);
          saved += batch.length;
          progress.saved?.(saved);
        }).catch((error: unknown) => {
          failure ??= error;
        });
        return writing;
      };
      await s.executor.run(requests, (result) => {
        const trial: StoredTrial = {...result, objective: result.metrics ? s.objective(result.metrics) : null};
        stored.set(trial.trial, trial);
        pending.push(trial);
        progress.update(++done);
        if (pending.length >= FLUSH_EVERY || Date.now() - lastFlush > FLUSH_MS) void flush();
      });
      await flush();
      if (failure !== null) throw failure;
    }
  } finally {
    progress.stop();
  }
  return Array.from({length: target}, (_, i) => stored.get(i)!);
}

/** The best trial by objective (ties: the lower index); null when none has an objective. */
export function bestTrial<T extends {readonly trial: number; readonly objective: number | null}>(trials: readonly T[]): T | null {
  let best: T | null = null;
  for (const t of trials) {
    if (t.objective === null) continue;
    if (best === null || t.objective > best.objective! || (t.objective === best.objective && t.trial < best.trial)) best = t;
  }
  return best;
}

/** Trials by objective, best first (null last, ties by index). */
export function rankTrials<T extends {readonly trial: number; readonly objective: number | null}>(trials: readonly T[]): T[] {
  return [...trials].sort((a, b) => {
    if (a.objective === null || b.objective === null) return a.objective === null && b.objective === null ? a.trial - b.trial : a.objective === null ? 1 : -1;
    return b.objective - a.objective || a.trial - b.trial;
  });
}
