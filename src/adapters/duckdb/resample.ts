import {type AppendResult, ErrorCode, IftbError, type SeriesKey, type Timeframe, timeframeMs} from '../../core/index.js';
import type {DuckDb} from './database.js';
import {CANDLE_TABLE, mergeStagedBars} from './merge.js';

export interface ResampleReport extends AppendResult {
  readonly buckets: number;
  /** Buckets left out because some of their source candles are missing. */
  readonly incomplete: number;
}

const STAGE = '_stage_resample';

/**
 * Builds `to` candles from stored `from.timeframe` candles in SQL. Buckets are aligned to the
 * epoch (UTC), as Binance aligns them; a bucket with a missing source candle is not written.
 */
export async function resampleBars(db: DuckDb, from: SeriesKey, to: Timeframe): Promise<ResampleReport> {
  const src = timeframeMs(from.timeframe);
  const dst = timeframeMs(to);
  if (dst <= src || dst % src !== 0) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `cannot resample ${from.timeframe} into ${to}: the target must be a larger multiple`);
  }
  return db.transaction(async () => {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE ${STAGE} AS
       SELECT row_number() OVER (ORDER BY bucket) AS rn, bucket AS open_time_ms,
         arg_min(open, open_time_ms) AS open, max(high) AS high, min(low) AS low,
         arg_max(close, open_time_ms) AS close, sum(volume) AS volume, count(*) AS n
       FROM (SELECT *, open_time_ms - open_time_ms % ${dst} AS bucket FROM ${CANDLE_TABLE.candles}
             WHERE exchange = $1 AND symbol = $2 AND timeframe = $3)
       GROUP BY bucket`,
      [from.exchange, from.symbol, from.timeframe],
    );
    const [counts] = await db.rows(`SELECT count(*) AS buckets, count(*) FILTER (WHERE n < ${dst / src}) AS incomplete FROM ${STAGE}`);
    if (Number(counts.buckets) === 0) {
      throw new IftbError(ErrorCode.DATA_MISSING, `no ${from.symbol} ${from.timeframe} candles stored to resample`);
    }
    await db.run(`DELETE FROM ${STAGE} WHERE n < ${dst / src}`);
    const result = await mergeStagedBars(db, STAGE, {...from, timeframe: to}, 'candles', (rn) => `resampled bucket ${rn}`, {unique: true, sorted: true});
    await db.run(`DROP TABLE ${STAGE}`);
    return {...result, buckets: Number(counts.buckets), incomplete: Number(counts.incomplete)};
  });
}
