import type {BarColumns} from './market.js';

/** A price column a reading can be computed from. */
export type PriceField = 'open' | 'high' | 'low' | 'close' | 'volume';

/**
 * Closed candles up to the current bar, read-only: what strategies (ctx.bars), indicators and
 * analyzers (`update`) see. Bar k for 0 ≤ k ≤ index reads the candle; any other k reads NaN — the
 * future does not exist here, and nothing can be written back. One view per series, moved by the
 * engine once per bar (no allocation per bar).
 */
export interface BarView {
  /** Index of the newest closed bar shown. −1 before the first bar. */
  readonly index: number;
  /** Bars shown: index + 1. */
  readonly length: number;
  openTime(k: number): number;
  open(k: number): number;
  high(k: number): number;
  low(k: number): number;
  close(k: number): number;
  volume(k: number): number;
  /** A price column by name (open, high, low, close, volume). */
  field(name: PriceField, k: number): number;
}

/** The engine's handle on a view: moves its bound; never given to strategy code. */
export interface BarViewCursor {
  readonly view: BarView;
  /** Shows bars 0…index. */
  moveTo(index: number): void;
  /** Points the view at other columns (a live buffer that grew); the bound stays. */
  rebind(columns: BarColumns): void;
}

let setIndex: (view: BoundedBarView, index: number) => void;
let setColumns: (view: BoundedBarView, columns: BarColumns) => void;

/**
 * The columns live in private fields and the bound can only be moved through the cursor that
 * created the view (module-private setters), so strategy code holding the view can neither read
 * past the bound nor reach the arrays the venue fills from. Instances and the prototype are
 * frozen: an assignment such as `bars.open[i] = x` throws in strict code.
 */
class BoundedBarView implements BarView {
  #openTime: Float64Array;
  #open: Float64Array;
  #high: Float64Array;
  #low: Float64Array;
  #close: Float64Array;
  #volume: Float64Array;
  #index = -1;

  static {
    setIndex = (view, index) => {
      view.#index = index;
    };
    setColumns = (view, columns) => {
      view.#openTime = columns.openTime;
      view.#open = columns.open;
      view.#high = columns.high;
      view.#low = columns.low;
      view.#close = columns.close;
      view.#volume = columns.volume;
    };
  }

  constructor(columns: BarColumns) {
    this.#openTime = columns.openTime;
    this.#open = columns.open;
    this.#high = columns.high;
    this.#low = columns.low;
    this.#close = columns.close;
    this.#volume = columns.volume;
    Object.freeze(this);
  }

  // Number.NaN, not the global NaN: V8 turns the global into a tagged constant, and a conditional
  // mixing it with a column read boxes the read (a heap allocation per call on the per-bar path).

  get index(): number {
    return this.#index;
  }

  get length(): number {
    return this.#index + 1;
  }

  openTime(k: number): number {
    return k >= 0 && k <= this.#index ? this.#openTime[k] : Number.NaN;
  }

  open(k: number): number {
    return k >= 0 && k <= this.#index ? this.#open[k] : Number.NaN;
  }

  high(k: number): number {
    return k >= 0 && k <= this.#index ? this.#high[k] : Number.NaN;
  }

  low(k: number): number {
    return k >= 0 && k <= this.#index ? this.#low[k] : Number.NaN;
  }

  close(k: number): number {
    return k >= 0 && k <= this.#index ? this.#close[k] : Number.NaN;
  }

  volume(k: number): number {
    return k >= 0 && k <= this.#index ? this.#volume[k] : Number.NaN;
  }

  field(name: PriceField, k: number): number {
    if (!(k >= 0 && k <= this.#index)) return Number.NaN;
    switch (name) {
      case 'close':
        return this.#close[k];
      case 'open':
        return this.#open[k];
      case 'high':
        return this.#high[k];
      case 'low':
        return this.#low[k];
      case 'volume':
        return this.#volume[k];
      default:
        return Number.NaN;
    }
  }

  toJSON(): {index: number} {
    return {index: this.#index};
  }
}

for (const name of Object.getOwnPropertyNames(BoundedBarView.prototype)) {
  const descriptor = Object.getOwnPropertyDescriptor(BoundedBarView.prototype, name)!;
  for (const part of [descriptor.value, descriptor.get]) if (typeof part === 'function') Object.freeze(part);
}
Object.freeze(BoundedBarView.prototype);
Object.freeze(BoundedBarView);

/** A view over `columns` showing nothing yet, and the cursor that moves it. */
export function createBarView(columns: BarColumns): BarViewCursor {
  const view = new BoundedBarView(columns);
  return {
    view,
    moveTo: (index) => setIndex(view, index),
    rebind: (next) => setColumns(view, next),
  };
}

/** A view showing bars 0…index of `columns` (tests and one-off readings). */
export function barViewAt(columns: BarColumns, index: number): BarView {
  const cursor = createBarView(columns);
  cursor.moveTo(index);
  return cursor.view;
}

/**
 * A private copy of the first `length` bars (what analyzers' batch `prepare` gets: writing to it
 * reaches nothing else; a shorter copy is a series that ends earlier).
 */
export function copyBarColumns(columns: BarColumns, length = columns.length): BarColumns {
  return {
    length,
    openTime: columns.openTime.slice(0, length),
    open: columns.open.slice(0, length),
    high: columns.high.slice(0, length),
    low: columns.low.slice(0, length),
    close: columns.close.slice(0, length),
    volume: columns.volume.slice(0, length),
  };
}
