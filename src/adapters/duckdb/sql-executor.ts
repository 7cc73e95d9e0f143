import type {DuckDBValue} from '@duckdb/node-api';
import {ErrorCode, IftbError, isIftbError} from '../../core/index.js';
import type {SqlExecutor, SqlRunner, SqlValue} from '../sql/executor.js';
import {type DuckDb, firstLine} from './database.js';

/** The shared SQL stores over one DuckDB file; integers bind as BIGINT so large ids stay exact. */
export function duckDbExecutor(db: DuckDb): SqlExecutor {
  const runner: SqlRunner = {
    rows: (sql, params) => guard(() => db.rows(sql, bind(params))),
    run: (sql, params) => guard(async () => Number((await db.run(sql, bind(params))).rowsChanged)),
  };
  return {...runner, transaction: (work) => guard(() => db.transaction(() => work(runner)))};
}

function bind(params: readonly SqlValue[] | undefined): DuckDBValue[] | undefined {
  return params?.map((value) => {
    if (Array.isArray(value)) throw new IftbError(ErrorCode.STORE_FAILED, 'array parameters are PostgreSQL-only');
    return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : (value as DuckDBValue);
  });
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isIftbError(error)) throw error;
    throw new IftbError(ErrorCode.STORE_FAILED, `DuckDB store: ${firstLine(error)}`, {cause: error});
  }
}
