/** Reviewing stored runs: rebuild a run's report, list runs, compare runs side by side. */
import {writeFileSync, mkdirSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import type {DuckDbStore, RunSummary as StoredRun} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import {type CompareRun, loadVegaCompiler, renderComparePage} from '../report/index.js';
import {findRunFiles, loadReportInput, loadRunBars, writeRunArtifacts} from './run-artifacts.js';

/** Rebuilds reports/<run-id>/index.html (and bars.parquet and the exports) from the store and run.json. */
export async function rebuildReport(store: DuckDbStore, runId: string, reportsDir: string): Promise<{dir: string; htmlPath: string}> {
  const {dir, input} = await loadReportInput(store, runId, reportsDir);
  const htmlPath = await writeRunArtifacts(store, dir, input);
  return {dir, htmlPath};
}

export function listRuns(store: DuckDbStore): Promise<StoredRun[]> {
  return store.runs.list();
}

export function defaultComparePath(reportsDir: string, runIds: readonly string[]): string {
  return resolve(join(reportsDir, `compare-${runIds.join('-')}.html`));
}

/** Writes one page with the runs side by side; returns its path. */
export async function compareRuns(store: DuckDbStore, runIds: readonly string[], reportsDir: string, out?: string): Promise<string> {
  if (runIds.length < 2) throw new IftbError(ErrorCode.INPUT_INVALID, 'compare needs at least two run ids');
  const duplicate = runIds.find((id, k) => runIds.indexOf(id) !== k);
  if (duplicate) throw new IftbError(ErrorCode.INPUT_INVALID, `run ${duplicate} is listed twice`);
  const path = resolve(out ?? defaultComparePath(reportsDir, runIds));
  const runs: CompareRun[] = [];
  for (const runId of runIds) {
    const files = await findRunFiles(store, runId, reportsDir);
    const bars = await loadRunBars(store, files);
    const href = relative(dirname(path), join(files.dir, 'index.html')).split('\\').join('/');
    runs.push({summary: files.summary, timeMs: bars.timeMs, equity: bars.equity, href});
  }
  mkdirSync(dirname(path), {recursive: true});
  writeFileSync(path, renderComparePage(runs, await loadVegaCompiler()));
  return path;
}
