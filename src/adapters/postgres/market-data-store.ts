import {
  type AppendResult,
  assertAppendableBars,
  type BarColumns,
  type BarSeries,
  type CandleKind,
  ErrorCode,
  type ExchangeId,
  type FundingColumns,
  type FundingSeries,
  IftbError,
  type MarketDataStore,
  type SeriesKey,
  type SymbolId,
  type TimeRange,
} from '../../core/index.js';
import type {PgDatabase} from './database.js';

const TABLE: Record<CandleKind, string> = {candles: 'candles', mark: 'mark_candles'};
const iso = (ms: unknown) => new Date(Number(ms)).toISOString();

/**
 * The MarketDataStore port over PostgreSQL: the candles, mark candles and funding a live bot
 * collects. Same rules as DuckDB: exact repeats are skipped, a contradicting row fails the whole
 * append (IFTB_E_DATA_CONFLICT) and nothing is written.
 */
export class PgMarketDataStore implements MarketDataStore {
  constructor(private readonly db: PgDatabase) {}

  async readBars(key: SeriesKey, range: TimeRange, kind: CandleKind = 'candles'): Promise<BarSeries> {
    const rows = await this.db.rows(
      `SELECT open_time_ms, open, high, low, close, volume FROM ${TABLE[kind]}
       WHERE exchange = $1 AND symbol = $2 AND timeframe = $3 AND open_time_ms >= $4 AND open_time_ms < $5 ORDER BY open_time_ms`,
      [key.exchange, key.symbol, key.timeframe, clampMs(range.fromMs), clampMs(range.toMs)],
    );
    const [openTime, open, high, low, close, volume] = columns(rows, ['open_time_ms', 'open', 'high', 'low', 'close', 'volume']);
    return {key, length: rows.length, openTime, open, high, low, close, volume};
  }

  async readFunding(exchange: ExchangeId, symbol: SymbolId, range: TimeRange): Promise<FundingSeries> {
    const rows = await this.db.rows(
      `SELECT funding_time_ms, funding_rate, mark_price FROM funding_rates
       WHERE exchange = $1 AND symbol = $2 AND funding_time_ms >= $3 AND funding_time_ms < $4 ORDER BY funding_time_ms`,
      [exchange, symbol, clampMs(range.fromMs), clampMs(range.toMs)],
    );
    const [time, rate, markPrice] = columns(rows, ['funding_time_ms', 'funding_rate', 'mark_price']);
    return {exchange, symbol, length: rows.length, time, rate, markPrice};
  }

  async lastBarTime(key: SeriesKey, kind: CandleKind = 'candles'): Promise<number | null> {
    const [row] = await this.db.rows(
      `SELECT max(open_time_ms) AS t FROM ${TABLE[kind]} WHERE exchange = $1 AND symbol = $2 AND timeframe = $3`,
      [key.exchange, key.symbol, key.timeframe],
    );
    return row.t === null ? null : Number(row.t);
  }

  async lastFundingTime(exchange: ExchangeId, symbol: SymbolId): Promise<number | null> {
    const [row] = await this.db.rows('SELECT max(funding_time_ms) AS t FROM funding_rates WHERE exchange = $1 AND symbol = $2', [exchange, symbol]);
    return row.t === null ? null : Number(row.t);
  }

