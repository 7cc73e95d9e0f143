import {ADX, ATR, BollingerBands, EMA, MACD, RSI, SMA} from 'technicalindicators';
import {describe, expect, it} from 'vitest';
import {type BarColumns, ErrorCode, type Indicator, isIftbError, barViewAt} from '../../../src/core/index.js';
import {adx, atr, bollingerPercentB, ema, macdHistogram, rsi, sma} from '../../../src/signals/ta/index.js';
import {AdxIndicator} from '../../../src/signals/ta/indicators.js';
import {loadCandles} from './real-candles.js';

// 4,000 real BTCUSDT perpetual 1h candles (2021-11 … 2022-04), far from the flat first days of the file.
const bars = loadCandles('btcusdt_perp_1h.csv.gz', 20_000, 4_000);
const n = bars.length;
const close = Array.from(bars.close);
const high = Array.from(bars.high);
const low = Array.from(bars.low);

function run(indicator: Indicator, columns: BarColumns = bars): Float64Array {
  const out = new Float64Array(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = indicator.update(barViewAt(columns, i));
  return out;
}

/**
 * Compares ours with technicalindicators' output aligned on the last bar (the two libraries start
 * their outputs at different bars), from index `from` on. Returns the largest absolute difference.
 */
function maxDiff(ours: Float64Array, theirs: readonly number[], from: number): number {
  const offset = ours.length - theirs.length;
  let max = 0;
  for (let i = Math.max(from, offset); i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i - offset]);
    if (!(d <= max)) max = d; // NaN propagates as a failure
  }
  return max;
}

function firstFinite(values: Float64Array): number {
  return values.findIndex((v) => Number.isFinite(v));
}

