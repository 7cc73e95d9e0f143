/**
 * A finished backtest as plain data: everything saving it (run.json, the store's run row with its
 * journal, cash ledger and trades, the report files) and comparing it read, without the engine
 * behind it. Built on the machine that ran the backtest; a queue worker sends it back whole
 * (structured-clone bytes keep typed arrays, NaN and −0 exact) for the coordinator to save.
 */
import {deserialize, serialize} from 'node:v8';
import {gunzipSync, gzipSync} from 'node:zlib';
import type {ClosedTrade, JournalEvent} from '../core/index.js';
import type {CashEntry} from '../portfolio/ledger.js';
import type {BarTrack, ReportInput} from '../report/index.js';
import type {BacktestConfig} from './backtest-config.js';
import type {BacktestRun} from './backtest-runner.js';
import type {MlRunInfo} from './ml-run.js';
import {barTrackOf} from './run-bars.js';
import {type RunSummary, summarizeRun} from './run-summary.js';

export interface BacktestRecord {
  readonly runId: string;
  readonly configHash: string;
  readonly dataHash: string;
  readonly config: BacktestConfig;
  /** The first symbol's strategy parameters after defaults. */
  readonly params: unknown;
  readonly strategy: {readonly name: string; readonly version: string};
  readonly symbols: readonly string[];
  readonly ml: MlRunInfo | null;
  readonly unavailableSources: ReadonlyArray<{readonly id: string; readonly reason: string}>;
  readonly summary: RunSummary;
  /** The decision window's per-bar columns (barTrackOf). */
  readonly bars: BarTrack;
  readonly journal: readonly JournalEvent[];
  readonly cash: readonly CashEntry[];
  readonly trades: readonly ClosedTrade[];
}

export function backtestRecordOf(run: BacktestRun, summary: RunSummary = summarizeRun(run)): BacktestRecord {
  return {
    runId: run.runId, configHash: run.configHash, dataHash: run.dataHash, config: run.config, params: run.params,
    strategy: {name: run.strategy.name, version: run.strategy.version}, symbols: run.lanes.map((l) => l.symbol), ml: run.ml,
    unavailableSources: run.unavailableSources, summary, bars: barTrackOf(run), journal: run.journal.toArray(), cash: run.ledger.entries, trades: run.ledger.trades,
  };
}

export function reportInputOfRecord(r: BacktestRecord): ReportInput {
  return {summary: r.summary, bars: r.bars, journal: r.journal, trades: r.trades, cash: r.cash};
}

/** What the report of a run reads (as saveBacktest builds it). */
export function reportInputOf(run: BacktestRun, summary: RunSummary = summarizeRun(run)): ReportInput {
  return reportInputOfRecord(backtestRecordOf(run, summary));
}

/** A record as base64 of its gzipped structured-clone bytes (what a queue job returns; per-bar columns compress well). */
export function encodeBacktestRecord(r: BacktestRecord): string {
  return gzipSync(serialize(r)).toString('base64');
}

export function decodeBacktestRecord(text: string): BacktestRecord {
  return deserialize(gunzipSync(Buffer.from(text, 'base64'))) as BacktestRecord;
}
