/**
 * The few SQL calls the shared stores need, so one implementation of a port serves DuckDB and
 * PostgreSQL alike (the SQL they use is the common subset: `$n` parameters, plain INSERT /
 * UPDATE / SELECT). Each adapter maps its driver's errors to IftbError.
 */
export type SqlScalar = string | number | boolean | null;
/** Arrays only for PostgreSQL (unnest bulk inserts). */
export type SqlValue = SqlScalar | readonly SqlScalar[];

export interface SqlRunner {
  rows(sql: string, params?: readonly SqlValue[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlExecutor extends SqlRunner {
  /** Runs `work` in one transaction; resolves only after COMMIT succeeded, rolls back on any error. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** BIGINT columns come back as bigint (DuckDB) or string (pg); NULL stays null. */
export function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
