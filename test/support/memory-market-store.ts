/**
 * In-memory MarketDataStore with the port's semantics: appends are atomic and idempotent, an
 * identical row is skipped, a contradicting row fails the whole append with DATA_CONFLICT.
 */
import {
  ErrorCode,
  IftbError,
  type AppendResult,
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
} from '../../src/core/index.js';

type Row = readonly number[];

class RowTable {
  private readonly rows = new Map<number, Row>();

  /** Rows are keyed by their first field (time). */
  append(rows: readonly Row[], what: string): AppendResult {
    let previous = -Infinity;
    const fresh: Row[] = [];
    for (const row of rows) {
      const time = row[0];
      if (!Number.isFinite(time) || time <= previous) {
        throw new IftbError(ErrorCode.DATA_INVALID, `${what}: rows must be in strictly increasing time order (at ${time})`);
      }
      previous = time;
      const existing = this.rows.get(time);
      if (existing === undefined) {
        fresh.push(row);
      } else if (!sameRow(existing, row)) {
        throw new IftbError(ErrorCode.DATA_CONFLICT, `${what}: row at ${time} differs from the stored one`);
      }
    }
    for (const row of fresh) this.rows.set(row[0], row);
    return {inserted: fresh.length, skipped: rows.length - fresh.length};
  }

  range(range: TimeRange): Row[] {
    return [...this.rows.values()].filter((row) => row[0] >= range.fromMs && row[0] < range.toMs).sort((a, b) => a[0] - b[0]);
  }

  last(): number | null {
    let max: number | null = null;
    for (const time of this.rows.keys()) if (max === null || time > max) max = time;
    return max;
  }

  get size(): number {
    return this.rows.size;
  }
}

function sameRow(a: Row, b: Row): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
}

export class MemoryMarketStore implements MarketDataStore {
  private readonly bars = new Map<string, RowTable>();
  private readonly fundingTables = new Map<string, RowTable>();
  /** Calls to appendBars / appendFunding, for tests that assert page-by-page writes. */
  barAppends = 0;
  fundingAppends = 0;

  async readBars(key: SeriesKey, range: TimeRange, kind: CandleKind = 'candles'): Promise<BarSeries> {
    const rows = this.barTable(key, kind).range(range);
    const col = (i: number) => Float64Array.from(rows, (row) => row[i]);
    return {key, length: rows.length, openTime: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5)};
  }

  async readFunding(exchange: ExchangeId, symbol: SymbolId, range: TimeRange): Promise<FundingSeries> {
    const rows = this.fundingTable(exchange, symbol).range(range);
    const col = (i: number) => Float64Array.from(rows, (row) => row[i]);
    return {exchange, symbol, length: rows.length, time: col(0), rate: col(1), markPrice: col(2)};
  }

  async lastBarTime(key: SeriesKey, kind: CandleKind = 'candles'): Promise<number | null> {
    return this.barTable(key, kind).last();
  }

  async lastFundingTime(exchange: ExchangeId, symbol: SymbolId): Promise<number | null> {
    return this.fundingTable(exchange, symbol).last();
  }

  async appendBars(key: SeriesKey, bars: BarColumns, kind: CandleKind = 'candles'): Promise<AppendResult> {
    this.barAppends++;
    const rows: Row[] = [];
    for (let i = 0; i < bars.length; i++) {
      rows.push([bars.openTime[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]]);
    }
    return this.barTable(key, kind).append(rows, `${key.symbol} ${key.timeframe} ${kind}`);
  }

  async appendFunding(exchange: ExchangeId, symbol: SymbolId, columns: FundingColumns): Promise<AppendResult> {
    this.fundingAppends++;
    const rows: Row[] = [];
    for (let i = 0; i < columns.length; i++) rows.push([columns.time[i], columns.rate[i], columns.markPrice[i]]);
    return this.fundingTable(exchange, symbol).append(rows, `${symbol} funding`);
  }

  private barTable(key: SeriesKey, kind: CandleKind): RowTable {
    return getOrCreate(this.bars, `${key.exchange}|${key.symbol}|${key.timeframe}|${kind}`);
  }

  private fundingTable(exchange: ExchangeId, symbol: SymbolId): RowTable {
    return getOrCreate(this.fundingTables, `${exchange}|${symbol}`);
  }
}

function getOrCreate(map: Map<string, RowTable>, key: string): RowTable {
  let table = map.get(key);
  if (table === undefined) {
    table = new RowTable();
    map.set(key, table);
  }
  return table;
}
