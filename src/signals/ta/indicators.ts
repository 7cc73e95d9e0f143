/**
 * Streaming indicators over candle columns, built on trading-signals' number-based classes.
 *
 * Each instance is a little state machine: it must be fed every bar in order, starting at the first
 * index it is given (usually 0). Asking again for the bar it has just read returns the same value;
 * any other index (a gap, a rewind) throws `IFTB_E_INPUT_INVALID`, because a skipped or replayed
 * bar would silently corrupt the smoothing state. Readings are NaN while warming up, and a reading
 * at index i uses bars ≤ i only.
 *
 * Cost per update of the trading-signals 8.3 classes used here (p = period):
 *   EMA, RMA ............................ O(1), no arrays
 *   SMA (ours, see SmaIndicator) ........ O(1), an error-free running sum, no allocation
 *   WSMA (Wilder) ....................... O(p): keeps the last p inputs, re-sums them (push + shift)
 *   RSI ................................. O(p): a p-price array + two WSMAs
 *   ATR ................................. O(p): TR + one WSMA
 *   ADX ................................. O(p): DX (ATR + two WSMAs) + one WSMA — four p-arrays
 *   MACD ................................ O(slow): three EMAs + a slow-length price array used only as
 *                                         a counter; allocates one small result object per update
 *   BollingerBands / PercentB ........... O(p): re-averages p prices, allocates two p-arrays for the
 *                                         standard deviation and one result object per update
 * The O(p) classes recompute from the window rather than keep running sums, so they never drift;
 * at the default periods (9…50) they still run well above a million updates per second.
 *
 * Differences from technicalindicators (the cross-check in tests), all confined to the first few
 * hundred bars and decaying geometrically:
 *   - trading-signals' EMA (used by `ema` and MACD) starts from the first price; technicalindicators
 *     starts from the SMA of the first `period` prices. The gap shrinks by (1 − 2/(p+1)) per bar.
 *   - ATR and ADX: trading-signals counts the first bar's high − low as a true range (and a zero
 *     directional move), technicalindicators starts at the second bar. Both use Wilder smoothing
 *     (SMA seed, then 1/p), so the gap shrinks by (1 − 1/p) per bar; ATR's first value also comes
 *     one bar earlier here.
 *   - technicalindicators rounds RSI to 2 decimals; trading-signals does not.
 */
import {ADX, ATR, EMA, MACD, PercentB, RSI} from 'trading-signals';
import {type BarView, ErrorCode, IftbError, type Indicator, type PriceField} from '../../core/index.js';

export type {PriceField};

const PRICE_FIELDS: readonly PriceField[] = ['open', 'high', 'low', 'close', 'volume'];

/** Sequencing shared by every indicator here: in-order feeding, same-bar re-reads, NaN warm-up. */
abstract class SequencedIndicator implements Indicator {
  abstract readonly id: string;
  abstract readonly warmupBars: number;
  #next = -1;
  /** The reading of the last bar read; `advance` sets it. */
  protected reading = Number.NaN;

