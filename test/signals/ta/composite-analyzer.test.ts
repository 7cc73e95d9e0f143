import {bullishengulfingpattern, hammerpattern} from 'technicalindicators';
import {describe, expect, it} from 'vitest';
import {type BarColumns, ErrorCode, isIftbError, type SignalSlot, barViewAt} from '../../../src/core/index.js';
import {
  CandlestickScanner,
  createTaAnalyzer,
  Pattern,
  TaAnalyzerOptionsSchema,
  taWarmupBars,
} from '../../../src/signals/ta/index.js';
import {loadCandles, truncateBars} from './real-candles.js';

const real = loadCandles('btcusdt_perp_1h.csv.gz', 30_000, 3_000);

interface Readings {
  score: Float64Array;
  confidence: Float64Array;
  active: Uint8Array;
}

function readings(bars: BarColumns, options: Record<string, unknown> = {}, upTo = bars.length - 1): Readings {
  const analyzer = createTaAnalyzer(options);
  const slot: SignalSlot = {score: NaN, confidence: NaN, active: true};
  const out = {score: new Float64Array(upTo + 1), confidence: new Float64Array(upTo + 1), active: new Uint8Array(upTo + 1)};
  for (let i = 0; i <= upTo; i++) {
    analyzer.update(barViewAt(bars, i), slot);
    out.score[i] = slot.score;
    out.confidence[i] = slot.confidence;
    out.active[i] = slot.active ? 1 : 0;
  }
  return out;
}

/** Geometric random walk with a constant drift (Park–Miller generator, so it is deterministic). */
function trending(n: number, drift: number, vol: number, seed0 = 7): BarColumns {
  let seed = seed0;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const bars = {
    length: n, openTime: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp(drift + vol * (rand() - 0.5) * 3.46);
    bars.openTime[i] = i * 3_600_000;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = Math.max(open, close) * (1 + vol * rand());
    bars.low[i] = Math.min(open, close) * (1 - vol * rand());
    bars.volume[i] = 1;
    price = close;
  }
  return bars;
}

