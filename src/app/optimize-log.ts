/** The sweep log port over the DuckDB sweep store. */
import type {DuckDbStore, SweepTrialRow} from '../adapters/duckdb/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import type {Point} from '../optimize/space.js';
import type {StoredTrial, SweepLog} from '../optimize/sweep.js';

export function storedToRow(t: StoredTrial): SweepTrialRow {
  return {
    fold: t.fold, trial: t.trial, params: t.point, status: t.status, objective: t.objective, metrics: t.metrics, runId: t.runId, configHash: t.configHash,
    dataHash: t.dataHash, returns: t.returns, error: t.error, worker: t.worker, seconds: t.seconds,
  };
}

export function rowToStored(r: SweepTrialRow): StoredTrial {
  return {
    fold: r.fold, trial: r.trial, point: r.params as Point, status: r.status, objective: r.objective, metrics: r.metrics as Metrics | null, runId: r.runId,
    configHash: r.configHash, dataHash: r.dataHash, returns: r.returns, error: r.error, worker: r.worker, seconds: r.seconds, ...(r.kept ? {kept: true} : {}),
  };
}

export function sweepLog(store: DuckDbStore, sweepId: string): SweepLog {
  return {
    stored: async (fold) => (await store.sweeps.trials(sweepId, {fold})).map(rowToStored),
    save: (trials) => store.sweeps.saveTrials(sweepId, trials.map(storedToRow)),
  };
}
