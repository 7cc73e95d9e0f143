/**
 * The per-bar columns a report needs, and their file form, reports/<run-id>/bars.parquet:
 * written when the backtest runs, read back by `iftb report` and `iftb runs compare`.
 */
import type {Column} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import type {BarTrack, ReportSource} from '../report/index.js';
import type {BacktestRun} from './backtest-runner.js';

/** The decision window (warm-up bars left out) of a finished run. */
export function barTrackOf(run: BacktestRun): BarTrack {
  const r = run.engine.recorder;
  const from = run.firstIndex;
  const to = r.length;
  return {
    length: to - from,
    timeMs: r.timeMs.slice(from, to),
    close: run.bars.close.slice(from, to),
    equity: r.equity.slice(from, to),
    position: r.positionQty.slice(from, to),
    ensemble: {score: r.ensembleScore.slice(from, to), confidence: r.ensembleConfidence.slice(from, to), active: r.ensembleActive.slice(from, to)},
    signals: r.signals.map((s) => ({
      id: s.id, source: s.source, score: s.score.slice(from, to), confidence: s.confidence.slice(from, to), active: s.active.slice(from, to),
    })),
  };
}

export function barColumns(track: BarTrack): Column[] {
  const columns: Column[] = [
    {name: 'time_ms', type: 'BIGINT', values: track.timeMs},
    {name: 'close', type: 'DOUBLE', values: track.close},
    {name: 'equity', type: 'DOUBLE', values: track.equity},
    {name: 'position_qty', type: 'DOUBLE', values: track.position},
    {name: 'ensemble_score', type: 'DOUBLE', values: track.ensemble.score},
    {name: 'ensemble_confidence', type: 'DOUBLE', values: track.ensemble.confidence},
    {name: 'ensemble_active', type: 'INTEGER', values: track.ensemble.active},
  ];
  for (const s of track.signals) {
    columns.push(
      {name: `score:${s.id}`, type: 'DOUBLE', values: s.score},
      {name: `confidence:${s.id}`, type: 'DOUBLE', values: s.confidence},
      {name: `active:${s.id}`, type: 'INTEGER', values: s.active},
    );
  }
  return columns;
}

/** Rebuilds the track from bars.parquet's columns; the sources (from run.json) name the signal columns. */
export function barTrackFromColumns(file: string, columns: ReadonlyMap<string, Float64Array>, rows: number, sources: readonly ReportSource[]): BarTrack {
  const need = (name: string): Float64Array => {
    const column = columns.get(name);
    if (!column) throw new IftbError(ErrorCode.DATA_MISSING, `${file} has no column '${name}'`);
    return column;
  };
  const flags = (name: string) => Uint8Array.from(need(name));
  return {
    length: rows,
    timeMs: need('time_ms'),
    close: need('close'),
    equity: need('equity'),
    position: need('position_qty'),
    ensemble: {score: need('ensemble_score'), confidence: need('ensemble_confidence'), active: flags('ensemble_active')},
    signals: sources.map((s) => ({
      id: s.id, source: s.source, score: need(`score:${s.id}`), confidence: need(`confidence:${s.id}`), active: flags(`active:${s.id}`),
    })),
  };
}