  async appendBars(key: SeriesKey, bars: BarColumns, kind: CandleKind = 'candles'): Promise<AppendResult> {
    assertAppendableBars(key, bars);
    if (bars.length === 0) return {inserted: 0, skipped: 0};
    const table = TABLE[kind];
    const stageFrom = (n: number) => `unnest($${n}::bigint[], $${n + 1}::float8[], $${n + 2}::float8[], $${n + 3}::float8[], $${n + 4}::float8[],
      $${n + 5}::float8[]) WITH ORDINALITY AS s(open_time_ms, open, high, low, close, volume, rn)`;
    const stage = stageFrom(4);
    const params = [key.exchange, key.symbol, key.timeframe, Array.from(bars.openTime), Array.from(bars.open), Array.from(bars.high),
      Array.from(bars.low), Array.from(bars.close), Array.from(bars.volume)];
    return this.db.transaction(async (tx) => {
      const inner = await tx.rows(
        `SELECT open_time_ms, min(rn) AS first_rn, max(rn) AS last_rn FROM ${stageFrom(1)}
         GROUP BY open_time_ms HAVING count(DISTINCT (open, high, low, close, volume)) > 1 ORDER BY first_rn LIMIT 1`,
        params.slice(3),
      );
      if (inner.length > 0) {
        throw new IftbError(ErrorCode.DATA_CONFLICT,
          `appended row ${inner[0].last_rn}: duplicate candle ${iso(inner[0].open_time_ms)} differs from appended row ${inner[0].first_rn}`);
      }
      const stored = await tx.rows(
        `SELECT s.rn, s.open_time_ms FROM ${stage} JOIN ${table} c
           ON c.exchange = $1 AND c.symbol = $2 AND c.timeframe = $3 AND c.open_time_ms = s.open_time_ms
         WHERE (c.open, c.high, c.low, c.close, c.volume) IS DISTINCT FROM (s.open, s.high, s.low, s.close, s.volume) ORDER BY s.rn LIMIT 1`,
        params,
      );
      if (stored.length > 0) {
        throw new IftbError(ErrorCode.DATA_CONFLICT,
          `appended row ${stored[0].rn}: candle ${iso(stored[0].open_time_ms)} differs from the one stored for ${key.symbol} ${key.timeframe}`);
      }
      const inserted = await tx.run(
        `INSERT INTO ${table} (exchange, symbol, timeframe, open_time_ms, open, high, low, close, volume)
         SELECT DISTINCT ON (s.open_time_ms) $1, $2, $3, s.open_time_ms, s.open, s.high, s.low, s.close, s.volume FROM ${stage}
         ORDER BY s.open_time_ms, s.rn ON CONFLICT DO NOTHING`,
        params,
      );
      return {inserted, skipped: bars.length - inserted};
    });
  }

  async appendFunding(exchange: ExchangeId, symbol: SymbolId, rows: FundingColumns): Promise<AppendResult> {
    if (rows.length === 0) return {inserted: 0, skipped: 0};
    const stage = `unnest($3::bigint[], $4::float8[], $5::float8[]) WITH ORDINALITY AS s(funding_time_ms, funding_rate, mark_price, rn)`;
    const mark = Array.from(rows.markPrice, (v) => (Number.isNaN(v) ? null : v));
    const params = [exchange, symbol, Array.from(rows.time), Array.from(rows.rate), mark];
    return this.db.transaction(async (tx) => {
      const conflicts = await tx.rows(
        `SELECT s.rn, s.funding_time_ms FROM ${stage} JOIN funding_rates f
           ON f.exchange = $1 AND f.symbol = $2 AND f.funding_time_ms = s.funding_time_ms
         WHERE f.funding_rate IS DISTINCT FROM s.funding_rate
         UNION ALL
         SELECT max(rn), funding_time_ms FROM ${stage} GROUP BY funding_time_ms HAVING count(DISTINCT funding_rate) > 1
         ORDER BY 1 LIMIT 1`,
        params,
      );
      if (conflicts.length > 0) {
        throw new IftbError(ErrorCode.DATA_CONFLICT,
          `appended row ${conflicts[0].rn}: funding rate at ${iso(conflicts[0].funding_time_ms)} contradicts another row or the store`);
      }
      const inserted = await tx.run(
        `INSERT INTO funding_rates (exchange, symbol, funding_time_ms, funding_rate, mark_price)
         SELECT DISTINCT ON (s.funding_time_ms) $1, $2, s.funding_time_ms, s.funding_rate, s.mark_price FROM ${stage}
         ORDER BY s.funding_time_ms, s.rn ON CONFLICT DO NOTHING`,
        params,
      );
      return {inserted, skipped: rows.length - inserted};
    });
  }
}

function columns(rows: readonly Record<string, unknown>[], names: readonly string[]): Float64Array[] {
  return names.map((name) => Float64Array.from(rows, (r) => (r[name] === null ? NaN : Number(r[name]))));
}

/** Range ends may be ±Infinity ("everything"); bigint parameters need finite integers. */
function clampMs(ms: number): string {
  if (ms === Infinity) return '8640000000000000';
  if (ms === -Infinity) return '-8640000000000000';
  return String(Math.trunc(ms));
}