describe('indicators against technicalindicators on real candles', () => {
  it('loads real candles', () => {
    expect(n).toBe(4_000);
    expect(bars.close[0]).toBeGreaterThan(1_000);
  });

  it('sma(20) matches SMA at every bar', () => {
    const ours = run(sma(20));
    expect(firstFinite(ours)).toBe(19);
    expect(maxDiff(ours, SMA.calculate({period: 20, values: close}), 19)).toBeLessThan(1e-7);
  });

  it('sma on another field reads that column', () => {
    const ours = run(sma(10, 'high'));
    expect(maxDiff(ours, SMA.calculate({period: 10, values: high}), 9)).toBeLessThan(1e-7);
    expect(sma(10, 'high').id).toBe('ta.sma(10,high)');
  });

  it('ema(20) converges to EMA once the first-price seed has decayed', () => {
    // trading-signals seeds the EMA with the first price, technicalindicators with the SMA of the
    // first 20: the gap shrinks by 19/21 a bar, so from bar 300 on it is far below a cent.
    const ours = run(ema(20));
    const theirs = EMA.calculate({period: 20, values: close});
    expect(firstFinite(ours)).toBe(19);
    expect(maxDiff(ours, theirs, 19)).toBeGreaterThan(0); // the seed really differs …
    expect(maxDiff(ours, theirs, 300)).toBeLessThan(1e-6); // … and washes out
  });

  it('rsi(14) matches RSI to its 2-decimal rounding from the first value', () => {
    const ours = run(rsi(14));
    const theirs = RSI.calculate({period: 14, values: close});
    expect(firstFinite(ours)).toBe(14);
    expect(theirs.length).toBe(n - 14);
    // technicalindicators rounds RSI to 2 decimals (toFixed(2)); both use Wilder's smoothing with an SMA seed.
    expect(maxDiff(ours, theirs, 14)).toBeLessThanOrEqual(0.005 + 1e-9);
    for (let i = 14; i < n; i++) expect(ours[i]).toBeGreaterThanOrEqual(0), expect(ours[i]).toBeLessThanOrEqual(100);
  });

  it('atr(14) converges to ATR (Wilder smoothing; the libraries differ only in the first bar)', () => {
    // trading-signals counts bar 0's high − low as a true range, technicalindicators starts at bar 1
    // (so its first ATR is one bar later). Same Wilder smoothing: the gap shrinks by 13/14 a bar.
    const ours = run(atr(14));
    const theirs = ATR.calculate({period: 14, high, low, close});
    expect(firstFinite(ours)).toBe(13);
    expect(theirs.length).toBe(n - 14);
    expect(maxDiff(ours, theirs, 300)).toBeLessThan(1e-6);
  });

  it('adx(14) and its DI converge to ADX', () => {
    const indicator = new AdxIndicator(14);
    const ours = new Float64Array(n);
    const pdi = new Float64Array(n);
    const mdi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ours[i] = indicator.update(barViewAt(bars, i));
      pdi[i] = indicator.plusDi * 100;
      mdi[i] = indicator.minusDi * 100;
    }
    const theirs = ADX.calculate({period: 14, high, low, close});
    expect(firstFinite(ours)).toBe(26);
    expect(adx(14).warmupBars).toBe(27);
    // Same first-bar difference as ATR (a zero directional move and high − low on bar 0);
    // the DX smoothing (Wilder, SMA seed) matches.
    expect(maxDiff(ours, theirs.map((r) => r.adx), 400)).toBeLessThan(1e-6);
    expect(maxDiff(pdi, theirs.map((r) => r.pdi), 400)).toBeLessThan(1e-6);
    expect(maxDiff(mdi, theirs.map((r) => r.mdi), 400)).toBeLessThan(1e-6);
  });

  it('macdHistogram(12,26,9) converges to the EMA-based MACD histogram', () => {
    const ours = run(macdHistogram(12, 26, 9));
    const theirs = MACD.calculate({
      values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false,
    }).map((r) => r.histogram ?? NaN);
    expect(firstFinite(ours)).toBe(33);
    expect(theirs.findIndex((v) => Number.isFinite(v)) + (n - theirs.length)).toBe(33);
    // Both EMAs and the signal EMA are first-price seeded here, SMA seeded there.
    expect(maxDiff(ours, theirs, 400)).toBeLessThan(1e-6);
  });

  it('bollingerPercentB(20,2) matches Bollinger %B at every bar', () => {
    const ours = run(bollingerPercentB(20, 2));
    const theirs = BollingerBands.calculate({period: 20, stdDev: 2, values: close}).map((r) => r.pb);
    expect(firstFinite(ours)).toBe(19);
    expect(maxDiff(ours, theirs, 19)).toBeLessThan(1e-9);
  });
});

describe('indicator contract', () => {
  const factories: Record<string, () => Indicator> = {
    'ta.sma(20)': () => sma(20),
    'ta.ema(20)': () => ema(20),
    'ta.rsi(14)': () => rsi(14),
    'ta.atr(14)': () => atr(14),
    'ta.adx(14)': () => adx(14),
    'ta.macdHistogram(12,26,9)': () => macdHistogram(12, 26, 9),
    'ta.bollingerPercentB(20,2)': () => bollingerPercentB(20, 2),
  };

  for (const [id, make] of Object.entries(factories)) {
    it(`${id}: NaN for warmupBars − 1 bars, then finite`, () => {
      const indicator = make();
      expect(indicator.id).toBe(id);
      const values = run(indicator);
      for (let i = 0; i < indicator.warmupBars - 1; i++) expect(values[i]).toBeNaN();
      for (let i = indicator.warmupBars - 1; i < n; i++) expect(Number.isFinite(values[i])).toBe(true);
    });

    it(`${id}: rejects skipped and rewound bars, re-reads the current one`, () => {
      const indicator = make();
      for (let i = 0; i < 60; i++) indicator.update(barViewAt(bars, i));
      const again = indicator.update(barViewAt(bars, 59));
      expect(Object.is(again, run(make(), {...bars, length: 60})[59])).toBe(true);
      const expectInvalid = (index: number) => {
        try {
          indicator.update(barViewAt(bars, index));
        } catch (error) {
          expect(isIftbError(error, ErrorCode.INPUT_INVALID)).toBe(true);
          return;
        }
        throw new Error(`bar ${index} was accepted`);
      };
      expectInvalid(61); // skips 60
      expectInvalid(10); // rewinds
      expectInvalid(58);
      expect(Number.isFinite(indicator.update(barViewAt(bars, 60)))).toBe(true); // state is intact
    });
  }

  it('may start at any bar, then needs every following one', () => {
    const late = sma(5);
    for (let i = 100; i < 104; i++) expect(late.update(barViewAt(bars, i))).toBeNaN();
    expect(late.update(barViewAt(bars, 104))).toBeCloseTo((close[100] + close[101] + close[102] + close[103] + close[104]) / 5, 9);
  });

  it('refuses a view showing no bar', () => {
    expect(() => sma(3).update(barViewAt(bars, -1))).toThrow(/out of order/);
  });

  it('validates periods', () => {
    expect(() => sma(0)).toThrow(/integer ≥ 1/);
    expect(() => ema(2.5)).toThrow(/integer/);
    expect(() => macdHistogram(26, 12, 9)).toThrow(/below the slow/);
    expect(() => bollingerPercentB(20, 0)).toThrow(/k must be > 0/);
    expect(() => sma(5, 'vwap' as never)).toThrow(/unknown price field/);
  });

  it('%B is 0.5 when the bands collapse on a flat series', () => {
    const flat = {...bars, length: 30, close: new Float64Array(30).fill(100)};
    const values = run(bollingerPercentB(20, 2), flat);
    expect(values[29]).toBe(0.5);
  });
});

