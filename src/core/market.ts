import {ErrorCode, IftbError} from './errors.js';
import {type Timeframe, timeframeMs} from './timeframe.js';

/** ccxt unified symbol: 'BTC/USDT:USDT' is the USDT-margined perpetual. */
export type SymbolId = string;
/** ccxt exchange id; 'binanceusdm' is Binance USDⓈ-M futures. */
export type ExchangeId = string;

export const DEFAULT_EXCHANGE: ExchangeId = 'binanceusdm';

const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}\/[A-Z0-9]{2,10}(:[A-Z0-9]{2,10})?$/;

export function parseSymbol(value: string): SymbolId {
  if (!SYMBOL_PATTERN.test(value)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `unknown symbol '${value}' (expected a ccxt unified symbol such as BTC/USDT:USDT)`);
  }
  return value;
}

/** Identifies one candle series in the store. */
export interface SeriesKey {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly timeframe: Timeframe;
}

/** Half-open time range [fromMs, toMs) in UTC milliseconds. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Candles as columns, oldest first. A candle covers [openTime, openTime + timeframe); it is
 * closed, and visible to a strategy, only at openTime + timeframe.
 */
export interface BarColumns {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface BarSeries extends BarColumns {
  readonly key: SeriesKey;
}

/** One closed candle as an object, for the live edge and for tests; the replay loop uses columns. */
export interface Bar {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Funding settlements, oldest first. `markPrice` is NaN where the store has none. */
export interface FundingSeries {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly length: number;
  readonly time: Float64Array;
  readonly rate: Float64Array;
  readonly markPrice: Float64Array;
}

/** Zero-filled columns for `length` candles, for code that fills them in place. */
export function allocateBarColumns(length: number): BarColumns {
  return {
    length,
    openTime: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

export function barAt(columns: BarColumns, index: number): Bar {
  return {
    openTime: columns.openTime[index],
    open: columns.open[index],
    high: columns.high[index],
    low: columns.low[index],
    close: columns.close[index],
    volume: columns.volume[index],
  };
}

export function barColumnsFromBars(bars: readonly Bar[]): BarColumns {
  const columns = allocateBarColumns(bars.length);
  bars.forEach((bar, i) => {
    columns.openTime[i] = bar.openTime;
    columns.open[i] = bar.open;
    columns.high[i] = bar.high;
    columns.low[i] = bar.low;
    columns.close[i] = bar.close;
    columns.volume[i] = bar.volume;
  });
  return columns;
}

/** Appended rows come from code (downloads, the live feed), not files; they get the same edge checks as imports. */
export function assertAppendableBars(key: SeriesKey, bars: BarColumns): void {
  const tf = timeframeMs(key.timeframe);
  for (let i = 0; i < bars.length; i++) {
    const t = bars.openTime[i];
    if (!Number.isInteger(t) || t % tf !== 0) {
      throw new IftbError(ErrorCode.DATA_INVALID, `appended row ${i + 1}: open time ${t} is not on a ${key.timeframe} boundary`);
    }
    for (const [name, column] of [['open', bars.open], ['high', bars.high], ['low', bars.low], ['close', bars.close], ['volume', bars.volume]] as const) {
      if (!Number.isFinite(column[i])) throw new IftbError(ErrorCode.DATA_INVALID, `appended row ${i + 1}: ${name} is ${column[i]}`);
    }
  }
}
