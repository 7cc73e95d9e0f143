/**
 * `iftb compare --queue redis://…`: the comparison's two backtests as jobs on the BullMQ queue the
 * optimiser and walk-forward training use, run by `iftb worker`. The worker runs the very backtest
 * the coordinator would (the job carries the full config; the worker reads its inputs from its own
 * store and registry as runBacktest does) — but first it checks them: the coordinator puts the
 * fingerprint of its own inputs in the job (market data hash, instrument versions, the models each
 * reference resolves to with their sha256, the strategy's source, the recorded LLM answers the run
 * could replay), the worker computes its own and refuses the job for good if any part differs, as a
 * trial whose data hash differs is refused. The worker returns the whole run record
 * (backtest-record.ts); the coordinator saves it in its store and reports dir with the same code a
 * local run is saved with, so the runs the comparison links are there afterwards.
 */
import {hostname} from 'node:os';
import {z} from 'zod';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {JobConsumer, JobProducer, PermanentJobError, type QueueOptions} from '../adapters/queue/index.js';
import {canonicalJson, sha256Hex} from '../config/index.js';
import {ErrorCode, IftbError, isIftbError, timeframeMs} from '../core/index.js';
import {strategySourceHash} from '../decision/index.js';
import {isLlmAnalyzer} from '../signals/llm/index.js';
import {symbolEntries} from './backtest-config.js';
import {type BacktestRecord, backtestRecordOf, decodeBacktestRecord, encodeBacktestRecord} from './backtest-record.js';
import {type BacktestInputs, loadBacktestInputs, runBacktestInputs} from './backtest-runner.js';
import type {CompareRunner} from './compare-backtests.js';
import {composeLanes, laneMarketHash} from './run-composition.js';
import {mlModelOf} from './strategy-kit.js';

/** Queue name of compare backtests (trials use "trials", training "train"): one `iftb worker` serves all three. */
export const COMPARE_QUEUE = 'compare';

const ModelSchema = z.object({ref: z.string(), model: z.string(), onnxSha256: z.string()}).strict();

const FingerprintSchema = z
  .object({
    /** Every symbol's market data hash (as the run's data hash has it, before LLM answers). */
    dataHash: z.string(),
    /** The stored instrument versions in force, per symbol. */
    instruments: z.string(),
    models: z.array(ModelSchema),
    strategy: z.string(),
    /** sha256 of the recorded LLM answers the run's LLM source could replay ('' without one). */
    llmAnswers: z.string(),
  })
  .strict();

export type BacktestFingerprint = z.infer<typeof FingerprintSchema>;

const CompareJobSchema = z.object({ref: z.string(), config: z.record(z.string(), z.unknown()), fingerprint: FingerprintSchema}).strict();
type CompareJob = z.infer<typeof CompareJobSchema>;

const WireResultSchema = z.object({worker: z.string(), runId: z.string(), record: z.string()}).strict();
type WireResult = z.infer<typeof WireResultSchema>;

/** What decides a backtest's result besides its config, read from this machine's store and registry. */
export async function backtestFingerprint(store: DuckDbStore, inputs: BacktestInputs, modelsDir?: string): Promise<BacktestFingerprint> {
  const {config, strategy, data} = inputs;
  const lanes = composeLanes(config, strategy, symbolEntries(config), data, () => {}, {modelsDir, llm: inputs.llm, strict: false});
  const tf = timeframeMs(config.timeframe);
  const answers: unknown[] = [];
  for (const l of lanes) {
    const bars = l.data.bars;
    for (const a of l.analyzers.filter(isLlmAnalyzer)) {
      // The range the source's prepare replays: its decision bars' closes.
      const rows = await store.llmAnswers.recorded(a.key, bars.openTime[l.data.firstIndex] + tf, bars.openTime[bars.length - 1] + tf);
      answers.push({id: a.id, rows});
    }
  }
  return {
    dataHash: sha256Hex(lanes.map((l) => laneMarketHash(l.data, l.analyzers.some((a) => a.usesFunding === true))).join(',')),
    instruments: sha256Hex(canonicalJson(data.map((d) => d.instrument ?? null))),
    models: lanes.flatMap((l) => l.analyzers.flatMap((a) => {
      const m = mlModelOf(a);
      return m ? [{ref: m.ref, model: m.model, onnxSha256: m.onnxSha256}] : [];
    })),
    strategy: `${strategy.name}@${strategy.version} ${strategySourceHash(strategy)}`,
    llmAnswers: answers.length === 0 ? '' : sha256Hex(canonicalJson(answers)),
  };
}

