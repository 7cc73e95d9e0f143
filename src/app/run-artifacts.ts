/**
 * The files next to run.json: bars.parquet (the per-bar record `iftb report` reads back),
 * index.html, and the trades and equity exports as CSV and Parquet.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {z} from 'zod';
import {type Column, type DuckDbStore, readColumnFile, writeColumnFile} from '../adapters/duckdb/index.js';
import {type ClosedTrade, ErrorCode, IftbError} from '../core/index.js';
import {drawdownSeries} from '../portfolio/metrics.js';
import {type BarTrack, loadVegaCompiler, renderRunReport, type ReportInput, type ReportSummary} from '../report/index.js';
import {runBacktest} from './backtest-runner.js';
import {barColumns, barTrackFromColumns, barTrackOf} from './run-bars.js';

export const REPORT_FILES = ['index.html', 'bars.parquet', 'trades.csv', 'trades.parquet', 'equity.csv', 'equity.parquet'] as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** A portfolio's trades name their symbol (one symbol's export stays as it was). */
function tradeColumns(trades: readonly ClosedTrade[], portfolio: boolean): Column[] {
  const num = (name: string, pick: (t: ClosedTrade) => number, type: Column['type'] = 'DOUBLE'): Column => ({name, type, values: trades.map(pick)});
  const text = (name: string, pick: (t: ClosedTrade) => string): Column => ({name, type: 'VARCHAR', values: trades.map(pick)});
  return [
    num('trade_id', (t) => t.id, 'INTEGER'), ...(portfolio ? [text('symbol', (t) => t.symbol)] : []), text('side', (t) => t.side), num('qty', (t) => t.qty),
    num('entry_time_ms', (t) => t.entryTimeMs, 'BIGINT'), text('entry_time_utc', (t) => iso(t.entryTimeMs)),
    num('exit_time_ms', (t) => t.exitTimeMs, 'BIGINT'), text('exit_time_utc', (t) => iso(t.exitTimeMs)),
    num('entry_price', (t) => t.entryPrice), num('exit_price', (t) => t.exitPrice), num('gross_pnl', (t) => t.grossPnl),
    num('fees', (t) => t.fees), num('funding', (t) => t.funding), num('liquidation_fee', (t) => t.liquidationFee),
    num('net_pnl', (t) => t.netPnl), text('entry_reason', (t) => t.entryReason), text('exit_reason', (t) => t.exitReason),
    num('bars', (t) => t.bars, 'INTEGER'),
  ];
}

function equityColumns(bars: BarTrack, cash: number): Column[] {
  if (bars.lanes !== undefined) {
    return [
      {name: 'time_ms', type: 'BIGINT', values: bars.timeMs},
      {name: 'time_utc', type: 'VARCHAR', values: Array.from(bars.timeMs, iso)},
      {name: 'equity', type: 'DOUBLE', values: bars.equity},
      {name: 'drawdown', type: 'DOUBLE', values: drawdownSeries(bars.equity, cash)},
      ...bars.lanes.map((l): Column => ({name: `position_qty@${l.symbol}`, type: 'DOUBLE', values: l.position})),
    ];
  }
  return [
    {name: 'time_ms', type: 'BIGINT', values: bars.timeMs},
    {name: 'time_utc', type: 'VARCHAR', values: Array.from(bars.timeMs, iso)},
    {name: 'close', type: 'DOUBLE', values: bars.close},
    {name: 'equity', type: 'DOUBLE', values: bars.equity},
    {name: 'drawdown', type: 'DOUBLE', values: drawdownSeries(bars.equity, cash)},
    {name: 'position_qty', type: 'DOUBLE', values: bars.position},
  ];
}

/** Writes bars.parquet, the exports and index.html into `dir`; returns the path of index.html. Any DuckDB serves (it only writes files). */
export async function writeRunArtifacts(store: Pick<DuckDbStore, 'db'>, dir: string, input: ReportInput): Promise<string> {
  const db = store.db;
  const cash = (input.summary.config as {cash: number}).cash;
  await writeColumnFile(db, barColumns(input.bars), join(dir, 'bars.parquet'), 'parquet');
  for (const format of ['csv', 'parquet'] as const) {
    await writeColumnFile(db, tradeColumns(input.trades, input.summary.portfolio !== undefined), join(dir, `trades.${format}`), format);
    await writeColumnFile(db, equityColumns(input.bars, cash), join(dir, `equity.${format}`), format);
  }
  const html = join(dir, 'index.html');
  writeFileSync(html, renderRunReport(input, await loadVegaCompiler()));
  return html;
}

