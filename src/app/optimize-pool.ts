/**
 * Trials on a pool of worker threads (all cores by default). The market data is copied once into
 * shared memory and every worker reads the same bytes, so memory does not grow with workers or
 * trials. A worker that dies mid-trial is replaced and its trial run again.
 */
import {existsSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {type BarColumns, type BarSeries, ErrorCode, type FundingSeries, fromRoot, IftbError} from '../core/index.js';
import type {TrialExecutor, TrialRequest, TrialResult} from '../optimize/sweep.js';
import type {SweepMarket} from './optimize-trial.js';

export interface PoolInit {
  readonly market: SweepMarket;
  readonly strategy: string;
  readonly modelsDir?: string;
}

export type WorkerMessage = {type: 'ready'} | {type: 'init-failed'; error: string} | {type: 'result'; result: TrialResult};

function workerPath(): string {
  const here = fileURLToPath(new URL('./optimize-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fromRoot('dist', 'src', 'app', 'optimize-worker.js');
  if (existsSync(built)) return built;
  throw new IftbError(ErrorCode.INPUT_INVALID, `the trial worker is not built (${built}); run \`npm run build\``);
}

function shared(a: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

function sharedBars<T extends BarColumns>(c: T): T {
  return {...c, openTime: shared(c.openTime), open: shared(c.open), high: shared(c.high), low: shared(c.low), close: shared(c.close), volume: shared(c.volume)};
}

function sharedFunding(f: FundingSeries | null): FundingSeries | null {
  return f && {...f, time: shared(f.time), rate: shared(f.rate), markPrice: shared(f.markPrice)};
}

/** The market in SharedArrayBuffers: posting it to a worker shares the memory instead of copying. */
export function sharedMarket(m: SweepMarket): SweepMarket {
  return {...m, bars: sharedBars(m.bars as BarSeries), mark: m.mark && sharedBars(m.mark), funding: sharedFunding(m.funding), analyzerFunding: sharedFunding(m.analyzerFunding)};
}

export const DEFAULT_WORKERS = availableParallelism();

interface Slot {
  worker: Worker;
  busy: TrialRequest | null;
}

export class TrialPool implements TrialExecutor {
  readonly #slots: Slot[] = [];
  readonly #init: PoolInit;
  #closed = false;

  private constructor(init: PoolInit) {
    this.#init = init;
  }

  /** Starts `workers` threads and waits until each has checked the data hash and loaded the strategy. */
  static async start(init: PoolInit, workers = DEFAULT_WORKERS): Promise<TrialPool> {
    const pool = new TrialPool({...init, market: sharedMarket(init.market)});
    try {
      await Promise.all(Array.from({length: Math.max(1, workers)}, () => pool.#spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  #spawn(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerPath());
      const slot: Slot = {worker, busy: null};
      const onReady = (message: WorkerMessage) => {
        worker.off('message', onReady);
        worker.off('error', onError);
        if (message.type === 'ready') {
          this.#slots.push(slot);
          resolve(slot);
        } else {
          void worker.terminate();
          reject(new IftbError(ErrorCode.DATA_CONFLICT, `trial worker refused the sweep: ${message.type === 'init-failed' ? message.error : message.type}`));
        }
      };
      const onError = (error: Error) => reject(new IftbError(ErrorCode.INPUT_INVALID, `trial worker failed to start: ${error.message}`));
      worker.on('message', onReady);
      worker.once('error', onError);
      worker.postMessage({type: 'init', init: this.#init});
    });
  }

  run(requests: readonly TrialRequest[], onResult: (result: TrialResult) => void): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('trial pool is closed'));
    const queue = [...requests];
    let outstanding = requests.length;
    if (outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cleanups: Array<() => void> = [];
      const respawns: Array<Promise<unknown>> = [];
      let finished = false;
      // Resolves once replacement workers started during the run have joined, so the pool is whole again.
      const finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        for (const c of cleanups.splice(0)) c();
        void Promise.allSettled(respawns).then(() => (error ? reject(error) : resolve()));
      };
      const feed = (slot: Slot) => {
        const next = queue.shift();
        slot.busy = next ?? null;
        if (next) slot.worker.postMessage({type: 'trial', request: next});
      };
      const attach = (slot: Slot) => {
        const onMessage = (message: WorkerMessage) => {
          if (message.type !== 'result') return;
          slot.busy = null;
          outstanding--;
          try {
            onResult(message.result);
          } catch (error) {
            finish(error);
            return;
          }
          if (outstanding === 0) finish();
          else feed(slot);
        };
        // A dead worker's trial goes back to the queue and a fresh worker takes its place.
        const onExit = () => {
          if (this.#closed) return;
          const lost = slot.busy;
          this.#slots.splice(this.#slots.indexOf(slot), 1);
          if (lost) queue.unshift(lost);
          respawns.push(this.#spawn().then((fresh) => {
            if (finished) return;
            attach(fresh);
            feed(fresh);
          }, finish));
        };
        slot.worker.on('message', onMessage);
        slot.worker.once('exit', onExit);
        cleanups.push(() => {
          slot.worker.off('message', onMessage);
          slot.worker.off('exit', onExit);
        });
      };
      for (const slot of [...this.#slots]) {
        attach(slot);
        feed(slot);
      }
    });
  }

  /** Threads of the pool (tests kill one to check a lost trial is run again). */
  get threads(): readonly Worker[] {
    return this.#slots.map((s) => s.worker);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }
}
