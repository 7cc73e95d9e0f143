import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
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
  const reportDir = resolve(join(reportsDir, run.runId));
  mkdirSync(reportDir, {recursive: true});
  const runJsonPath = join(reportDir, 'run.json');
  writeFileSync(runJsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  const c = run.config;
  await store.runs.save(
    {
      runId: run.runId, mode: 'backtest', strategy: run.strategy.name, strategyVersion: run.strategy.version,
      exchange: c.exchange, symbol: c.symbol, timeframe: c.timeframe,
      fromMs: summary.market.firstBarMs, toMs: summary.market.lastBarMs, config: {...c, params: run.params},
      configHash: run.configHash, dataHash: run.dataHash, metrics: summary.metrics, reportDir,
    },
    run.journal,
    run.ledger.entries,
    run.ledger.trades,
  );
  const htmlPath = await writeRunArtifacts(store, reportDir, reportInputOf(run, summary));
  return {summary, reportDir, runJsonPath, htmlPath};
}
