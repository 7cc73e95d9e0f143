import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {DuckDb, type DuckDbStore} from '../adapters/duckdb/index.js';
import {fromRoot} from '../core/index.js';
import type {BacktestRun} from './backtest-runner.js';
import {reportInputOf, writeRunArtifacts} from './run-artifacts.js';
import {type RunSummary, summarizeRun} from './run-summary.js';

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
  const summary = summarizeRun(run);
  const {reportDir, runJsonPath} = writeRunJson(summary, reportsDir);
  await recordBacktest(store, run, summary, reportDir);
  const htmlPath = await writeRunArtifacts(store, reportDir, reportInputOf(run, summary));
  return {summary, reportDir, runJsonPath, htmlPath};
}

/**
 * saveBacktest in two steps for a caller that does not hold the store while it writes files:
 * run.json and the report files first (through an in-memory DuckDB), then `recordBacktest`.
 */
export async function writeBacktestFiles(run: BacktestRun, reportsDir = DEFAULT_REPORTS_DIR): Promise<SavedRun> {
  const summary = summarizeRun(run);
  const {reportDir, runJsonPath} = writeRunJson(summary, reportsDir);
  const scratch = await DuckDb.open(':memory:');
  try {
    const htmlPath = await writeRunArtifacts({db: scratch}, reportDir, reportInputOf(run, summary));
    return {summary, reportDir, runJsonPath, htmlPath};
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
export async function recordBacktest(store: DuckDbStore, run: BacktestRun, summary: RunSummary, reportDir: string): Promise<void> {
  const c = run.config;
  await store.runs.save(
    {
      runId: run.runId, mode: 'backtest', strategy: run.strategy.name, strategyVersion: run.strategy.version,
      exchange: c.exchange, symbol: run.lanes.map((l) => l.symbol).join(','), timeframe: c.timeframe,
      fromMs: summary.market.firstBarMs, toMs: summary.market.lastBarMs, config: {...c, params: run.params},
      configHash: run.configHash, dataHash: run.dataHash, metrics: summary.metrics, reportDir,
    },
    run.journal.toArray(),
    run.ledger.entries,
    run.ledger.trades,
  );
}
