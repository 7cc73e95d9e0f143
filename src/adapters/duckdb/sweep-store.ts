import type {DuckDb} from './database.js';

/** A sweep's definition as stored; `spec` is whatever the optimiser needs to resume it. */
export interface SweepRecord {
  readonly sweepId: string;
  readonly strategy: string;
  readonly spec: unknown;
  readonly dataHash: string;
  readonly trials: number;
  readonly status: 'running' | 'complete';
  readonly summary: unknown;
  readonly createdAt?: string;
}

/** One trial's row: parameters, outcome, identity hashes and its daily returns. */
export interface SweepTrialRow {
  readonly fold: number;
  readonly trial: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: 'done' | 'failed';
  readonly objective: number | null;
  readonly metrics: unknown;
  readonly runId: string | null;
  readonly configHash: string | null;
  readonly dataHash: string | null;
  readonly returns: {readonly startMs: number; readonly periodMs: number; readonly values: Float64Array} | null;
  readonly error: string | null;
  readonly worker: string | null;
  readonly seconds: number | null;
  readonly kept?: boolean;
}

const DAY_MS = 86_400_000;

/** Sweeps and their trials (migration 007). Saving a trial again replaces its row. */
export class DuckDbSweepStore {
  constructor(private readonly db: DuckDb) {}

  /** Creates the sweep, or raises its trial count when it exists (a resumed or extended sweep). */
  async begin(sweep: Omit<SweepRecord, 'status' | 'summary' | 'createdAt'>): Promise<SweepRecord> {
    const existing = await this.get(sweep.sweepId);
    if (existing) {
      if (sweep.trials > existing.trials) {
        await this.db.run(`UPDATE sweeps SET trials = $2, status = 'running' WHERE sweep_id = $1`, [sweep.sweepId, sweep.trials]);
      }
      return (await this.get(sweep.sweepId))!;
    }
    await this.db.run(`INSERT INTO sweeps (sweep_id, strategy, spec_json, data_hash, trials, status) VALUES ($1, $2, $3, $4, $5, 'running')`, [
      sweep.sweepId, sweep.strategy, JSON.stringify(sweep.spec), sweep.dataHash, sweep.trials,
    ]);
    return (await this.get(sweep.sweepId))!;
  }

  async get(sweepId: string): Promise<SweepRecord | null> {
    const rows = await this.db.rows('SELECT * FROM sweeps WHERE sweep_id = $1', [sweepId]);
    return rows.length === 0 ? null : toSweep(rows[0]);
  }

  async list(): Promise<SweepRecord[]> {
    const rows = await this.db.rows('SELECT * FROM sweeps ORDER BY created_at DESC, sweep_id');
    return rows.map(toSweep);
  }

  async complete(sweepId: string, summary: unknown): Promise<void> {
    await this.db.run(`UPDATE sweeps SET status = 'complete', summary_json = $2 WHERE sweep_id = $1`, [sweepId, JSON.stringify(summary)]);
  }

  /** Writes trials in one transaction; a trial already stored is replaced (never duplicated). */
  async saveTrials(sweepId: string, trials: readonly SweepTrialRow[]): Promise<void> {
    if (trials.length === 0) return;
    const db = this.db;
    await db.transaction(async () => {
      for (const t of trials) await db.run('DELETE FROM sweep_trials WHERE sweep_id = $1 AND fold = $2 AND trial = $3', [sweepId, t.fold, t.trial]);
      const rows = await db.connection.createAppender('sweep_trials');
      for (const t of trials) {
        rows.appendVarchar(sweepId);
        rows.appendInteger(t.fold);
        rows.appendInteger(t.trial);
        rows.appendVarchar(JSON.stringify(t.params));
        rows.appendVarchar(t.status);
        if (t.objective === null) rows.appendNull();
        else rows.appendDouble(t.objective);
        for (const text of [t.metrics === null ? null : JSON.stringify(t.metrics), t.runId, t.configHash, t.dataHash]) {
          if (text === null) rows.appendNull();
          else rows.appendVarchar(text);
        }
        if (t.returns === null) {
          rows.appendNull();
          rows.appendNull();
        } else {
          rows.appendBigInt(BigInt(t.returns.startMs));
          const v = t.returns.values;
          rows.appendBlob(new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
        }
        for (const text of [t.error, t.worker]) {
          if (text === null) rows.appendNull();
          else rows.appendVarchar(text);
        }
        if (t.seconds === null) rows.appendNull();
        else rows.appendDouble(t.seconds);
        rows.appendBoolean(t.kept ?? false);
        rows.endRow();
      }
      rows.closeSync();
    });
  }

  /** Trials of a sweep (one fold, or all), by fold then trial; `withReturns: false` skips the blobs. */
  async trials(sweepId: string, options: {fold?: number; withReturns?: boolean} = {}): Promise<SweepTrialRow[]> {
    const returns = options.withReturns === false ? 'NULL AS returns' : 'returns';
    const rows = await this.db.rows(
      `SELECT fold, trial, params_json, status, objective, metrics_json, run_id, config_hash, data_hash, returns_start_ms, ${returns},
         error, worker, seconds, kept FROM sweep_trials WHERE sweep_id = $1 ${options.fold === undefined ? '' : 'AND fold = $2'} ORDER BY fold, trial`,
      options.fold === undefined ? [sweepId] : [sweepId, options.fold],
    );
    return rows.map(toTrial);
  }

  async markKept(sweepId: string, fold: number, trial: number): Promise<void> {
    await this.db.run('UPDATE sweep_trials SET kept = true WHERE sweep_id = $1 AND fold = $2 AND trial = $3', [sweepId, fold, trial]);
  }
}

function toSweep(r: Record<string, unknown>): SweepRecord {
  return {
    sweepId: String(r.sweep_id), strategy: String(r.strategy), spec: JSON.parse(String(r.spec_json)), dataHash: String(r.data_hash),
    trials: Number(r.trials), status: r.status as SweepRecord['status'], summary: r.summary_json === null ? null : JSON.parse(String(r.summary_json)),
    createdAt: new Date(r.created_at as Date).toISOString(),
  };
}

function toTrial(r: Record<string, unknown>): SweepTrialRow {
  const blob = r.returns as Uint8Array | null;
  const text = (v: unknown) => (v === null ? null : String(v));
  return {
    fold: Number(r.fold), trial: Number(r.trial), params: JSON.parse(String(r.params_json)), status: r.status as SweepTrialRow['status'],
    objective: r.objective === null ? null : Number(r.objective), metrics: r.metrics_json === null ? null : JSON.parse(String(r.metrics_json)),
    runId: text(r.run_id), configHash: text(r.config_hash), dataHash: text(r.data_hash),
    returns: blob === null || r.returns_start_ms === null
      ? null
      : {startMs: Number(r.returns_start_ms), periodMs: DAY_MS, values: new Float64Array(Uint8Array.from(blob).buffer)},
    error: text(r.error), worker: text(r.worker), seconds: r.seconds === null ? null : Number(r.seconds), kept: Boolean(r.kept),
  };
}
