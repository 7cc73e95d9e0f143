/**
 * Walk-forward training over the BullMQ queue the optimiser uses: `iftb train --walk-forward
 * --queue redis://…` sends each fold's booster training to whichever `iftb worker` takes it.
 * A job carries the fold's feature rows and labels themselves (not a reference into a store), so
 * a worker needs no copy of the candles; its id is the sha256 of that payload, which the worker
 * checks before training, so a job is never trained on rows other than the coordinator's. The
 * worker returns XGBoost's model and predictions; the ONNX export and its parity check stay on
 * the coordinator, where the model is registered. XGBoost is deterministic for a seed (hist,
 * fixed threads), so a fold trained on a worker is the fold trained here.
 */
import {createHash} from 'node:crypto';
import {hostname} from 'node:os';
import {JobConsumer, JobProducer, PermanentJobError, type QueueOptions} from '../adapters/queue/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import type {TrainRequest, TrainResult, XgbParams} from '../ml/xgboost/train.js';
import {trainInWorker} from '../ml/xgboost/train-in-worker.js';
import type {FoldTrainer} from './walk-forward.js';

/** Queue name of training jobs (trials use "trials"): one `iftb worker` serves both. */
export const TRAIN_QUEUE = 'train';

interface WireMatrix {
  readonly rows: string;
  readonly nrow: number;
  readonly ncol: number;
  readonly labels?: string;
}

interface TrainJob {
  readonly sha256: string;
  readonly train: WireMatrix;
  readonly predict: WireMatrix | null;
  readonly params: XgbParams;
  readonly seed: number;
}

interface WireResult {
  readonly modelJson: string;
  readonly config: string;
  readonly predictions: string;
  readonly xgboostVersion: string;
  readonly trainMs: number;
  readonly worker: string;
}

const b64 = (v: Float32Array | Uint8Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));
const floats = (s: string) => new Float32Array(bytes(s).buffer);

/** The payload's digest: every byte a worker trains on, and the parameters. */
function payloadHash(job: Omit<TrainJob, 'sha256'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({params: job.params, seed: job.seed, train: {...job.train, rows: '', labels: ''}, predict: job.predict && {...job.predict, rows: ''}}));
  h.update(job.train.rows).update(job.train.labels ?? '').update(job.predict?.rows ?? '');
  return h.digest('hex');
}

function toJob(r: TrainRequest): TrainJob {
  const body = {
    train: {rows: b64(r.train.rows), nrow: r.train.nrow, ncol: r.train.ncol, labels: b64(r.train.labels)},
    predict: r.predict ? {rows: b64(r.predict.rows), nrow: r.predict.nrow, ncol: r.predict.ncol} : null,
    params: r.params, seed: r.seed,
  };
  return {...body, sha256: payloadHash(body)};
}

function fromJob(job: TrainJob, libraryPath: string | undefined): TrainRequest {
  return {
    train: {rows: floats(job.train.rows), nrow: job.train.nrow, ncol: job.train.ncol, labels: floats(job.train.labels ?? '')},
    ...(job.predict ? {predict: {rows: floats(job.predict.rows), nrow: job.predict.nrow, ncol: job.predict.ncol}} : {}),
    params: job.params, seed: job.seed, libraryPath,
  };
}

/** The coordinator's side: each fold is one job; resolves when every fold is back (a fold that failed after its retries fails the training). */
export function queueFoldTrainer(url: string, options: QueueOptions = {}): FoldTrainer {
  return async (requests) => {
    const producer = new JobProducer(url, {...options, name: options.name ?? TRAIN_QUEUE});
    try {
      const jobs = requests.map((r) => {
        const data = toJob(r);
        return {id: `fold_${data.sha256}`, data};
      });
      const results = new Map<string, TrainResult>();
      const failures: string[] = [];
      await producer.runAll(jobs, (outcome) => {
        if (!outcome.ok) {
          failures.push(`${outcome.id}: ${String(outcome.value)}`);
          return;
        }
        const w = outcome.value as WireResult;
        results.set(outcome.id, {modelJson: bytes(w.modelJson), config: w.config, predictions: floats(w.predictions), xgboostVersion: w.xgboostVersion, trainMs: w.trainMs});
      });
      if (failures.length > 0) throw new IftbError(ErrorCode.ML_FAILED, `walk-forward training on the queue failed: ${failures.join('; ')}`);
      return jobs.map((j) => results.get(j.id)!);
    } finally {
      await producer.close();
    }
  };
}

export interface ServeTrainingOptions extends QueueOptions {
  readonly lockMs?: number;
  readonly libraryPath?: string;
  readonly log?: (line: string) => void;
}

/** The worker's side: trains folds (one at a time: XGBoost uses the cores) until closed. */
export async function serveTraining(url: string, options: ServeTrainingOptions = {}): Promise<{close(): Promise<void>}> {
  const name = `${hostname()}:${process.pid}`;
  const consumer = new JobConsumer(url, async (data, id) => {
    const job = data as TrainJob;
    const {sha256, ...body} = job;
    if (payloadHash(body) !== sha256 || id !== `fold_${sha256}`) {
      throw new PermanentJobError(`worker ${name}: training job ${id} does not match its sha256; refused`);
    }
    const result = await trainInWorker(fromJob(job, options.libraryPath));
    options.log?.(`train ${id.slice(0, 17)} done (${result.trainMs.toFixed(0)} ms)`);
    return {
      modelJson: b64(result.modelJson), config: result.config, predictions: b64(result.predictions), xgboostVersion: result.xgboostVersion, trainMs: result.trainMs, worker: name,
    } satisfies WireResult;
  }, {prefix: options.prefix, name: options.name ?? TRAIN_QUEUE, concurrency: 1, lockMs: options.lockMs});
  consumer.on('error', (error) => options.log?.(`queue error: ${(error as Error).message}`));
  await consumer.ready();
  return {close: () => consumer.close()};
}
