import pg from 'pg';
import {ErrorCode, IftbError, isIftbError} from '../../core/index.js';
import type {SqlExecutor, SqlRunner, SqlValue} from '../sql/executor.js';

export interface PgDatabaseOptions {
  /** Pool size (default 4: the bot writes sequentially; the rest is for the API and watchers). */
  readonly max?: number;
  /** How long a call waits for a connection before failing retryable (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  readonly applicationName?: string;
}

/**
 * A pg pool for one database. Connections that die (server restart, network) are dropped and
 * replaced on the next call, so the store recovers by itself once the server is back; a call that
 * meets a dead or unreachable server rejects with IFTB_E_STORE_FAILED, retryable.
 */
export class PgDatabase implements SqlExecutor {
  readonly pool: pg.Pool;
  readonly url: string;

  constructor(url: string, options: PgDatabaseOptions = {}) {
    this.url = url;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: options.applicationName ?? 'iftb',
    });
    // An idle client whose server went away emits here; the pool already discards it.
    this.pool.on('error', () => undefined);
  }

  async rows(sql: string, params?: readonly SqlValue[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.pool.query(sql, params as unknown[] | undefined)).rows;
    } catch (error) {
      throw storeError(error, 'query');
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    try {
      return (await this.pool.query(sql, params as unknown[] | undefined)).rowCount ?? 0;
    } catch (error) {
      throw storeError(error, 'statement');
    }
  }

  /** One transaction on one pooled connection; resolves only once COMMIT is acknowledged. */
  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      const tx: SqlRunner = {
        rows: async (sql, params) => (await client.query(sql, params as unknown[] | undefined)).rows,
        run: async (sql, params) => (await client.query(sql, params as unknown[] | undefined)).rowCount ?? 0,
      };
      await client.query('BEGIN');
      try {
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Runs `work` on one connection; a connection that failed is destroyed, not returned to the pool. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(error, 'connect');
    }
    // A server restart kills checked-out clients too; without a listener that error would crash the process.
    const onError = () => undefined;
    client.on('error', onError);
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = isTransient(error);
      throw isIftbError(error) ? error : storeError(error, 'transaction');
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** A client outside the pool (LISTEN, advisory locks): the caller owns and ends it. */
  async dedicatedClient(applicationName = 'iftb-listen'): Promise<pg.Client> {
    const client = new pg.Client({connectionString: this.url, connectionTimeoutMillis: 3000, keepAlive: true, application_name: applicationName});
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      throw storeError(error, 'connect');
    }
    return client;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNABORTED', 'ENETUNREACH', 'EAI_AGAIN']);
const TRANSIENT_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connection error|Connection ended|database system is (starting up|shutting down|in recovery mode)|terminating connection|Client was closed|not queryable/i;

/** Whether an error means "the server is (temporarily) unreachable" rather than "this SQL is wrong". */
export function isTransient(error: unknown): boolean {
  if (isIftbError(error)) return error.retryable;
  const e = error as {code?: unknown; message?: unknown} | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE 08 connection exception, 57P01–03 admin/crash shutdown and cannot connect now, 53 resources, 40001/40P01 serialization and deadlock.
  if (TRANSIENT_ERRNO.has(code) || /^(08|57P0|53)/.test(code) || code === '40001' || code === '40P01') return true;
  return TRANSIENT_MESSAGE.test(typeof e?.message === 'string' ? e.message : '');
}

/** Maps a driver error to IftbError: STORE_FAILED, retryable when the server is unreachable. */
export function storeError(error: unknown, what: string): IftbError {
  if (isIftbError(error)) return error;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const retryable = isTransient(error);
  return new IftbError(ErrorCode.STORE_FAILED, `PostgreSQL ${what} failed${retryable ? ' (server unreachable, retry later)' : ''}: ${message}`, {
    retryable,
    cause: error,
  });
}
