import type {DuckDBMaterializedResult, DuckDBVector} from '@duckdb/node-api';
import {
  type AppendResult,
  assertAppendableBars,
  type BarColumns,
  type BarSeries,
  type CandleKind,
  type ExchangeId,
  type FundingColumns,
  type FundingSeries,
  type MarketDataStore,
  type SeriesKey,
  type SymbolId,
  type TimeRange,
} from '../../core/index.js';
import type {DuckDb} from './database.js';
import {CANDLE_TABLE, mergeStagedBars, mergeStagedFunding} from './merge.js';

const BAR_STAGE = '_stage_append_bars';
const FUNDING_STAGE = '_stage_append_funding';

/** Copies a DOUBLE result column into `target`; SQL NULL becomes NaN (missing, never zero). */
function copyColumn(vector: DuckDBVector, rows: number, target: Float64Array, offset: number): void {
  for (let i = 0; i < rows; i++) {
    const value = vector.getItem(i) as number | null;
    target[offset + i] = value === null ? NaN : value;
  }
}

/** Reads every DOUBLE column of a materialized result into typed arrays. */
function readColumns(result: DuckDBMaterializedResult, columnCount: number): Float64Array[] {
  const rows = result.rowCount;
  const columns = Array.from({length: columnCount}, () => new Float64Array(rows));
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const n = chunk.rowCount;
    for (let k = 0; k < columnCount; k++) copyColumn(chunk.getColumnVector(k), n, columns[k], offset);
    offset += n;
  }
  return columns;
}

/** The MarketDataStore port over a DuckDB file. */
export class DuckDbMarketDataStore implements MarketDataStore {
  constructor(readonly db: DuckDb) {}

  async readBars(key: SeriesKey, range: TimeRange, kind: CandleKind = 'candles'): Promise<BarSeries> {
    const result = await this.db.run(
      `SELECT open_time_ms::DOUBLE, open, high, low, close, volume FROM ${CANDLE_TABLE[kind]}
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND open_time_ms >= $4 AND open_time_ms < $5
       ORDER BY open_time_ms`,
      [key.exchange, key.symbol, key.timeframe, clampMs(range.fromMs), clampMs(range.toMs)],
    );
    const [openTime, open, high, low, close, volume] = readColumns(result, 6);
    return {key, length: openTime.length, openTime, open, high, low, close, volume};
  }

  async readFunding(exchange: ExchangeId, symbol: SymbolId, range: TimeRange): Promise<FundingSeries> {
    const result = await this.db.run(
      `SELECT funding_time_ms::DOUBLE, funding_rate, mark_price FROM funding_rates
       WHERE exchange = $1 AND symbol = $2 AND funding_time_ms >= $3 AND funding_time_ms < $4
       ORDER BY funding_time_ms`,
      [exchange, symbol, clampMs(range.fromMs), clampMs(range.toMs)],
    );
    const [time, rate, markPrice] = readColumns(result, 3);
    return {exchange, symbol, length: time.length, time, rate, markPrice};
  }

  async lastBarTime(key: SeriesKey, kind: CandleKind = 'candles'): Promise<number | null> {
    const rows = await this.db.rows(
      `SELECT max(open_time_ms) AS t FROM ${CANDLE_TABLE[kind]} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3`,
      [key.exchange, key.symbol, key.timeframe],
    );
    return rows[0].t === null ? null : Number(rows[0].t);
  }

  async lastFundingTime(exchange: ExchangeId, symbol: SymbolId): Promise<number | null> {
    const rows = await this.db.rows(
      'SELECT max(funding_time_ms) AS t FROM funding_rates WHERE exchange = $1 AND symbol = $2',
      [exchange, symbol],
    );
    return rows[0].t === null ? null : Number(rows[0].t);
  }

  async appendBars(key: SeriesKey, bars: BarColumns, kind: CandleKind = 'candles'): Promise<AppendResult> {
    assertAppendableBars(key, bars);
    return this.db.transaction(async () => {
      await this.db.run(`CREATE OR REPLACE TEMP TABLE ${BAR_STAGE} (rn BIGINT, open_time_ms BIGINT, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)`);
      const appender = await this.db.connection.createAppender(BAR_STAGE, 'main', 'temp');
      for (let i = 0; i < bars.length; i++) {
        appender.appendBigInt(BigInt(i + 1));
        appender.appendBigInt(BigInt(bars.openTime[i]));
        appender.appendDouble(bars.open[i]);
        appender.appendDouble(bars.high[i]);
        appender.appendDouble(bars.low[i]);
        appender.appendDouble(bars.close[i]);
        appender.appendDouble(bars.volume[i]);
        appender.endRow();
      }
      appender.closeSync();
      const result = await mergeStagedBars(this.db, BAR_STAGE, key, kind, (rn) => `appended row ${rn}`);
      await this.db.run(`DROP TABLE ${BAR_STAGE}`);
      return result;
    });
  }

  async appendFunding(exchange: ExchangeId, symbol: SymbolId, rows: FundingColumns): Promise<AppendResult> {
    return this.db.transaction(async () => {
      await this.db.run(`CREATE OR REPLACE TEMP TABLE ${FUNDING_STAGE} (rn BIGINT, funding_time_ms BIGINT, funding_rate DOUBLE, mark_price DOUBLE)`);
      const appender = await this.db.connection.createAppender(FUNDING_STAGE, 'main', 'temp');
      for (let i = 0; i < rows.length; i++) {
        appender.appendBigInt(BigInt(i + 1));
        appender.appendBigInt(BigInt(rows.time[i]));
        appender.appendDouble(rows.rate[i]);
        if (Number.isNaN(rows.markPrice[i])) appender.appendNull();
        else appender.appendDouble(rows.markPrice[i]);
        appender.endRow();
      }
      appender.closeSync();
      const result = await mergeStagedFunding(this.db, FUNDING_STAGE, exchange, symbol, (rn) => `appended row ${rn}`);
      await this.db.run(`DROP TABLE ${FUNDING_STAGE}`);
      return result;
    });
  }
}

/** Range ends may be ±Infinity ("everything"); BIGINT parameters need finite integers. */
function clampMs(ms: number): bigint {
  if (ms === Infinity) return 8_640_000_000_000_000n;
  if (ms === -Infinity) return -8_640_000_000_000_000n;
  return BigInt(Math.trunc(ms));
}