  update(bars: BarView): number {
    if (this.#admit(bars.index)) this.advance(bars, bars.index);
    return this.reading;
  }

  updateInto(bars: BarView, out: Float64Array, slot: number): void {
    if (this.#admit(bars.index)) this.advance(bars, bars.index);
    out[slot] = this.reading;
  }

  /** True for the next bar in order, false for a re-read of the last one; throws on anything else. */
  #admit(index: number): boolean {
    if (index !== this.#next || this.#next < 0) {
      if (this.#next > 0 && index === this.#next - 1) return false;
      if (this.#next !== -1 || index < 0) throw outOfOrder(this.id, index, this.#next);
    }
    this.#next = index + 1;
    return true;
  }

  /**
   * Reads bar `index` into `reading`. Written to a field, not returned: a double returned from a
   * call V8 does not inline is boxed (a heap allocation per bar).
   */
  protected abstract advance(bars: BarView, index: number): void;

  /** Index of the next bar this instance expects (−1 before the first update). */
  get nextIndex(): number {
    return this.#next;
  }
}

/** An indicator whose reading is computed by a function returning it (those wrapping trading-signals, which allocates per update anyway). */
abstract class ComputedIndicator extends SequencedIndicator {
  protected advance(bars: BarView, index: number): void {
    this.reading = this.compute(bars, index);
  }

  protected abstract compute(bars: BarView, index: number): number;
}

export function outOfOrder(id: string, index: number, expected: number): IftbError {
  return new IftbError(
    ErrorCode.INPUT_INVALID,
    `${id}: bar ${index} fed out of order (expected ${expected}); each instance must see every bar once, in order`,
  );
}

/**
 * trading-signals' TR/DX keep a reference to the previous candle object and read it on the next
 * update. Three rotating objects give each update a fresh object without allocating per bar; a
 * candle is overwritten only two updates after it was passed in, when the library no longer reads it.
 */
export class CandleRing {
  readonly #slots = [
    {high: 0, low: 0, close: 0},
    {high: 0, low: 0, close: 0},
    {high: 0, low: 0, close: 0},
  ];
  #k = 0;

  at(bars: BarView, index: number): {high: number; low: number; close: number} {
    const c = this.#slots[this.#k];
    this.#k = this.#k === 2 ? 0 : this.#k + 1;
    c.high = bars.high(index);
    c.low = bars.low(index);
    c.close = bars.close(index);
    return c;
  }
}

export function requirePeriod(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

function requireField(field: PriceField): PriceField {
  if (!PRICE_FIELDS.includes(field)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `unknown price field '${String(field)}' (expected ${PRICE_FIELDS.join(', ')})`);
  }
  return field;
}

function fieldSuffix(field: PriceField): string {
  return field === 'close' ? '' : `,${field}`;
}

/**
 * Simple moving average in O(1) per bar: a running sum of the window kept error-free as a
 * double-double (hi + lo, each step an exact TwoSum), so the sum has no float noise to drift or to
 * decide near-ties between two averages: the reading is the window's exact sum, rounded once,
 * divided by the period. (trading-signals' SMA re-sums a pushed-and-shifted JS array per update;
 * an O(p) re-sum made long SMAs the bulk of an optimiser trial.) The sum is exact while a window's
 * values lie within about 2^50 of each other in magnitude, which any candle column does; as
 * insurance it is rebuilt from the window every 16 × `period` bars (O(1) amortised). A NaN or infinite
 * price in the window makes the reading what a plain sum gives (NaN or ±Infinity) until it leaves.
 */
class SmaIndicator extends SequencedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #ring: Float64Array;
  readonly #period: number;
  readonly #field: PriceField;
  /** Slot of the oldest price (the next one overwritten). */
  #at = 0;
  #count = 0;
  #hi = 0;
  #lo = 0;
  /** Non-finite prices in the window (kept out of hi/lo). */
  #odd = 0;
  #turns = 0;

  constructor(period: number, field: PriceField) {
    super();
    this.id = `ta.sma(${period}${fieldSuffix(field)})`;
    this.warmupBars = period;
    this.#ring = new Float64Array(period);
    this.#period = period;
    this.#field = field;
  }

  protected advance(bars: BarView, index: number): void {
    const ring = this.#ring;
    const p = this.#period;
    const price = bars.field(this.#field, index);
    const at = this.#at;
    const full = this.#count >= p;
    if (!full) {
      this.#count++;
      if (price - price === 0) this.#add(price, 0);
      else this.#odd++;
    } else {
      const old = ring[at];
      if (old - old === 0 && price - price === 0) {
        // The window moves by price − old, taken exactly (TwoSum, off the sum's dependency chain),
        // so the running sum takes one exact step per bar, not two.
        const d = price - old;
        const b = d - price;
        this.#add(d, price - (d - b) + (-old - b));
      } else {
        if (old - old === 0) this.#add(-old, 0);
        else this.#odd--;
        if (price - price === 0) this.#add(price, 0);
        else this.#odd++;
      }
    }
    ring[at] = price;
    const next = at + 1 === p ? 0 : at + 1;
    this.#at = next;
    // Every 16 turns of the ring: the sum again from the window (the same exact steps, oldest first).
    if (next === 0 && full && ++this.#turns % 16 === 0) this.#resum();
    this.reading = this.#count < p ? Number.NaN : this.#odd > 0 ? this.#plainSum() / p : this.#hi / p;
  }

  /** hi + lo += x + xLo exactly (TwoSum), then renormalised so hi is the sum rounded to a double. */
  #add(x: number, xLo: number): void {
    const hi = this.#hi;
    const s = hi + x;
    let b = s - hi;
    const lo = this.#lo + xLo + (hi - (s - b) + (x - b));
    const t = s + lo;
    b = t - s;
    this.#lo = s - (t - b) + (lo - b);
    this.#hi = t;
  }

  #resum(): void {
    this.#hi = 0;
    this.#lo = 0;
    const ring = this.#ring;
    for (let k = 0; k < ring.length; k++) {
      const x = ring[k];
      if (x - x === 0) this.#add(x, 0);
    }
  }

  #plainSum(): number {
    let sum = 0;
    for (let k = 0; k < this.#ring.length; k++) sum += this.#ring[k];
    return sum;
  }
}

export class EmaIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #ema: EMA;
  readonly #field: PriceField;
  #count = 0;

  constructor(period: number, field: PriceField = 'close') {
    super();
    this.id = `ta.ema(${period}${fieldSuffix(field)})`;
    this.warmupBars = period;
    this.#ema = new EMA(period);
    this.#field = field;
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#ema.update(bars.field(this.#field, index), false);
    return ++this.#count >= this.warmupBars && r !== null ? r : Number.NaN;
  }
}

export class RsiIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #rsi: RSI;
  readonly #field: PriceField;

  constructor(period: number, field: PriceField = 'close') {
    super();
    this.id = `ta.rsi(${period}${fieldSuffix(field)})`;
    this.warmupBars = period + 1;
    this.#rsi = new RSI(period);
    this.#field = field;
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#rsi.update(bars.field(this.#field, index), false);
    return r === null ? Number.NaN : r;
  }
}

