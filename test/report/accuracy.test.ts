import {describe, expect, it} from 'vitest';
import {signalAccuracy} from '../../src/portfolio/signal-accuracy.js';
import {hitsOverTime, periodFor, periodStart} from '../../src/report/accuracy.js';
import type {BarTrack} from '../../src/report/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function track(n: number): BarTrack & {signals: BarTrack['signals']} {
  const timeMs = Float64Array.from({length: n}, (_, i) => Date.UTC(2024, 0, 1) + (i + 1) * HOUR);
  const close = Float64Array.from({length: n}, (_, i) => 100 + 5 * Math.sin(i / 5) + (i % 3));
  const score = Float64Array.from({length: n}, (_, i) => Math.cos(i / 3) * (i % 7 === 0 ? 0 : 1));
  const confidence = Float64Array.from({length: n}, (_, i) => (i % 10) / 10);
  const active = Uint8Array.from({length: n}, (_, i) => (i % 11 === 0 ? 0 : 1));
  const zeros = new Float64Array(n);
  return {
    length: n, timeMs, close, equity: zeros, position: zeros,
    ensemble: {score, confidence, active}, signals: [{id: 'ta', source: 'ta', score, confidence, active}],
  };
}

describe('hitsOverTime', () => {
  it('splits exactly signalAccuracy’s samples and hits into periods', () => {
    const bars = track(24 * 90);
    const whole = signalAccuracy({close: bars.close, scores: bars.ensemble.score, confidences: bars.ensemble.confidence, active: bars.ensemble.active, horizonBars: 12});
    for (const period of ['month', 'week', 'day'] as const) {
      const parts = hitsOverTime(bars, bars.ensemble, 12, period);
      expect(parts.reduce((s, p) => s + p.samples, 0)).toBe(whole.samples);
      expect(parts.reduce((s, p) => s + p.hits, 0)).toBe(whole.hits);
      for (const p of parts) expect(p.hitRate).toBeCloseTo(p.hits / p.samples, 12);
    }
    expect(hitsOverTime(bars, bars.ensemble, 12, 'month').map((p) => new Date(p.t).toISOString().slice(0, 10)))
      .toEqual(['2024-01-01', '2024-02-01', '2024-03-01']);
  });
});

describe('periods', () => {
  it('puts a close at midnight in the period it ends', () => {
    expect(periodStart(Date.UTC(2024, 1, 1), 'month')).toBe(Date.UTC(2024, 0, 1));
    expect(periodStart(Date.UTC(2024, 1, 1, 1), 'month')).toBe(Date.UTC(2024, 1, 1));
    // 2024-01-08 is a Monday: its 00:00 close ends the week of Monday 2024-01-01.
    expect(periodStart(Date.UTC(2024, 0, 8), 'week')).toBe(Date.UTC(2024, 0, 1));
    expect(periodStart(Date.UTC(2024, 0, 8, 1), 'week')).toBe(Date.UTC(2024, 0, 8));
    expect(periodStart(Date.UTC(2024, 0, 8, 13), 'day')).toBe(Date.UTC(2024, 0, 8));
  });

  it('uses months for half a year or more, weeks from three weeks, else days', () => {
    expect(periodFor(200 * DAY)).toBe('month');
    expect(periodFor(60 * DAY)).toBe('week');
    expect(periodFor(10 * DAY)).toBe('day');
  });
});
