/**
 * Candlestick patterns from technicalindicators, evaluated on the last closed bars only.
 *
 * technicalindicators' detectors take `{open[], high[], low[], close[]}` and, when the arrays are
 * exactly the pattern's length, read them in place. So the scanner keeps one preallocated window
 * per pattern length (1, 2 and 3 bars) and copies the last bars into it — no allocation beyond the
 * detector object the library's functions construct per call.
 *
 * Speed: each library call costs a constructor plus, for the hammer-type sticks, `toPrecision` /
 * `parseFloat` string round trips (≈ 0.3–1 µs). Calling all of them on every bar would eat most of
 * the composite's budget, so each detector runs only when a cheap necessary condition taken from
 * its own rule holds (e.g. an engulfing needs opposite-coloured bodies with the second body
 * longer; a star needs a gap between the first two bars). The gates never reject a bar the library
 * would accept; they only skip calls that cannot succeed.
 *
 * Hammer and shooting star: technicalindicators' `hammerpattern` / `shootingstar` decide the prior
 * trend by comparing two one-element *arrays* with `>`, i.e. as strings ("15.25" > "4.75" is
 * false), so they misfire. The scanner therefore uses the library's stick detectors
 * (hammer / inverted-hammer sticks) and applies the same rule numerically: over the three bars
 * before the stick, average loss > average gain (⇔ the close fell from bar −4 to bar −2), then a
 * confirming bar that closes beyond the stick's close in the reversal direction.
 */
import {createRequire} from 'node:module';
import type {BarView} from '../../core/index.js';

interface Window {
  open: number[];
  high: number[];
  low: number[];
  close: number[];
}

function window(length: number): Window {
  return {open: new Array<number>(length).fill(0), high: new Array<number>(length).fill(0), low: new Array<number>(length).fill(0), close: new Array<number>(length).fill(0)};
}

/** Bit flags of the patterns found by the last `scan`. */
export const Pattern = {
  BULLISH_ENGULFING: 1,
  BEARISH_ENGULFING: 2,
  MORNING_STAR: 4,
  EVENING_STAR: 8,
  HAMMER: 16,
  SHOOTING_STAR: 32,
} as const;

const BULLISH_MASK = Pattern.BULLISH_ENGULFING | Pattern.MORNING_STAR | Pattern.HAMMER;

/** The most bars any pattern here looks at (hammer / shooting star: 3 trend bars, stick, confirmation). */
export const PATTERN_LOOKBACK = 5;

type Detectors = typeof import('technicalindicators');
let library: Detectors | null = null;
/**
 * technicalindicators (CommonJS), required with the first scanner: a strategy without candlestick
 * patterns (an optimiser's worker running sma-cross, most CLI commands) never loads it.
 */
const detectors = (): Detectors => (library ??= createRequire(import.meta.url)('technicalindicators') as Detectors);

/** technicalindicators' approximateEqual accepts |a − b| ≤ 0.1 % of a after rounding to 4 digits. */
const NEAR = 0.0011;

export class CandlestickScanner {
  readonly #detectors = detectors();
  readonly #w1 = window(1);
  readonly #w2 = window(2);
  readonly #w3 = window(3);
  /** Library calls made (for the bench and tests). */
  calls = 0;
  /** Patterns found at the last scanned bar (bit set of `Pattern`). */
  flags = 0;

  /**
   * Patterns completed at bar `index` (bars ≤ index only). Returns bullish minus bearish count.
   * Needs `index ≥ PATTERN_LOOKBACK − 1`; earlier bars return 0.
   */
  scan(bars: BarView, index: number): number {
    const d = this.#detectors;
    this.flags = 0;
    if (index < PATTERN_LOOKBACK - 1) return 0;
    const o0 = bars.open(index);
    const c0 = bars.close(index);
    const o1 = bars.open(index - 1);
    const c1 = bars.close(index - 1);
    const up0 = c0 > o0;
    const down0 = c0 < o0;
    let flags = 0;

    // Engulfing: opposite bodies, the second longer (necessary for o2 < c1 < o1 < c2 and mirror).
    if (up0 && c1 < o1 && c0 - o0 > o1 - c1) {
      if (this.#call2(bars, index, d.bullishengulfingpattern)) flags |= Pattern.BULLISH_ENGULFING;
    } else if (down0 && c1 > o1 && o0 - c0 > c1 - o1) {
      if (this.#call2(bars, index, d.bearishengulfingpattern)) flags |= Pattern.BEARISH_ENGULFING;
    }

    // Stars: first and third bodies opposite, the middle bar gapped away from the first.
    const o2 = bars.open(index - 2);
    const c2 = bars.close(index - 2);
    if (up0 && c2 < o2 && bars.high(index - 1) < bars.low(index - 2)) {
      if (this.#call3(bars, index, d.morningstar)) flags |= Pattern.MORNING_STAR;
    } else if (down0 && c2 > o2 && bars.low(index - 1) > bars.high(index - 2)) {
      if (this.#call3(bars, index, d.eveningstar)) flags |= Pattern.EVENING_STAR;
    }

    // Hammer family on bar −1, confirmed by bar 0, after a decline (close[−2] < close[−4]). Every
    // stick needs its body's top within 0.1 % of the high (hammers) or its bottom within 0.1 % of
    // the low (inverted hammers); NEAR adds a margin for the library's 4-digit rounding.
    const c4 = bars.close(index - 4);
    const top1 = c1 > o1 ? c1 : o1;
    const bottom1 = c1 > o1 ? o1 : c1;
    const invertedPossible = bottom1 - bars.low(index - 1) <= NEAR * Math.abs(bottom1);
    const hammerPossible = invertedPossible || bars.high(index - 1) - top1 <= NEAR * Math.abs(top1);
    if (up0 && c1 < c0 && c2 < c4) {
      if (hammerPossible && this.#fill1(bars, index - 1) && (this.#stick(d.bullishhammerstick) || this.#stick(d.bearishhammerstick)
        || this.#stick(d.bullishinvertedhammerstick) || this.#stick(d.bearishinvertedhammerstick))) {
        flags |= Pattern.HAMMER;
      }
    } else if (down0 && c1 > c0 && c2 > c4) {
      if (invertedPossible && this.#fill1(bars, index - 1) && (this.#stick(d.bullishinvertedhammerstick) || this.#stick(d.bearishinvertedhammerstick))) {
        flags |= Pattern.SHOOTING_STAR;
      }
    }

    this.flags = flags;
    if (flags === 0) return 0;
    return popcount(flags & BULLISH_MASK) - popcount(flags & ~BULLISH_MASK);
  }

  #call2(bars: BarView, index: number, detector: (w: Window) => unknown): boolean {
    const w = this.#w2;
    for (let k = 0; k < 2; k++) copy(w, k, bars, index - 1 + k);
    this.calls++;
    return detector(w) === true;
  }

  #call3(bars: BarView, index: number, detector: (w: Window) => unknown): boolean {
    const w = this.#w3;
    for (let k = 0; k < 3; k++) copy(w, k, bars, index - 2 + k);
    this.calls++;
    return detector(w) === true;
  }

  #fill1(bars: BarView, index: number): true {
    copy(this.#w1, 0, bars, index);
    return true;
  }

  #stick(detector: (w: Window) => unknown): boolean {
    this.calls++;
    return detector(this.#w1) === true;
  }
}

function copy(w: Window, k: number, bars: BarView, i: number): void {
  w.open[k] = bars.open(i);
  w.high[k] = bars.high(i);
  w.low[k] = bars.low(i);
  w.close[k] = bars.close(i);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}
