/**
 * The research API: what notebooks (and scripts) use instead of the CLI. Each function is the
 * one the CLI calls; nothing here has its own logic.
 *
 *   const iftb = require('../dist/src/research.js');   // in a tslab notebook
 *   const store = await iftb.openStore();               // $IFTB_DB or datasets/iftb.duckdb
 */
export {DuckDbStore, DEFAULT_DB_PATH, listCoverage} from './adapters/duckdb/index.js';
export {runBacktest, type BacktestRun} from './app/backtest-runner.js';
export {saveBacktest} from './app/backtest-report.js';
export {summarizeRun, type RunSummary} from './app/run-summary.js';
export {trainModel, type TrainReport} from './app/train.js';
export {compareModels, type ModelComparison} from './app/compare.js';
export {runSweep, openSweep, type SweepOutcome} from './app/optimize.js';
export {overfittingLines} from './app/optimize-report.js';
export {deflatedSharpe, expectedMaxSharpe, probabilisticSharpe} from './optimize/deflated-sharpe.js';
export {probabilityOfOverfitting} from './optimize/pbo.js';
export {rngFor} from './optimize/random.js';
export {drawdownSeries} from './portfolio/metrics.js';
export {renderSvg} from './report/index.js';

import {DuckDbStore} from './adapters/duckdb/index.js';

/** Opens the store at `path` (default $IFTB_DB, else datasets/iftb.duckdb), importing the shipped sample on first use. */
export function openStore(path = process.env.IFTB_DB): Promise<DuckDbStore> {
  return DuckDbStore.open(path);
}

/** A markdown table (notebooks display it with tslab.display.markdown). */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v ?? '–')).replaceAll('|', '\\|');
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
