/**
 * A job queue on Redis through BullMQ (the only bullmq importer): the coordinator adds jobs and
 * collects their results; workers on any machine process them. A worker that dies mid-job loses
 * its lock, the job is found stalled and handed to another worker, so no job is lost; the job id
 * is fixed by the caller, so adding a job twice (a restarted coordinator) does not run it twice.
 */
import {Job, Queue, QueueEvents, UnrecoverableError, Worker} from 'bullmq';
import {Redis} from 'ioredis';
import {ErrorCode, IftbError} from '../../core/index.js';

export interface QueueOptions {
  /** Redis key prefix (default "iftb"): separate prefixes never see each other's jobs. */
  readonly prefix?: string;
  /** Queue name (default "trials"). */
  readonly name?: string;
}

interface Connection {
  readonly host: string;
  readonly port: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
}

/** redis://[user:password@]host[:port][/db] */
export function parseRedisUrl(url: string): Connection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IftbError(ErrorCode.INPUT_INVALID, `--queue ${url}: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:') throw new IftbError(ErrorCode.INPUT_INVALID, `--queue ${url}: expected a redis:// URL`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, ...(db !== undefined && Number.isInteger(db) ? {db} : {}),
    ...(u.username ? {username: decodeURIComponent(u.username)} : {}), ...(u.password ? {password: decodeURIComponent(u.password)} : {}),
  };
}

const names = (o: QueueOptions) => ({prefix: o.prefix ?? 'iftb', name: o.name ?? 'trials'});

/** BullMQ takes a constructed client under ESM; blocking commands need maxRetriesPerRequest null. */
function client(url: string): Redis {
  return new Redis({...parseRedisUrl(url), maxRetriesPerRequest: null});
}

/** Thrown by a job handler for an error no retry can fix (another machine's data differs): the job fails at once. */
export class PermanentJobError extends Error {}

export interface JobOutcome {
  readonly id: string;
  readonly ok: boolean;
  /** The handler's return value (ok) or the failure reason. */
  readonly value: unknown;
}

export class JobProducer {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  // BullMQ does not close clients it was handed.
  readonly #clients: Redis[];

  constructor(url: string, options: QueueOptions = {}) {
    const {prefix, name} = names(options);
    this.#clients = [client(url), client(url)];
    this.#queue = new Queue(name, {connection: this.#clients[0], prefix});
    this.#events = new QueueEvents(name, {connection: this.#clients[1], prefix});
  }

  /**
   * Adds jobs (an id already in the queue is left as it is) and resolves once each has finished, reporting each once.
   * `retryFailed`: a job of that id that failed for good earlier (a worker refused it) is removed and added again.
   */
  async runAll(jobs: ReadonlyArray<{readonly id: string; readonly data: unknown}>, onOutcome: (outcome: JobOutcome) => void, attempts = 3, options: {readonly retryFailed?: boolean} = {}): Promise<void> {
    if (jobs.length === 0) return;
    await this.#events.waitUntilReady();
    if (options.retryFailed) {
      for (const j of jobs) {
        const old = await Job.fromId(this.#queue, j.id);
        if (old && (await old.isFailed())) await old.remove();
      }
    }
    const pending = new Set(jobs.map((j) => j.id));
    let settle!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const report = (id: string, ok: boolean, value: unknown) => {
      if (!pending.delete(id)) return;
      try {
        onOutcome({id, ok, value});
      } catch (error) {
        fail(error);
      }
      if (pending.size === 0) settle();
    };
    const onCompleted = ({jobId, returnvalue}: {jobId: string; returnvalue: unknown}) =>
      report(jobId, true, typeof returnvalue === 'string' ? safeJson(returnvalue) : returnvalue);
    const onFailed = ({jobId, failedReason}: {jobId: string; failedReason: string}) => {
      // Only a final failure counts: a job with attempts left is retried.
      void Job.fromId(this.#queue, jobId).then((job) => {
        if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn)) report(jobId, false, failedReason);
      });
    };
    this.#events.on('completed', onCompleted);
    this.#events.on('failed', onFailed);
    // Events can be missed (a reconnect, a job finished before we listened): reconcile by polling.
    const poll = setInterval(() => void this.#reconcile(pending, report).catch(fail), 1000);
    try {
      await this.#queue.addBulk(jobs.map((j) => ({name: 'trial', data: j.data, opts: {jobId: j.id, attempts, backoff: {type: 'fixed', delay: 500}, removeOnComplete: {age: 86_400}, removeOnFail: {age: 86_400}}})));
      await this.#reconcile(pending, report);
      await done;
    } finally {
      clearInterval(poll);
      this.#events.off('completed', onCompleted);
      this.#events.off('failed', onFailed);
    }
  }

  async #reconcile(pending: ReadonlySet<string>, report: (id: string, ok: boolean, value: unknown) => void): Promise<void> {
    for (const id of [...pending]) {
      // By state: a job refused for good (UnrecoverableError) fails with attempts left, and a job
      // that completed on a retry keeps its earlier failedReason. The state first, then the job:
      // a final state is final, so the job read after it holds the outcome.
      const state = await this.#queue.getJobState(id);
      if (state !== 'failed' && state !== 'completed') continue;
      const job = await Job.fromId(this.#queue, id);
      if (!job) continue;
      if (state === 'failed') report(id, false, job.failedReason);
      else report(id, true, job.returnvalue);
    }
  }

  async close(): Promise<void> {
    await this.#events.close();
    await this.#queue.close();
    for (const c of this.#clients) c.disconnect();
  }
}

export interface ConsumerOptions extends QueueOptions {
  /** Jobs in flight at once in this process (default 1: trials are CPU-bound). */
  readonly concurrency?: number;
  /** How long a job's lock lasts without renewal; a dead worker's job is retried after about this long (default 30 s). */
  readonly lockMs?: number;
}

export class JobConsumer {
  readonly #worker: Worker;
  readonly #client: Redis;

  constructor(url: string, handler: (data: unknown, id: string) => Promise<unknown>, options: ConsumerOptions = {}) {
    const {prefix, name} = names(options);
    const lockDuration = options.lockMs ?? 30_000;
    this.#client = client(url);
    this.#worker = new Worker(
      name,
      async (job) => {
        try {
          return await handler(job.data, job.id!);
        } catch (error) {
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      {
        connection: this.#client, prefix, concurrency: options.concurrency ?? 1,
        lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 5,
      },
    );
  }

  on(event: 'failed' | 'error', listener: (...args: unknown[]) => void): void {
    this.#worker.on(event, listener as never);
  }

  async ready(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.#worker.close();
    this.#client.disconnect();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
