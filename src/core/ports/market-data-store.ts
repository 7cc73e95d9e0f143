import type {BarColumns, BarSeries, ExchangeId, FundingSeries, SeriesKey, SymbolId, TimeRange} from '../market.js';

/** Which candle table: traded-price candles or mark-price candles. */
export type CandleKind = 'candles' | 'mark';

export interface FundingColumns {
  readonly length: number;
  readonly time: Float64Array;
  readonly rate: Float64Array;
  /** NaN where the source has no mark price. */
  readonly markPrice: Float64Array;
}

export interface AppendResult {
  /** Rows that were new; rows already stored with identical values are skipped. */
  readonly inserted: number;
  readonly skipped: number;
}

/**
 * Market data at rest. Appends are idempotent and atomic: a row that is already stored with the
 * same values is skipped, a row that contradicts a stored one fails the whole append
 * (IFTB_E_DATA_CONFLICT) and nothing is written.
 */
export interface MarketDataStore {
  readBars(key: SeriesKey, range: TimeRange, kind?: CandleKind): Promise<BarSeries>;
  readFunding(exchange: ExchangeId, symbol: SymbolId, range: TimeRange): Promise<FundingSeries>;
  /** open_time_ms of the newest stored candle, or null when the series is empty. */
  lastBarTime(key: SeriesKey, kind?: CandleKind): Promise<number | null>;
  lastFundingTime(exchange: ExchangeId, symbol: SymbolId): Promise<number | null>;
  appendBars(key: SeriesKey, bars: BarColumns, kind?: CandleKind): Promise<AppendResult>;
  appendFunding(exchange: ExchangeId, symbol: SymbolId, rows: FundingColumns): Promise<AppendResult>;
}

/** Progress of a long job (import, download, backtest); the CLI draws it as a bar. */
export interface ProgressSink {
  start(total: number, label: string): void;
  update(done: number): void;
  /** The first `count` items are durable (written and committed), not only done. */
  saved?(count: number): void;
  stop(): void;
}

export const SILENT_PROGRESS: ProgressSink = {start() {}, update() {}, stop() {}};