/** Why a worker's fingerprint is not the coordinator's (null: the same). */
export function fingerprintDifference(coordinator: BacktestFingerprint, worker: BacktestFingerprint): string | null {
  const short = (h: string) => (h === '' ? 'none' : `${h.slice(0, 12)}…`);
  const models = (ms: BacktestFingerprint['models']) => (ms.length === 0 ? 'no model' : ms.map((m) => `${m.ref} → ${m.model} sha256 ${m.onnxSha256.slice(0, 12)}…`).join(', '));
  const diffs: string[] = [];
  if (worker.dataHash !== coordinator.dataHash) diffs.push(`its store's market data has hash ${short(worker.dataHash)}, the coordinator's ${short(coordinator.dataHash)}; import the same candles, mark candles and funding on both`);
  if (worker.instruments !== coordinator.instruments) diffs.push(`its stored instrument versions differ from the coordinator's (${short(worker.instruments)} vs ${short(coordinator.instruments)}); run \`iftb instruments sync\` on both`);
  if (canonicalJson(worker.models) !== canonicalJson(coordinator.models)) diffs.push(`its registry resolves ${models(worker.models)}; the coordinator's ${models(coordinator.models)}; copy the same model versions to both`);
  if (worker.strategy !== coordinator.strategy) diffs.push(`its strategy is ${worker.strategy}, the coordinator's ${coordinator.strategy}`);
  if (worker.llmAnswers !== coordinator.llmAnswers) diffs.push(`its store's recorded LLM answers for the run (${short(worker.llmAnswers)}) differ from the coordinator's (${short(coordinator.llmAnswers)})`);
  return diffs.length === 0 ? null : diffs.join('; ');
}

/** Same job, same id: a restarted coordinator adding it again does not run it twice. */
const jobId = (job: CompareJob) => `compare_${sha256Hex(canonicalJson(job))}`;

/** The coordinator's side: both backtests go to whichever workers serve the queue; resolves with their records, A then B. */
export function queueBacktests(url: string, options: QueueOptions = {}): CompareRunner {
  return async (store, requests, {modelsDir}) => {
    const jobs: Array<{id: string; data: CompareJob}> = [];
    for (const r of requests) {
      const inputs = await loadBacktestInputs(store, r.config, {modelsDir});
      const data: CompareJob = {ref: r.ref, config: {...r.config}, fingerprint: await backtestFingerprint(store, inputs, modelsDir)};
      jobs.push({id: jobId(data), data});
    }
    const producer = new JobProducer(url, {...options, name: options.name ?? COMPARE_QUEUE});
    const records = new Map<string, BacktestRecord>();
    const failures: string[] = [];
    try {
      await producer.runAll(jobs, (outcome) => {
        const ref = jobs.find((j) => j.id === outcome.id)!.data.ref;
        if (!outcome.ok) {
          failures.push(`${ref}: ${String(outcome.value)}`);
          return;
        }
        const wire = WireResultSchema.safeParse(outcome.value);
        if (!wire.success) {
          failures.push(`${ref}: the worker's result is not a backtest record`);
          return;
        }
        records.set(outcome.id, decodeBacktestRecord(wire.data.record));
        // Refused earlier (another worker's data): asking again is the point of running compare again.
      }, 3, {retryFailed: true});
    } finally {
      await producer.close();
    }
    if (failures.length > 0) throw new IftbError(ErrorCode.DATA_CONFLICT, `compare on the queue failed: ${failures.join('; ')}`);
    return jobs.map((j) => {
      const record = records.get(j.id)!;
      // The worker checked its inputs before running; the run's own record must name the same models.
      const used = (record.ml?.models ?? []).map((m) => ({ref: m.ref, model: m.model, onnxSha256: m.onnxSha256}));
      if (canonicalJson(used) !== canonicalJson(j.data.fingerprint.models)) {
        throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${j.data.ref}: the worker's run ${record.runId} scored with other models than the coordinator's registry resolves`);
      }
      return record;
    });
  };
}

export interface ServeCompareOptions extends QueueOptions {
  readonly lockMs?: number;
  readonly modelsDir?: string;
  readonly log?: (line: string) => void;
}

/** The worker's side: runs compare backtests (one at a time: a backtest is CPU-bound) until closed. */
export async function serveCompareBacktests(store: DuckDbStore, url: string, options: ServeCompareOptions = {}): Promise<{close(): Promise<void>}> {
  const name = `${hostname()}:${process.pid}`;
  const consumer = new JobConsumer(url, async (data, id) => {
    const parsed = CompareJobSchema.safeParse(data);
    if (!parsed.success || id !== jobId(parsed.data)) throw new PermanentJobError(`worker ${name}: compare job ${id} is not a compare backtest or does not match its id; refused`);
    const job = parsed.data;
    const refuse = (why: string) => {
      options.log?.(`compare ${id.slice(0, 20)} refused (${job.ref}): ${why}`);
      return new PermanentJobError(`worker ${name}: ${why}`);
    };
    let inputs: BacktestInputs;
    let mine: BacktestFingerprint;
    try {
      inputs = await loadBacktestInputs(store, job.config, {modelsDir: options.modelsDir});
      mine = await backtestFingerprint(store, inputs, options.modelsDir);
    } catch (error) {
      // Missing candles, a bad config or a model failing its integrity check: no retry fixes them here.
      if (isIftbError(error)) throw refuse(`${error.code}: ${error.message}`);
      throw error;
    }
    const diff = fingerprintDifference(job.fingerprint, mine);
    if (diff) throw refuse(`${diff}; refused`);
    const run = await runBacktestInputs(inputs, {modelsDir: options.modelsDir});
    options.log?.(`compare ${id.slice(0, 20)} done (${job.ref}, run ${run.runId})`);
    return {worker: name, runId: run.runId, record: encodeBacktestRecord(backtestRecordOf(run))} satisfies WireResult;
  }, {prefix: options.prefix, name: options.name ?? COMPARE_QUEUE, concurrency: 1, lockMs: options.lockMs});
  consumer.on('error', (error) => options.log?.(`queue error: ${(error as Error).message}`));
  await consumer.ready();
  return {close: () => consumer.close()};
}
