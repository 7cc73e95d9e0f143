import {mkdirSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {ErrorCode, IftbError} from '../../core/index.js';
import {type DuckDb, firstLine, sqlString} from './database.js';

export type ColumnType = 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'VARCHAR';
export type ColumnFileFormat = 'parquet' | 'csv';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** Numbers for numeric columns (NaN is written as NULL), strings for VARCHAR. */
  readonly values: ArrayLike<number> | readonly string[];
}

let tableSeq = 0;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Writes equal-length columns to a Parquet (zstd) or CSV (with header) file through DuckDB's
 * COPY, so exports need no extra dependency; returns the row count.
 */
export async function writeColumnFile(db: DuckDb, columns: readonly Column[], out: string, format: ColumnFileFormat): Promise<number> {
  const rows = columns.length > 0 ? columns[0].values.length : 0;
  for (const c of columns) {
    if (c.values.length !== rows) throw new IftbError(ErrorCode.INPUT_INVALID, `column ${c.name} has ${c.values.length} values, expected ${rows}`);
  }
  const target = resolve(out);
  mkdirSync(dirname(target), {recursive: true});
  const table = `_columns_${++tableSeq}`;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`);
  try {
    const appender = await db.connection.createAppender(table, 'main', 'temp');
    for (let i = 0; i < rows; i++) {
      for (const c of columns) {
        const v = c.values[i];
        if (c.type === 'VARCHAR') appender.appendVarchar(String(v));
        else if (typeof v !== 'number' || Number.isNaN(v)) appender.appendNull();
        else if (c.type === 'DOUBLE') appender.appendDouble(v);
        else if (c.type === 'BIGINT') appender.appendBigInt(BigInt(Math.trunc(v)));
        else appender.appendInteger(v);
      }
      appender.endRow();
    }
    appender.closeSync();
    const options = format === 'parquet' ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT csv, HEADER true';
    await db.run(`COPY ${table} TO ${sqlString(target)} (${options})`);
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${table}`);
  }
  return rows;
}

/** Reads every numeric column of a Parquet file as float64 (NULL → NaN), by column name. */
export async function readColumnFile(db: DuckDb, file: string): Promise<{rows: number; columns: Map<string, Float64Array>}> {
  let result;
  try {
    result = await db.run(`SELECT * FROM read_parquet(${sqlString(resolve(file))})`);
  } catch (error) {
    throw new IftbError(ErrorCode.DATA_MISSING, `cannot read ${file}: ${firstLine(error)}`, {cause: error});
  }
  const names = result.columnNames();
  const rows = result.rowCount;
  const columns = new Map<string, Float64Array>(names.map((n) => [n, new Float64Array(rows)]));
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const n = chunk.rowCount;
    names.forEach((name, k) => {
      const vector = chunk.getColumnVector(k);
      const target = columns.get(name)!;
      for (let i = 0; i < n; i++) {
        const value = vector.getItem(i);
        target[offset + i] = value === null ? NaN : Number(value);
      }
    });
    offset += n;
  }
  return {rows, columns};
}
