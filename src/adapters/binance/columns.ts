import {allocateBarColumns, ErrorCode, IftbError, type BarColumns, type FundingColumns} from '../../core/index.js';

/** ccxt OHLCV row: [timestamp, open, high, low, close, volume]; fields may be undefined. */
export type OhlcvRow = readonly (number | undefined)[];

export interface FundingRow {
  readonly timestamp?: number;
  readonly fundingRate?: number;
  readonly info?: unknown;
}

export function ohlcvToBarColumns(rows: readonly OhlcvRow[], what: string): BarColumns {
  const n = rows.length;
  const cols = allocateBarColumns(n);
  const fields = [cols.openTime, cols.open, cols.high, cols.low, cols.close, cols.volume];
  rows.forEach((row, i) => {
    fields.forEach((column, j) => {
      const value = row[j];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new IftbError(ErrorCode.DATA_INVALID, `${what}: candle ${String(row[0])} has a non-numeric field ${j}`);
      }
      column[i] = value;
    });
  });
  return cols;
}

export function fundingToColumns(rows: readonly FundingRow[], what: string): FundingColumns {
  const n = rows.length;
  const cols = {length: n, time: new Float64Array(n), rate: new Float64Array(n), markPrice: new Float64Array(n)};
  rows.forEach((row, i) => {
    if (typeof row.timestamp !== 'number' || typeof row.fundingRate !== 'number' || !Number.isFinite(row.fundingRate)) {
      throw new IftbError(ErrorCode.DATA_INVALID, `${what}: funding row ${String(row.timestamp)} lacks a time or rate`);
    }
    cols.time[i] = row.timestamp;
    cols.rate[i] = row.fundingRate;
    cols.markPrice[i] = markPriceOf(row.info);
  });
  return cols;
}

/** ccxt leaves markPrice in the raw payload; Binance sends "" for old settlements. */
function markPriceOf(info: unknown): number {
  const raw = typeof info === 'object' && info !== null ? (info as {markPrice?: unknown}).markPrice : undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') return Number.NaN;
  if (typeof raw === 'string' && raw.trim() === '') return Number.NaN;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : Number.NaN;
}
