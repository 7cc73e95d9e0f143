import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {DuckDb, type DuckDbStore} from '../adapters/duckdb/index.js';
import {fromRoot} from '../core/index.js';
import type {BacktestRun} from './backtest-runner.js';
import {type BacktestRecord, backtestRecordOf, reportInputOfRecord} from './backtest-record.js';
import {writeRunArtifacts} from './run-artifacts.js';
import type {RunSummary} from './run-summary.js';

export const DEFAULT_REPORTS_DIR = fromRoot('reports');

export interface SavedRun {
  readonly summary: RunSummary;
  readonly reportDir: string;
  readonly runJsonPath: string;
  readonly htmlPath: string;
}

/**
 * Writes reports/<run-id>/run.json, stores the run with its journal, cash ledger and trades, then
 * writes the per-bar record (bars.parquet), the trades and equity exports and index.html beside it.
 */
export async function saveBacktest(store: DuckDbStore, run: BacktestRun, reportsDir = DEFAULT_REPORTS_DIR): Promise<SavedRun> {
  return saveBacktestRecord(store, backtestRecordOf(run), reportsDir);
}

/** saveBacktest of a run finished elsewhere (a queue worker's): the same files and store rows. */
export async function saveBacktestRecord(store: DuckDbStore, record: BacktestRecord, reportsDir = DEFAULT_REPORTS_DIR): Promise<SavedRun> {
  const {reportDir, runJsonPath} = writeRunJson(record.summary, reportsDir);
  await recordBacktest(store, record, reportDir);
  const htmlPath = await writeRunArtifacts(store, reportDir, reportInputOfRecord(record));
  return {summary: record.summary, reportDir, runJsonPath, htmlPath};
}

/**
 * saveBacktest in two steps for a caller that does not hold the store while it writes files:
 * run.json and the report files first (through an in-memory DuckDB), then `recordBacktest`.
 */
export async function writeBacktestFiles(record: BacktestRecord, reportsDir = DEFAULT_REPORTS_DIR): Promise<SavedRun> {
  const {reportDir, runJsonPath} = writeRunJson(record.summary, reportsDir);
  const scratch = await DuckDb.open(':memory:');
  try {
    const htmlPath = await writeRunArtifacts({db: scratch}, reportDir, reportInputOfRecord(record));
    return {summary: record.summary, reportDir, runJsonPath, htmlPath};
  } finally {
    scratch.close();
  }
}

function writeRunJson(summary: RunSummary, reportsDir: string): {reportDir: string; runJsonPath: string} {
  const reportDir = resolve(join(reportsDir, summary.runId));
  mkdirSync(reportDir, {recursive: true});
  const runJsonPath = join(reportDir, 'run.json');
  writeFileSync(runJsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  return {reportDir, runJsonPath};
}

/** Stores the run with its journal, cash ledger and trades (what `iftb runs` and `iftb report` read back). */
export async function recordBacktest(store: DuckDbStore, record: BacktestRecord, reportDir: string): Promise<void> {
  const c = record.config;
  const summary = record.summary;
  await store.runs.save(
    {
      runId: record.runId, mode: 'backtest', strategy: record.strategy.name, strategyVersion: record.strategy.version,
      exchange: c.exchange, symbol: record.symbols.join(','), timeframe: c.timeframe,
      fromMs: summary.market.firstBarMs, toMs: summary.market.lastBarMs, config: {...c, params: record.params},
      configHash: record.configHash, dataHash: record.dataHash, metrics: summary.metrics, reportDir,
    },
    record.journal,
    record.cash,
    record.trades,
  );
}
