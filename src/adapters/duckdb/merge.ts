import {type AppendResult, type CandleKind, ErrorCode, IftbError, type SeriesKey} from '../../core/index.js';
import type {DuckDb} from './database.js';

export const CANDLE_TABLE: Record<CandleKind, string> = {candles: 'candles', mark: 'mark_candles'};

/** Where staged rows came from, for error messages ("file.csv row 12", "download page"). */
export type RowLabel = (rn: number) => string;

const iso = (ms: number | bigint) => new Date(Number(ms)).toISOString();

/**
 * Moves validated rows from `stage` (rn, open_time_ms, open, high, low, close, volume) into the
 * candle table. Exact repeats are skipped; a row that contradicts another row of the stage or a
 * stored candle throws IFTB_E_DATA_CONFLICT. Call inside a transaction so a throw writes nothing.
 */
export async function mergeStagedBars(
  db: DuckDb,
  stage: string,
  key: SeriesKey,
  kind: CandleKind,
  label: RowLabel,
  /** What the caller already knows of the stage; each fact skips a costly pass. */
  known: {unique?: boolean; sorted?: boolean} = {},
): Promise<AppendResult> {
  const table = CANDLE_TABLE[kind];
  const keyParams = [key.exchange, key.symbol, key.timeframe];
  const inner = known.unique ? [] : await db.rows(`
    SELECT open_time_ms, min(rn) AS first_rn, max(rn) AS last_rn FROM ${stage}
    GROUP BY open_time_ms HAVING count(DISTINCT (open, high, low, close, volume)) > 1
    ORDER BY first_rn LIMIT 1`);
  if (inner.length > 0) {
    const row = inner[0];
    throw new IftbError(
      ErrorCode.DATA_CONFLICT,
      `${label(Number(row.last_rn))}: duplicate candle ${iso(row.open_time_ms as bigint)} differs from ${label(Number(row.first_rn))}`,
    );
  }
  const [bounds] = (await db.rows(
    `SELECT (SELECT min(open_time_ms) FROM ${stage}) AS stage_first, (SELECT max(open_time_ms) FROM ${stage}) AS stage_last,
       min(open_time_ms) AS first, max(open_time_ms) AS last FROM ${table} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3`,
    keyParams,
  )) as Array<Record<string, bigint | null>>;
  // Appending past the stored range (a resumed download, a fresh import) needs no per-row comparison.
  const overlaps = bounds.first !== null && bounds.stage_last! >= bounds.first && bounds.stage_first! <= bounds.last!;
  const stored = !overlaps ? [] : await db.rows(
    `SELECT s.rn, s.open_time_ms FROM ${stage} s JOIN ${table} c
       ON c.exchange = $1 AND c.symbol = $2 AND c.timeframe = $3 AND c.open_time_ms = s.open_time_ms
     WHERE (c.open, c.high, c.low, c.close, c.volume) IS DISTINCT FROM (s.open, s.high, s.low, s.close, s.volume)
     ORDER BY s.rn LIMIT 1`,
    keyParams,
  );
  if (stored.length > 0) {
    const row = stored[0];
    throw new IftbError(
      ErrorCode.DATA_CONFLICT,
      `${label(Number(row.rn))}: candle ${iso(row.open_time_ms as bigint)} differs from the one stored for ${key.symbol} ${key.timeframe}`,
    );
  }
  const total = Number((await db.rows(`SELECT count(*) AS n FROM ${stage}`))[0].n);
  const result = await db.run(
    `INSERT INTO ${table}
     SELECT $1, $2, $3, s.open_time_ms, s.open, s.high, s.low, s.close, s.volume
     FROM ${known.unique ? stage : `(SELECT DISTINCT ON (open_time_ms) * FROM ${stage} ORDER BY open_time_ms, rn)`} s
     ${overlaps ? `ANTI JOIN (SELECT open_time_ms FROM ${table} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3) c USING (open_time_ms)` : ''}
     ${known.sorted && !overlaps ? '' : 'ORDER BY s.open_time_ms'}`,
    keyParams,
  );
  const inserted = Number(result.rowsChanged);
  return {inserted, skipped: total - inserted};
}

/** Same as mergeStagedBars for a stage (rn, funding_time_ms, funding_rate, mark_price). */
export async function mergeStagedFunding(
  db: DuckDb,
  stage: string,
  exchange: string,
  symbol: string,
  label: RowLabel,
): Promise<AppendResult> {
  const conflicts = await db.rows(
    `SELECT s.rn, s.funding_time_ms FROM ${stage} s JOIN funding_rates f
       ON f.exchange = $1 AND f.symbol = $2 AND f.funding_time_ms = s.funding_time_ms
     WHERE f.funding_rate IS DISTINCT FROM s.funding_rate
     UNION ALL
     SELECT max(rn), funding_time_ms FROM ${stage} GROUP BY funding_time_ms HAVING count(DISTINCT funding_rate) > 1
     ORDER BY 1 LIMIT 1`,
    [exchange, symbol],
  );
  if (conflicts.length > 0) {
    const row = conflicts[0];
    throw new IftbError(
      ErrorCode.DATA_CONFLICT,
      `${label(Number(row.rn))}: funding rate at ${iso(row.funding_time_ms as bigint)} contradicts another row or the store`,
    );
  }
  const total = Number((await db.rows(`SELECT count(*) AS n FROM ${stage}`))[0].n);
  const result = await db.run(
    `INSERT INTO funding_rates
     SELECT $1, $2, s.funding_time_ms, s.funding_rate, s.mark_price
     FROM (SELECT DISTINCT ON (funding_time_ms) * FROM ${stage} ORDER BY funding_time_ms, rn) s
     ANTI JOIN (SELECT funding_time_ms FROM funding_rates WHERE exchange = $1 AND symbol = $2) f USING (funding_time_ms)
     ORDER BY s.funding_time_ms`,
    [exchange, symbol],
  );
  const inserted = Number(result.rowsChanged);
  return {inserted, skipped: total - inserted};
}
