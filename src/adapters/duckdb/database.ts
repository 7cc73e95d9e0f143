import {AsyncLocalStorage} from 'node:async_hooks';
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {DuckDBConnection, DuckDBInstance, type DuckDBMaterializedResult, type DuckDBValue} from '@duckdb/node-api';
import {ErrorCode, IftbError} from '../../core/index.js';

/**
 * How to open a DuckDB file. DuckDB locks the file per process: one process may hold it
 * read-write, or any number read-only, never both. A long-lived writer (a live bot) therefore
 * shuts every reader out while it holds the file open; hold it read-write only around writes
 * (open, write, close) and readers get in between, waiting up to `waitMs` for their turn.
 */
export interface DuckDbOpenOptions {
  /** Open read-only: several processes may read at once; no writes (temp tables still work). */
  readonly readOnly?: boolean;
  /** While another process holds the lock, retry for up to this long before failing (default 0: at once). */
  readonly waitMs?: number;
  /** Called once when the file is busy and waiting begins, with the holder's PID (null if DuckDB did not say). */
  readonly onWait?: (holder: StoreHolder, waitMs: number) => void;
}

/** The process DuckDB names as holding a store's lock. */
export interface StoreHolder {
  readonly pid: number | null;
  readonly program: string | null;
}

const RETRY_MS = 200;

/** The PID and program DuckDB names in a lock conflict, or null when the error is not one. */
export function lockHolder(error: unknown): StoreHolder | null {
  const message = error instanceof Error ? error.message : String(error);
  if (!/Could not set lock on file/.test(message)) return null;
  const held = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(message);
  return {pid: held ? Number(held[2]) : null, program: held ? held[1] : null};
}

/** One line for a store another process holds. */
export function busyMessage(path: string, holder: StoreHolder): string {
  const who = holder.program === null || /(^|\/)node[\d.]*$/.test(holder.program) ? 'another iftb process' : `another process (${holder.program})`;
  const pid = holder.pid === null ? '' : ` (PID ${holder.pid})`;
  return `${who}${pid} is using ${path}; wait for it (--wait SECONDS) or use another store (--db)`;
}

/** One open DuckDB file: the instance, a connection, and the transaction helper. */
export class DuckDb {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly path: string;
  readonly readOnly: boolean;
  /**
   * The end of the last statement or transaction queued on the connection. One DuckDB connection
   * runs one statement at a time: two in flight at once (a kill-switch poll during a bar commit)
   * fail with "unsuccessful or closed pending query result", so everyone queues here.
   */
  #tail: Promise<void> = Promise.resolve();
  readonly #inside = new AsyncLocalStorage<true>();

  private constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection, readOnly: boolean) {
    this.path = path;
    this.#instance = instance;
    this.connection = connection;
    this.readOnly = readOnly;
  }

  /** Opens (creating it and its folder when read-write) a DuckDB file; a busy file is IFTB_E_STORE_BUSY after `waitMs`. */
  static async open(path: string, options: DuckDbOpenOptions = {}): Promise<DuckDb> {
    const readOnly = options.readOnly === true && path !== ':memory:';
    if (path !== ':memory:' && !readOnly) mkdirSync(dirname(path), {recursive: true});
    const settings: Record<string, string> = readOnly ? {threads: '2', access_mode: 'READ_ONLY'} : {threads: '2'};
    const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
    let waiting = false;
    for (;;) {
      try {
        const instance = await DuckDBInstance.create(path, settings);
        return new DuckDb(path, instance, await instance.connect(), readOnly);
      } catch (error) {
        const holder = lockHolder(error);
        if (holder === null) {
          throw new IftbError(ErrorCode.STORE_FAILED, `cannot open DuckDB store ${path}: ${firstLine(error)}`, {cause: error});
        }
        if (Date.now() >= deadline) {
          throw new IftbError(ErrorCode.STORE_BUSY, busyMessage(path, holder), {retryable: true, cause: error});
        }
        if (!waiting) options.onWait?.(holder, deadline - Date.now());
        waiting = true;
        await sleep(Math.min(RETRY_MS, Math.max(1, deadline - Date.now())));
      }
    }
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<DuckDBMaterializedResult> {
    return this.#exclusive(() => this.connection.run(sql, values));
  }

  async rows(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return this.#exclusive(async () => {
      const reader = await this.connection.runAndReadAll(sql, values);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    });
  }

  /**
   * Runs `work` in one transaction; any error rolls everything back. Nested calls join the outer
   * one; calls from outside it (another async task: a kill-switch append during a bar commit) wait
   * for it to end rather than slipping into it.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return work();
    return this.#exclusive(() =>
      this.#inside.run(true, async () => {
        await this.connection.run('BEGIN TRANSACTION');
        try {
          const result = await work();
          await this.connection.run('COMMIT');
          return result;
        } catch (error) {
          await this.connection.run('ROLLBACK');
          throw error;
        }
      }),
    );
  }

  /** Statements inside the open transaction run at once; everything else waits its turn. */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return work();
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
  }
}

/** SQL string literal; DuckDB table functions such as read_csv take no bound parameters. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