export class AtrIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #atr: ATR;
  readonly #ring = new CandleRing();

  constructor(period: number) {
    super();
    this.id = `ta.atr(${period})`;
    this.warmupBars = period;
    this.#atr = new ATR(period);
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#atr.update(this.#ring.at(bars, index), false);
    return r === null ? Number.NaN : r;
  }
}

export class AdxIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #adx: ADX;
  readonly #ring = new CandleRing();

  constructor(period: number) {
    super();
    this.id = `ta.adx(${period})`;
    this.warmupBars = 2 * period - 1;
    this.#adx = new ADX(period);
  }

  /** +DI and −DI as fractions (0…1) from the last update; NaN before the DI are defined. */
  get plusDi(): number {
    const v = this.#adx.pdi;
    return typeof v === 'number' ? v : Number.NaN;
  }

  get minusDi(): number {
    const v = this.#adx.mdi;
    return typeof v === 'number' ? v : Number.NaN;
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#adx.update(this.#ring.at(bars, index), false);
    return r === null ? Number.NaN : r;
  }
}

export class MacdHistogramIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #macd: MACD;
  readonly #field: PriceField;
  readonly #signalPeriod: number;
  #signalCount = 0;

  constructor(fast: number, slow: number, signal: number, field: PriceField = 'close') {
    super();
    this.id = `ta.macdHistogram(${fast},${slow},${signal}${fieldSuffix(field)})`;
    this.warmupBars = slow + signal - 1;
    this.#macd = new MACD(new EMA(fast), new EMA(slow), new EMA(signal));
    this.#field = field;
    this.#signalPeriod = signal;
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#macd.update(bars.field(this.#field, index), false);
    if (r === null) return Number.NaN;
    // The signal EMA starts at the first MACD value; report once it has seen `signal` of them.
    return ++this.#signalCount >= this.#signalPeriod ? r.histogram : Number.NaN;
  }
}

export class BollingerPercentBIndicator extends ComputedIndicator {
  readonly id: string;
  readonly warmupBars: number;
  readonly #pb: PercentB;
  readonly #field: PriceField;

  constructor(period: number, k: number, field: PriceField = 'close') {
    super();
    this.id = `ta.bollingerPercentB(${period},${k}${fieldSuffix(field)})`;
    this.warmupBars = period;
    this.#pb = new PercentB({interval: period, deviationMultiplier: k});
    this.#field = field;
  }

  protected compute(bars: BarView, index: number): number {
    const r = this.#pb.update(bars.field(this.#field, index), false);
    return r === null ? Number.NaN : r;
  }
}

/** Simple moving average of `field` over `period` bars. */
export function sma(period: number, field: PriceField = 'close'): Indicator {
  return new SmaIndicator(requirePeriod('sma period', period), requireField(field));
}

/** Exponential moving average (α = 2/(period+1)); NaN for the first period − 1 bars. */
export function ema(period: number, field: PriceField = 'close'): Indicator {
  return new EmaIndicator(requirePeriod('ema period', period), requireField(field));
}

/** Wilder's RSI, 0…100; first value at the (period+1)-th bar. */
export function rsi(period: number, field: PriceField = 'close'): Indicator {
  return new RsiIndicator(requirePeriod('rsi period', period), requireField(field));
}

/** Wilder's average true range, in price units. */
export function atr(period: number): Indicator {
  return new AtrIndicator(requirePeriod('atr period', period));
}

/** Wilder's average directional index, 0…100 (trend strength, not direction). */
export function adx(period: number): Indicator {
  return new AdxIndicator(requirePeriod('adx period', period, 2));
}

/** MACD histogram: (EMA(fast) − EMA(slow)) − EMA(signal) of that difference, in price units. */
export function macdHistogram(fast: number, slow: number, signal: number, field: PriceField = 'close'): Indicator {
  requirePeriod('macd fast period', fast);
  requirePeriod('macd slow period', slow, 2);
  requirePeriod('macd signal period', signal);
  if (fast >= slow) throw new IftbError(ErrorCode.INPUT_INVALID, `macd fast period (${fast}) must be below the slow period (${slow})`);
  return new MacdHistogramIndicator(fast, slow, signal, requireField(field));
}

/**
 * Bollinger %B: (price − lower) / (upper − lower) with bands at SMA ± k·σ (population σ over
 * `period` bars). 0 at the lower band, 1 at the upper; 0.5 when the bands collapse (σ = 0).
 */
export function bollingerPercentB(period: number, k: number, field: PriceField = 'close'): Indicator {
  requirePeriod('bollinger period', period, 2);
  if (!(Number.isFinite(k) && k > 0)) throw new IftbError(ErrorCode.INPUT_INVALID, `bollinger k must be > 0, got ${k}`);
  return new BollingerPercentBIndicator(period, k, requireField(field));
}
