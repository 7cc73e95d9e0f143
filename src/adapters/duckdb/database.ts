import {AsyncLocalStorage} from 'node:async_hooks';
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {DuckDBConnection, DuckDBInstance, type DuckDBMaterializedResult, type DuckDBValue} from '@duckdb/node-api';
import {ErrorCode, IftbError} from '../../core/index.js';

/** One open DuckDB file: the instance, a connection, and the transaction helper. */
export class DuckDb {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly path: string;
  /** The open transaction's end; statements from outside it wait (one connection serves everyone). */
  #transactionDone: Promise<void> | null = null;
  readonly #inside = new AsyncLocalStorage<true>();

  private constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.path = path;
    this.#instance = instance;
    this.connection = connection;
  }

  static async open(path: string): Promise<DuckDb> {
    if (path !== ':memory:') mkdirSync(dirname(path), {recursive: true});
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {threads: '2'});
    } catch (error) {
      throw new IftbError(ErrorCode.STORE_FAILED, `cannot open DuckDB store ${path}: ${firstLine(error)}`, {cause: error});
    }
    return new DuckDb(path, instance, await instance.connect());
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<DuckDBMaterializedResult> {
    await this.#outsideTransactions();
    return this.connection.run(sql, values);
  }

  async rows(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    await this.#outsideTransactions();
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /**
   * Runs `work` in one transaction; any error rolls everything back. Nested calls join the outer
   * one; calls from outside it (another async task: a kill-switch append during a bar commit) wait
   * for it to end rather than slipping into it.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return work();
    await this.#outsideTransactions();
    let done!: () => void;
    this.#transactionDone = new Promise((resolve) => (done = resolve));
    try {
      return await this.#inside.run(true, async () => {
        await this.connection.run('BEGIN TRANSACTION');
        try {
          const result = await work();
          await this.connection.run('COMMIT');
          return result;
        } catch (error) {
          await this.connection.run('ROLLBACK');
          throw error;
        }
      });
    } finally {
      this.#transactionDone = null;
      done();
    }
  }

  async #outsideTransactions(): Promise<void> {
    if (this.#inside.getStore()) return;
    while (this.#transactionDone) await this.#transactionDone;
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
