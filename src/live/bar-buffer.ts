/**
 * Growing columns for a running bot: candles, mark candles and funding settlements appended as
 * they close. They satisfy the same column interfaces the replay uses, so the engine and the
 * simulated venue run on them unchanged; readers go through the object (the arrays are replaced
 * when capacity doubles).
 */
import {type Bar, type BarColumns, type BarSeries, ErrorCode, type ExchangeId, type FundingSeries, IftbError, type SeriesKey, type SymbolId} from '../core/index.js';

function grown(a: Float64Array, size: number, fill: number): Float64Array {
  const next = new Float64Array(size).fill(fill);
  next.set(a);
  return next;
}

export class BarBuffer implements BarColumns {
  length = 0;
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;

  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.openTime = new Float64Array(n);
    this.open = new Float64Array(n);
    this.high = new Float64Array(n);
    this.low = new Float64Array(n);
    this.close = new Float64Array(n);
    this.volume = new Float64Array(n);
  }

  /** A buffer holding `columns`, with room for `extra` more bars. */
  static of(columns: BarColumns, extra = 1024): BarBuffer {
    const b = new BarBuffer(columns.length + extra);
    for (let i = 0; i < columns.length; i++) {
      b.push(columns.openTime[i], columns.open[i], columns.high[i], columns.low[i], columns.close[i], columns.volume[i]);
    }
    return b;
  }

  get lastOpenTime(): number {
    return this.length === 0 ? Number.NEGATIVE_INFINITY : this.openTime[this.length - 1];
  }

  /** Appends one closed candle; open times must increase. */
  append(bar: Bar): void {
    this.push(bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  push(openTime: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (!(openTime > this.lastOpenTime)) {
      throw new IftbError(ErrorCode.DATA_INVALID, `candle opening at ${new Date(openTime).toISOString()} is not after the last one (${new Date(this.lastOpenTime).toISOString()})`);
    }
    if (this.length === this.openTime.length) this.#grow();
    const i = this.length;
    this.openTime[i] = openTime;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    this.length = i + 1;
  }

  bar(i: number): Bar {
    return {openTime: this.openTime[i], open: this.open[i], high: this.high[i], low: this.low[i], close: this.close[i], volume: this.volume[i]};
  }

  #grow(): void {
    const size = this.openTime.length * 2;
    this.openTime = grown(this.openTime, size, 0);
    this.open = grown(this.open, size, 0);
    this.high = grown(this.high, size, 0);
    this.low = grown(this.low, size, 0);
    this.close = grown(this.close, size, 0);
    this.volume = grown(this.volume, size, 0);
  }
}

/** Funding settlements of one symbol as they are published. */
export class FundingBuffer implements FundingSeries {
  length = 0;
  time: Float64Array;
  rate: Float64Array;
  markPrice: Float64Array;

  constructor(
    readonly exchange: ExchangeId,
    readonly symbol: SymbolId,
    capacity = 256,
  ) {
    const n = Math.max(16, capacity);
    this.time = new Float64Array(n);
    this.rate = new Float64Array(n);
    this.markPrice = new Float64Array(n).fill(Number.NaN);
  }

  static of(series: FundingSeries, extra = 256): FundingBuffer {
    const b = new FundingBuffer(series.exchange, series.symbol, series.length + extra);
    for (let k = 0; k < series.length; k++) b.append(series.time[k], series.rate[k], series.markPrice[k]);
    return b;
  }

  get lastTime(): number {
    return this.length === 0 ? Number.NEGATIVE_INFINITY : this.time[this.length - 1];
  }

  /** Appends a settlement; an already known time is skipped (true when it was new). */
  append(timeMs: number, rate: number, markPrice = Number.NaN): boolean {
    if (!(timeMs > this.lastTime)) return false;
    if (this.length === this.time.length) {
      const size = this.time.length * 2;
      this.time = grown(this.time, size, 0);
      this.rate = grown(this.rate, size, 0);
      this.markPrice = grown(this.markPrice, size, Number.NaN);
    }
    const k = this.length;
    this.time[k] = timeMs;
    this.rate[k] = rate;
    this.markPrice[k] = markPrice;
    this.length = k + 1;
    return true;
  }
}

/** A growing candle series of one market (what a live lane trades on). */
export class SeriesBuffer extends BarBuffer implements BarSeries {
  constructor(
    readonly key: SeriesKey,
    capacity = 1024,
  ) {
    super(capacity);
  }

  static from(key: SeriesKey, columns: BarColumns, extra = 1024): SeriesBuffer {
    const b = new SeriesBuffer(key, columns.length + extra);
    for (let i = 0; i < columns.length; i++) b.push(columns.openTime[i], columns.open[i], columns.high[i], columns.low[i], columns.close[i], columns.volume[i]);
    return b;
  }
}
