import {describe, expect, it} from 'vitest';
import {BarBuffer, FundingBuffer, SeriesBuffer} from '../../src/live/bar-buffer.js';
import {MINUTE, waveBars} from '../support/live-candles.js';

describe('BarBuffer / FundingBuffer / SeriesBuffer', () => {
  it('appends closed candles past its capacity, keeping every value and the readers consistent', () => {
    const bars = waveBars(0, 100);
    const b = new BarBuffer(4);
    const arrays: Float64Array[] = [];
    for (const bar of bars) {
      b.append(bar);
      arrays.push(b.close);
    }
    expect(b.length).toBe(100);
    expect(new Set(arrays).size).toBeGreaterThan(1); // the arrays were replaced as capacity doubled
    expect(b.lastOpenTime).toBe(99 * MINUTE);
    for (let i = 0; i < 100; i++) expect(b.bar(i)).toEqual(bars[i]);
    expect(b.close.length).toBeGreaterThanOrEqual(100);
  });

  it('refuses a candle that is not after the last one (a duplicate across a reconnect must never be appended)', () => {
    const [a, next] = waveBars(0, 2);
    const b = new BarBuffer();
    expect(b.lastOpenTime).toBe(Number.NEGATIVE_INFINITY);
    b.append(a);
    expect(() => b.append(a)).toThrow(/is not after the last one/);
    expect(() => b.append({...next, openTime: a.openTime - MINUTE})).toThrow(/IFTB|not after/);
    b.append(next);
    expect(b.length).toBe(2);
  });

  it('copies columns with room to grow (SeriesBuffer.from, BarBuffer.of)', () => {
    const bars = waveBars(0, 10);
    const src = new BarBuffer(16);
    for (const bar of bars) src.append(bar);
    const s = SeriesBuffer.from({exchange: 'binance', symbol: 'BTC/USDT:USDT', timeframe: '1m'} as never, src, 2);
    expect(s.length).toBe(10);
    expect(s.bar(9)).toEqual(bars[9]);
    s.append({...bars[9], openTime: bars[9].openTime + MINUTE});
    expect(src.length).toBe(10); // the copy grows alone
    const o = BarBuffer.of(src, 1);
    expect(o.bar(3)).toEqual(bars[3]);
  });

  it('keeps funding settlements once per time, in order, mark price NaN when unknown', () => {
    const f = new FundingBuffer('binance', 'BTC/USDT:USDT', 1);
    for (let k = 0; k < 40; k++) expect(f.append(k * 8 * 3_600_000, 0.0001 * k, k % 2 === 0 ? 30_000 + k : Number.NaN)).toBe(true);
    expect(f.append(39 * 8 * 3_600_000, 1)).toBe(false);
    expect(f.append(0, 1)).toBe(false);
    expect(f.length).toBe(40);
    expect(f.rate[39]).toBeCloseTo(0.0039, 12);
    expect(f.markPrice[2]).toBe(30_002);
    expect(Number.isNaN(f.markPrice[3])).toBe(true);
    expect(f.lastTime).toBe(39 * 8 * 3_600_000);
    const copy = FundingBuffer.of(f, 0);
    expect(copy.length).toBe(40);
    expect(copy.append(40 * 8 * 3_600_000, 0)).toBe(true);
  });
});
