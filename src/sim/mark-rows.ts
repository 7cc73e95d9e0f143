import {ErrorCode, IftbError, type BarColumns} from '../core/index.js';

/**
 * Which bars have a usable mark candle: the mark columns are aligned with the trade bars (same
 * length and open times) and a row counts when its four prices are numbers (NaN rows: trade prices
 * are used). Checked once per row, lazily, so a live buffer that grows is checked as it grows.
 */
export class MarkRows {
  #flags: Uint8Array;
  #checked = 0;

  /**
   * The rows of `mark` against `bars`, checked once per pair of column objects: a sweep runs
   * hundreds of trials on the same views (and a venue only ever reads them).
   */
  static of(bars: BarColumns, mark: BarColumns): MarkRows {
    let byBars = known.get(mark);
    if (byBars === undefined) known.set(mark, (byBars = new WeakMap()));
    let rows = byBars.get(bars);
    if (rows === undefined) byBars.set(bars, (rows = new MarkRows(bars, mark)));
    else rows.#check();
    return rows;
  }

  constructor(
    private readonly bars: BarColumns,
    readonly mark: BarColumns,
  ) {
    this.#flags = new Uint8Array(Math.max(16, bars.length));
    this.#check();
  }

  /** True when bar i has a complete mark candle. */
  valid(i: number): boolean {
    if (i >= this.#checked) this.#check();
    return this.#flags[i] === 1;
  }

  #check(): void {
    const {bars, mark} = this;
    if (mark.length !== bars.length) invalid(`mark candles: ${mark.length} rows for ${bars.length} bars`);
    if (bars.length > this.#flags.length) {
      const grown = new Uint8Array(Math.max(bars.length, this.#flags.length * 2));
      grown.set(this.#flags);
      this.#flags = grown;
    }
    for (let i = this.#checked; i < bars.length; i++) {
      if (mark.openTime[i] !== bars.openTime[i]) invalid(`mark candle ${i} opens at ${mark.openTime[i]}, bar at ${bars.openTime[i]}`);
      const o = mark.open[i];
      const h = mark.high[i];
      const l = mark.low[i];
      const c = mark.close[i];
      this.#flags[i] = o === o && h === h && l === l && c === c ? 1 : 0;
    }
    this.#checked = bars.length;
  }
}

const known = new WeakMap<BarColumns, WeakMap<BarColumns, MarkRows>>();

function invalid(message: string): never {
  throw new IftbError(ErrorCode.INPUT_INVALID, message);
}