describe('ta.composite@1', () => {
  const full = readings(real);
  const warmup = createTaAnalyzer().warmupBars;

  it('has a stable id, source and warm-up', () => {
    const analyzer = createTaAnalyzer();
    expect(analyzer.id).toBe('ta.composite@1');
    expect(analyzer.source).toBe('ta');
    expect(warmup).toBe(150); // 3 × the 50-bar slow EMA
    expect(analyzer.options).toEqual(TaAnalyzerOptionsSchema.parse({}));
  });

  it('abstains while warming up, then reads every bar of real candles', () => {
    for (let i = 0; i < warmup - 1; i++) {
      expect(full.active[i]).toBe(0);
      expect(full.score[i]).toBe(0);
      expect(full.confidence[i]).toBe(0);
    }
    for (let i = warmup - 1; i < real.length; i++) expect(full.active[i]).toBe(1);
  });

  it('keeps score in [−1, 1] and confidence in [0, 1], using the whole range', () => {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < real.length; i++) {
      expect(full.score[i]).toBeGreaterThanOrEqual(-1);
      expect(full.score[i]).toBeLessThanOrEqual(1);
      expect(full.confidence[i]).toBeGreaterThanOrEqual(0);
      expect(full.confidence[i]).toBeLessThanOrEqual(1);
      min = Math.min(min, full.score[i]);
      max = Math.max(max, full.score[i]);
    }
    expect(min).toBeLessThan(-0.5);
    expect(max).toBeGreaterThan(0.5);
  });

  it('is causal: readings up to bar k are identical on the full series and on one truncated at k', () => {
    const ks = [0, 4, warmup - 2, warmup - 1, warmup, real.length - 1];
    for (let k = 211; k < real.length; k += 97) ks.push(k);
    for (const k of ks) {
      const cut = readings(truncateBars(real, k + 1));
      for (let i = 0; i <= k; i++) {
        expect(Object.is(cut.score[i], full.score[i]), `score at ${i} (cut at ${k})`).toBe(true);
        expect(Object.is(cut.confidence[i], full.confidence[i]), `confidence at ${i} (cut at ${k})`).toBe(true);
        expect(cut.active[i]).toBe(full.active[i]);
      }
    }
  });

  it('is causal: scrambling every bar after k leaves readings up to k unchanged', () => {
    for (const k of [300, 1_234, 2_500]) {
      const scrambled = truncateBars(real, real.length);
      for (let i = k + 1; i < real.length; i++) {
        const f = 1 + 0.3 * Math.sin(i * 12.9898);
        for (const column of [scrambled.open, scrambled.high, scrambled.low, scrambled.close]) column[i] *= f;
        scrambled.high[i] *= 1.2;
      }
      const other = readings(scrambled, {}, real.length - 1);
      for (let i = 0; i <= k; i++) {
        expect(Object.is(other.score[i], full.score[i])).toBe(true);
        expect(Object.is(other.confidence[i], full.confidence[i])).toBe(true);
      }
      expect(other.score[k + 5]).not.toBe(full.score[k + 5]);
    }
  });

  it('is deterministic', () => {
    const again = readings(real);
    expect(Buffer.from(again.score.buffer).equals(Buffer.from(full.score.buffer))).toBe(true);
    expect(Buffer.from(again.confidence.buffer).equals(Buffer.from(full.confidence.buffer))).toBe(true);
  });

  it('leans long in a strong uptrend and short in a strong downtrend', () => {
    for (const seed of [7, 11, 2024]) {
      const up = readings(trending(3_000, 0.002, 0.005, seed));
      const down = readings(trending(3_000, -0.002, 0.005, seed));
      const mean = (r: Readings) => r.score.subarray(warmup).reduce((a, b) => a + b, 0) / (3_000 - warmup);
      const share = (r: Readings) => r.score.subarray(warmup).filter((s) => s > 0).length / (3_000 - warmup);
      expect(mean(up)).toBeGreaterThan(0.25);
      expect(share(up)).toBeGreaterThan(0.8);
      expect(mean(down)).toBeLessThan(-0.25);
      expect(share(down)).toBeLessThan(0.2);
    }
  });

  it('abstains on a market without any range', () => {
    const flat = trending(400, 0, 0);
    const r = readings(flat);
    expect(r.active.every((a) => a === 0)).toBe(true);
  });

  it('rejects out-of-order bars and re-reads the current one', () => {
    const analyzer = createTaAnalyzer();
    const slot: SignalSlot = {score: 0, confidence: 0, active: false};
    for (let i = 0; i < 200; i++) analyzer.update(barViewAt(real, i), slot);
    const first = {...slot};
    analyzer.update(barViewAt(real, 199), slot);
    expect(slot).toEqual(first);
    for (const bad of [201, 150, -1]) {
      let code: string | undefined;
      try {
        analyzer.update(barViewAt(real, bad), slot);
      } catch (error) {
        if (isIftbError(error)) code = error.code;
      }
      expect(code, `bar ${bad}`).toBe(ErrorCode.INPUT_INVALID);
    }
  });

  it('validates options with zod, filling defaults and rejecting unknown keys', () => {
    const parsed = TaAnalyzerOptionsSchema.parse({rsiPeriod: 7});
    expect(parsed).toMatchObject({rsiPeriod: 7, emaFast: 20, emaSlow: 50, macdFast: 12, macdSlow: 26, macdSignal: 9, bbPeriod: 20, bbK: 2, adxPeriod: 14, atrPeriod: 14, patterns: true});
    expect(taWarmupBars({...parsed, emaSlow: 200, emaFast: 50})).toBe(600);
    const code = (options: Record<string, unknown>) => {
      try {
        createTaAnalyzer(options);
      } catch (error) {
        return isIftbError(error) ? error.code + ' ' + error.message : String(error);
      }
      return 'accepted';
    };
    expect(code({rsiPeriod: 0})).toMatch(/IFTB_E_CONFIG_INVALID .*rsiPeriod/);
    expect(code({rsiPerod: 14})).toMatch(/IFTB_E_CONFIG_INVALID .*rsiPerod/);
    expect(code({emaFast: 60})).toMatch(/emaFast must be below emaSlow/);
    expect(code({macdFast: 30})).toMatch(/macdFast must be below macdSlow/);
    expect(code({adxFloor: 50})).toMatch(/adxFloor must be below adxCeiling/);
    expect(code({bbK: 2.5, patterns: false})).toBe('accepted');
  });

  it('patterns only nudge the score: turning them off changes the score by at most patternWeight', () => {
    const off = readings(real, {patterns: false});
    let changed = 0;
    for (let i = warmup; i < real.length; i++) {
      expect(Math.abs(off.score[i] - full.score[i])).toBeLessThanOrEqual(0.2 + 1e-12);
      if (off.score[i] !== full.score[i]) changed++;
    }
    expect(changed).toBeGreaterThan(0);
  });
});

describe('candlestick scanner', () => {
  it('finds exactly what technicalindicators finds for engulfing patterns (the gates skip only impossible bars)', () => {
    const scanner = new CandlestickScanner();
    const w = (i: number) => ({
      open: [real.open[i - 1], real.open[i]], high: [real.high[i - 1], real.high[i]],
      low: [real.low[i - 1], real.low[i]], close: [real.close[i - 1], real.close[i]],
    });
    let found = 0;
    for (let i = 4; i < real.length; i++) {
      scanner.scan(barViewAt(real, i), i);
      const ours = (scanner.flags & Pattern.BULLISH_ENGULFING) !== 0;
      expect(ours, `bar ${i}`).toBe(bullishengulfingpattern(w(i)) === true);
      if (ours) found++;
    }
    expect(found).toBeGreaterThan(10);
    expect(scanner.calls).toBeLessThan(real.length);
  });

  it('detects a hammer after a decline that technicalindicators misses (it compares arrays as strings)', () => {
    // closes 100 → 109.5 → 79: average loss 15.25 > average gain 4.75, but "15.25" > "4.75" is false.
    const five = {
      open: [99, 100, 109, 78, 80.5],
      high: [101, 110, 109.5, 80, 83.5],
      low: [98, 99.5, 78.5, 74, 80],
      close: [100, 109.5, 79, 80, 83],
    };
    expect(hammerpattern({...five})).toBe(false);
    const bars: BarColumns = {
      length: 5, openTime: new Float64Array(5), volume: new Float64Array(5),
      open: Float64Array.from(five.open), high: Float64Array.from(five.high),
      low: Float64Array.from(five.low), close: Float64Array.from(five.close),
    };
    const scanner = new CandlestickScanner();
    expect(scanner.scan(barViewAt(bars, 4), 4)).toBe(1);
    expect(scanner.flags).toBe(Pattern.HAMMER);
  });
});
