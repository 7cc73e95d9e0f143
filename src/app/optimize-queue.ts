/**
 * Trials over a BullMQ queue: `iftb optimize --queue redis://…` adds one job per trial and
 * writes each result into its own store as it comes back; `iftb worker --queue redis://…` loads
 * the sweep's data from its own store once, checks its data hash against the job's before
 * running anything, and returns the trial's result.
 */
import {hostname} from 'node:os';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {JobConsumer, JobProducer, PermanentJobError, type QueueOptions} from '../adapters/queue/index.js';
import {canonicalJson, parseConfig} from '../config/index.js';
import type {StrategyDefinition} from '../decision/index.js';
import type {TrialRequest, TrialResult} from '../optimize/sweep.js';
import {BacktestConfigSchema} from './backtest-config.js';
import {executeTrial} from './optimize-executors.js';
import type {ClosableExecutor, SweepContext} from './optimize.js';
import {loadSweepMarket, loadTrialStrategy, type SweepMarket} from './optimize-trial.js';

interface TrialJob {
  readonly sweepId: string;
  readonly dataHash: string;
  readonly strategy: string;
  /** The sweep's base config: what the worker loads its market data for. */
  readonly base: Readonly<Record<string, unknown>>;
  readonly usesAnalyzerFunding: boolean;
  readonly request: TrialRequest;
}

/** A trial result as JSON (its daily returns as base64 float64). */
type WireResult = Omit<TrialResult, 'returns'> & {returns: {startMs: number; periodMs: number; values: string} | null};

function toWire(r: TrialResult): WireResult {
  const v = r.returns?.values;
  return {...r, returns: r.returns && v ? {startMs: r.returns.startMs, periodMs: r.returns.periodMs, values: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')} : null};
}

function fromWire(w: WireResult): TrialResult {
  const bytes = w.returns ? Buffer.from(w.returns.values, 'base64') : null;
  return {...w, returns: w.returns && bytes ? {startMs: w.returns.startMs, periodMs: w.returns.periodMs, values: new Float64Array(Uint8Array.from(bytes).buffer)} : null};
}

const jobId = (sweepId: string, r: TrialRequest) => `${sweepId}_${r.fold}_${r.trial}`;

/** The coordinator's side: an executor whose trials run on whichever workers serve the queue. */
export function queueExecutor(url: string, options: QueueOptions = {}): (context: SweepContext) => Promise<ClosableExecutor> {
  return async (context) => {
    const producer = new JobProducer(url, options);
    return {
      async run(requests, onResult) {
        const byId = new Map(requests.map((r) => [jobId(context.sweepId, r), r]));
        await producer.runAll(
          requests.map((request) => ({
            id: jobId(context.sweepId, request),
            data: {
              sweepId: context.sweepId, dataHash: context.market.dataHash, strategy: context.strategyRef, base: context.spec.base,
              usesAnalyzerFunding: context.market.usesAnalyzerFunding, request,
            } satisfies TrialJob,
          })),
          (outcome) => {
            if (outcome.ok) {
              onResult(fromWire(outcome.value as WireResult));
              return;
            }
            const request = byId.get(outcome.id)!;
            onResult({
              fold: request.fold, trial: request.trial, point: request.point, status: 'failed', error: `queue: ${String(outcome.value)}`, runId: null,
              configHash: null, dataHash: null, metrics: null, returns: null, worker: null, seconds: null,
            });
          },
        );
      },
      close: () => producer.close(),
    };
  };
}

export interface ServeOptions extends QueueOptions {
  readonly concurrency?: number;
  readonly lockMs?: number;
  readonly modelsDir?: string;
  /** One line per finished trial (the CLI prints them). */
  readonly log?: (line: string) => void;
}

/** The worker's side: serves trials until closed; data and strategies are loaded once and reused. */
export async function serveTrials(store: DuckDbStore, url: string, options: ServeOptions = {}): Promise<{close(): Promise<void>}> {
  const markets = new Map<string, Promise<SweepMarket>>();
  const strategies = new Map<string, Promise<StrategyDefinition>>();
  const name = `${hostname()}:${process.pid}`;
  const consumer = new JobConsumer(url, async (data, id) => {
    const job = data as TrialJob;
    const base = parseConfig(BacktestConfigSchema, job.base, 'sweep base config');
    const key = canonicalJson({exchange: base.exchange, symbol: base.symbol, timeframe: base.timeframe, toMs: base.toMs ?? null, funding: base.funding, af: job.usesAnalyzerFunding});
    if (!markets.has(key)) markets.set(key, loadSweepMarket(store, base, job.usesAnalyzerFunding));
    const market = await markets.get(key)!;
    if (market.dataHash !== job.dataHash) {
      throw new PermanentJobError(`worker ${name}: its store's data for sweep ${job.sweepId} has hash ${market.dataHash.slice(0, 12)}, the coordinator's ${job.dataHash.slice(0, 12)}; import the same candles on both`);
    }
    if (!strategies.has(job.strategy)) strategies.set(job.strategy, loadTrialStrategy(job.strategy));
    const strategy = await strategies.get(job.strategy)!;
    const result = await executeTrial(market, strategy, job.request, name, {modelsDir: options.modelsDir});
    options.log?.(`trial ${id} ${result.status}${result.error ? ` (${result.error})` : ''}`);
    return toWire(result);
  }, {prefix: options.prefix, name: options.name, concurrency: options.concurrency, lockMs: options.lockMs});
  consumer.on('error', (error) => options.log?.(`queue error: ${(error as Error).message}`));
  await consumer.ready();
  return {close: () => consumer.close()};
}