export interface StoredRunFiles {
  readonly dir: string;
  readonly summary: ReportSummary;
}

/** Finds run.json of a stored run: under `reportsDir` first, then where the store says the report was written. */
export async function findRunFiles(store: DuckDbStore, runId: string, reportsDir: string): Promise<StoredRunFiles> {
  const record = await store.runs.get(runId);
  if (!record) throw new IftbError(ErrorCode.INPUT_INVALID, `no run '${runId}' in the store (see \`iftb runs list\`)`);
  const dirs = [join(reportsDir, runId), ...(record.reportDir ? [record.reportDir] : [])];
  const dir = dirs.find((d) => existsSync(join(d, 'run.json')));
  if (!dir) throw new IftbError(ErrorCode.DATA_MISSING, `run.json of run ${runId} not found in ${dirs.join(' or ')}; re-run the backtest to recreate it`);
  const summary = readRunJson(join(dir, 'run.json'));
  if (summary.runId !== runId) throw new IftbError(ErrorCode.DATA_MISSING, `${join(dir, 'run.json')} belongs to run ${summary.runId}, not ${runId}`);
  return {dir, summary};
}

/** The fields a report relies on; the rest of run.json passes through as written. */
const RunJsonSchema = z.looseObject({
  runId: z.string(),
  strategy: z.looseObject({name: z.string(), version: z.string()}),
  market: z.looseObject({symbol: z.string(), timeframe: z.string(), firstBarMs: z.number(), lastBarMs: z.number()}),
  config: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  sources: z.array(z.looseObject({id: z.string(), source: z.string()})),
  tradeList: z.array(z.unknown()),
});

/** run.json is read back at an edge (it may be truncated or edited by hand): validated, one clear line if not. */
function readRunJson(path: string): ReportSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new IftbError(ErrorCode.DATA_INVALID, `${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = RunJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IftbError(ErrorCode.DATA_INVALID, `${path}: not a run.json written by iftb backtest (${issue.path.join('.') || '(root)'}: ${issue.message})`);
  }
  return raw as ReportSummary;
}

/**
 * The per-bar columns of a stored run: read from bars.parquet; if that file is gone, the stored
 * config is replayed, which is accepted only when it reproduces the same run id (same config
 * hash and data hash), so a changed strategy or changed candles can never pass as the original.
 */
export async function loadRunBars(store: DuckDbStore, files: StoredRunFiles): Promise<BarTrack> {
  const {dir, summary} = files;
  const file = join(dir, 'bars.parquet');
  let bars: BarTrack;
  if (existsSync(file)) {
    const {rows, columns} = await readColumnFile(store.db, file);
    bars = barTrackFromColumns(file, columns, rows, summary.sources, summary.portfolio);
  } else {
    const run = await runBacktest(store, summary.config);
    if (run.runId !== summary.runId) {
      throw new IftbError(ErrorCode.DATA_MISSING,
        `${file} is missing and replaying the stored config gives run ${run.runId}, not ${summary.runId}: the strategy or the stored candles changed`);
    }
    bars = barTrackOf(run);
  }
  if (bars.length !== summary.bars) throw new IftbError(ErrorCode.DATA_MISSING, `${file} has ${bars.length} bars, run.json says ${summary.bars}`);
  return bars;
}

/** run.json + bars + the stored journal, trades and cash ledger: everything `iftb report` rebuilds a page from. */
export async function loadReportInput(store: DuckDbStore, runId: string, reportsDir: string): Promise<{dir: string; input: ReportInput}> {
  const files = await findRunFiles(store, runId, reportsDir);
  const bars = await loadRunBars(store, files);
  const journal = await store.runs.journal(runId);
  const trades = await store.runs.trades(runId, files.summary.market.symbol);
  const cash = await store.runs.cash(runId);
  return {dir: files.dir, input: {summary: files.summary, bars, journal, trades, cash}};
}