/** x as sign × mantissa × 2^exponent, mantissa an integer (the double's exact value). */
function exactParts(x: number): {m: bigint; e: number} {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n === 1n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? {m: sign * fraction, e: -1074} : {m: sign * (fraction | (1n << 52n)), e: biased - 1075};
}

/** The exact sum of `values` in BigInt arithmetic, rounded once to the nearest double. */
function exactSum(values: readonly number[]): number {
  const parts = values.map(exactParts);
  const e = Math.min(...parts.map((p) => p.e));
  const units = parts.reduce((s, p) => s + (p.m << BigInt(p.e - e)), 0n);
  return Number(units) * 2 ** e;
}

describe('sma is the exact window sum, rounded once, divided by the period', () => {
  const check = (values: readonly number[], period: number) => {
    const columns = {...bars, length: values.length, close: Float64Array.from(values)};
    const ours = run(sma(period), columns);
    let compared = 0;
    for (let i = period - 1; i < values.length; i++) {
      const window = values.slice(i - period + 1, i + 1);
      const want = window.every(Number.isFinite) ? exactSum(window) / period : window.reduce((s, x) => s + x, 0) / period;
      if (!Object.is(ours[i], want)) throw new Error(`sma(${period}) at ${i}: ${ours[i]} ≠ ${want}`);
      compared++;
    }
    return compared;
  };

  it('on real closes, short and long periods, over many turns of the window', () => {
    expect(check(close, 20)).toBe(n - 19);
    expect(check(close, 400)).toBe(n - 399);
  });

  it('where a naive running sum drifts: prices of very different size, cancelling each other', () => {
    let seed = 9;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const values = Array.from({length: 3_000}, (_, i) => (i % 7 === 0 ? 1e9 : 1) * (random() - 0.5) * (i % 3 === 0 ? 1e-6 : 1));
    expect(check(values, 7)).toBe(3_000 - 6);
    expect(check(values, 50)).toBe(3_000 - 49);
  });

  it('a NaN or an infinity in the window reads as a plain sum would, and leaves no trace once out of it', () => {
    const values = close.slice(0, 200);
    values[50] = Number.NaN;
    values[120] = Number.POSITIVE_INFINITY;
    const ours = run(sma(10), {...bars, length: values.length, close: Float64Array.from(values)});
    expect(ours[55]).toBeNaN();
    expect(ours[125]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(ours[130])).toBe(true);
    expect(check(values, 10)).toBe(191);
  });
});
