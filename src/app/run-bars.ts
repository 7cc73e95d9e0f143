/**
 * The per-bar columns a report needs, and their file form, reports/<run-id>/bars.parquet:
 * written when the backtest runs, read back by `iftb report` and `iftb runs compare`.
 */
import type {Column} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import type {BarTrack, LaneTrack, ReportSource, ReportSummary} from '../report/index.js';
import {type BacktestRun, slotAligned} from './backtest-runner.js';

/** The decision window (warm-up bars left out) of a finished run. */
export function barTrackOf(run: BacktestRun): BarTrack {
  const r = run.engine.recorder;
  const from = run.firstIndex;
  const to = r.length;
  if (run.lanes.length > 1) return portfolioTrack(run, from, to);
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

/** A portfolio's slots: account columns, and each symbol's close (NaN where it had no bar), position and readings. */
function portfolioTrack(run: BacktestRun, from: number, to: number): BarTrack {
  const r = run.engine.recorder;
  const lanes: LaneTrack[] = run.lanes.map((lane, k) => {
    const rec = r.lanes[k];
    return {
      symbol: lane.symbol,
      close: slotAligned(lane.bars, run.timeline).close.slice(from, to),
      position: rec.positionQty.slice(from, to),
      ensemble: {score: rec.ensembleScore.slice(from, to), confidence: rec.ensembleConfidence.slice(from, to), active: rec.ensembleActive.slice(from, to)},
      signals: rec.signals.map((s) => ({
        id: s.id, source: s.source, score: s.score.slice(from, to), confidence: s.confidence.slice(from, to), active: s.active.slice(from, to),
      })),
    };
  });
  const first = lanes[0];
  return {length: to - from, timeMs: r.timeMs.slice(from, to), close: first.close, equity: r.equity.slice(from, to), position: first.position, ensemble: first.ensemble, signals: [], lanes};
}

/** A portfolio column's name: the single-symbol name with the symbol after '@' ('close@ETH/USDT:USDT', 'score:ta-rsi@ETH/USDT:USDT'). */
const laneColumn = (name: string, symbol: string) => `${name}@${symbol}`;

export function barColumns(track: BarTrack): Column[] {
  if (track.lanes !== undefined) {
    return [
      {name: 'time_ms', type: 'BIGINT', values: track.timeMs},
      {name: 'equity', type: 'DOUBLE', values: track.equity},
      ...track.lanes.flatMap((lane) => readingColumns(lane).map((c) => ({...c, name: laneColumn(c.name, lane.symbol)}))),
    ];
  }
  const [close, ...rest] = readingColumns(track);
  return [{name: 'time_ms', type: 'BIGINT', values: track.timeMs}, close, {name: 'equity', type: 'DOUBLE', values: track.equity}, ...rest];
}

/** One symbol's position, ensemble and analyzer columns (and its close first). */
function readingColumns(track: Pick<BarTrack, 'close' | 'position' | 'ensemble' | 'signals'>): Column[] {
  const columns: Column[] = [
    {name: 'close', type: 'DOUBLE', values: track.close},
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

/**
 * Rebuilds the track from bars.parquet's columns; the sources (from run.json) name the signal
 * columns, and a portfolio's symbols (run.json `portfolio`) name its per-symbol columns.
 */
export function barTrackFromColumns(
  file: string, columns: ReadonlyMap<string, Float64Array>, rows: number, sources: readonly ReportSource[], portfolio?: ReportSummary['portfolio'],
): BarTrack {
  const need = (name: string): Float64Array => {
    const column = columns.get(name);
    if (!column) throw new IftbError(ErrorCode.DATA_MISSING, `${file} has no column '${name}'`);
    return column;
  };
  const readings = (name: (column: string) => string, own: readonly ReportSource[]) => {
    const flags = (column: string) => Uint8Array.from(need(name(column)));
    return {
      close: need(name('close')),
      position: need(name('position_qty')),
      ensemble: {score: need(name('ensemble_score')), confidence: need(name('ensemble_confidence')), active: flags('ensemble_active')},
      signals: own.map((s) => ({
        id: s.id, source: s.source, score: need(name(`score:${s.id}`)), confidence: need(name(`confidence:${s.id}`)), active: flags(`active:${s.id}`),
      })),
    };
  };
  if (portfolio !== undefined) {
    const lanes: LaneTrack[] = portfolio.symbols.map((p) => ({symbol: p.symbol, ...readings((c) => laneColumn(c, p.symbol), p.sources)}));
    const first = lanes[0];
    return {length: rows, timeMs: need('time_ms'), equity: need('equity'), close: first.close, position: first.position, ensemble: first.ensemble, signals: [], lanes};
  }
  return {length: rows, timeMs: need('time_ms'), equity: need('equity'), ...readings((c) => c, sources)};
}
