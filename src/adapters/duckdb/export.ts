import {mkdirSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {type CandleKind, ErrorCode, IftbError, type SeriesKey, type TimeRange} from '../../core/index.js';
import {type DuckDb, sqlString} from './database.js';
import {CANDLE_TABLE} from './merge.js';

export type ExportFormat = 'parquet' | 'csv';

const BIG = 8_640_000_000_000_000n;
const bound = (ms: number) => (Number.isFinite(ms) ? BigInt(Math.trunc(ms)) : ms > 0 ? BIG : -BIG);

/** Writes stored candles (or funding, with kind 'funding') to a Parquet or CSV file; returns the row count. */
export async function exportSeries(
  db: DuckDb,
  key: SeriesKey,
  kind: CandleKind | 'funding',
  range: TimeRange,
  format: ExportFormat,
  out: string,
): Promise<number> {
  const target = resolve(out);
  mkdirSync(dirname(target), {recursive: true});
  const query =
    kind === 'funding'
      ? `SELECT funding_time_ms, funding_rate, mark_price FROM funding_rates
         WHERE exchange = $1 AND symbol = $2 AND funding_time_ms >= $3 AND funding_time_ms < $4 ORDER BY funding_time_ms`
      : `SELECT open_time_ms, open, high, low, close, volume FROM ${CANDLE_TABLE[kind]}
         WHERE exchange = $1 AND symbol = $2 AND timeframe = $5 AND open_time_ms >= $3 AND open_time_ms < $4 ORDER BY open_time_ms`;
  const params = [key.exchange, key.symbol, bound(range.fromMs), bound(range.toMs)];
  if (kind !== 'funding') params.push(key.timeframe);
  const [{n}] = await db.rows(`SELECT count(*) AS n FROM (${query})`, params);
  if (Number(n) === 0) throw new IftbError(ErrorCode.DATA_MISSING, `nothing stored for ${key.symbol} ${kind === 'funding' ? 'funding' : key.timeframe} in that range`);
  // COPY takes no bound parameters, so the rows go through a temp table first.
  await db.run(`CREATE OR REPLACE TEMP TABLE _export AS ${query}`, params);
  const options = format === 'parquet' ? "FORMAT parquet, COMPRESSION zstd" : 'FORMAT csv, HEADER true';
  await db.run(`COPY _export TO ${sqlString(target)} (${options})`);
  await db.run('DROP TABLE _export');
  return Number(n);
}
