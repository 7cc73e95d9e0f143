import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {signalAccuracy, type SignalAccuracyInput} from '../../src/portfolio/signal-accuracy.js';

// bar:           0     1     2     3     4     5     6
// close:       100   101   102   101   101   100   103
// 1-bar move:   +1    +1    −1     0    −1    +3     –
// score:      +0.5  −0.2  −0.7  +0.4     0  +0.9  +0.3
// confidence:  0.1   0.3   0.6   0.8   0.5   1.0   0.9
// active:        1     1     1     1     1     0     1
// h = 1:       hit  miss   hit  miss  skip  skip  skip (no future close)
//              (score 0 is no call; bar 5 abstains; a zero move is a miss for either side)
function series(overrides: Partial<SignalAccuracyInput> = {}): SignalAccuracyInput {
  return {
    close: Float64Array.from([100, 101, 102, 101, 101, 100, 103]),
    scores: Float64Array.from([0.5, -0.2, -0.7, 0.4, 0, 0.9, 0.3]),
    confidences: Float64Array.from([0.1, 0.3, 0.6, 0.8, 0.5, 1.0, 0.9]),
    active: Uint8Array.from([1, 1, 1, 1, 1, 0, 1]),
    horizonBars: 1,
    ...overrides,
  };
}

describe('signalAccuracy', () => {
  it('counts hits one bar ahead, with zero moves as misses', () => {
    const r = signalAccuracy(series());
    expect(r).toMatchObject({horizonBars: 1, samples: 4, hits: 2, hitRate: 0.5});
    expect(r.long).toEqual({samples: 2, hits: 1, hitRate: 0.5}); // bars 0 (hit) and 3 (flat: miss)
    expect(r.short).toEqual({samples: 2, hits: 1, hitRate: 0.5}); // bars 1 (miss) and 2 (hit)
    expect(r.meanSignedReturn).toBeCloseTo((1 / 100 - 1 / 101 + 1 / 102 + 0) / 4, 15);
  });

  it('splits by confidence bucket, the last one closed at 1', () => {
    const r = signalAccuracy(series({active: Uint8Array.from([1, 1, 1, 1, 1, 1, 1])}));
    expect(r.samples).toBe(5); // bar 5 now counts: +0.9 before a +3 move, confidence exactly 1
    expect(r.byConfidence.map((b) => [b.from, b.to, b.samples, b.hits, b.hitRate])).toEqual([
      [0, 0.25, 1, 1, 1],
      [0.25, 0.5, 1, 0, 0],
      [0.5, 0.75, 1, 1, 1],
      [0.75, 1, 2, 1, 0.5],
    ]);
    expect(r.byConfidence[3].meanConfidence).toBeCloseTo(0.9, 15);
  });

  it('looks further ahead with a longer horizon', () => {
    // h = 2: bar 0 102 > 100 hit; bar 1 101 = 101 miss; bar 2 101 < 102 hit (short); bar 3 100 < 101 miss (long)
    const r = signalAccuracy(series({horizonBars: 2}));
    expect(r).toMatchObject({samples: 4, hits: 2, hitRate: 0.5});
  });

  it('keeps both ends of a sample inside [startIndex, endIndex)', () => {
    const r = signalAccuracy(series({startIndex: 2, endIndex: 5}));
    expect(r).toMatchObject({samples: 2, hits: 1}); // bars 2 (hit) and 3 (miss); bar 4 has score 0
    expect(signalAccuracy(series({startIndex: 2, endIndex: 4})).samples).toBe(1);
  });

  it('takes custom bucket edges; confidences outside them count in the totals only', () => {
    const two = signalAccuracy(series({buckets: [0, 0.5, 1]}));
    expect(two.byConfidence.map((b) => [b.samples, b.hits])).toEqual([[2, 1], [2, 1]]);
    const upper = signalAccuracy(series({buckets: [0.5, 1]}));
    expect(upper.samples).toBe(4);
    expect(upper.byConfidence).toHaveLength(1);
    expect(upper.byConfidence[0]).toMatchObject({samples: 2, hits: 1});
  });

  it('reports how confidence relates to hits', () => {
    // confidences 0.1, 0.3, 0.6, 0.8 with hits 1, 0, 1, 0: cov −0.05, var 0.0725 and 0.25
    const r = signalAccuracy(series());
    expect(r.calibration.meanConfidence).toBeCloseTo(0.45, 15);
    expect(r.calibration.confidenceHitCorrelation).toBeCloseTo(-0.05 / Math.sqrt(0.0725 * 0.25), 12);
  });

  it('gives nulls, not NaN, without samples', () => {
    const r = signalAccuracy(series({active: new Uint8Array(7)}));
    expect(r).toMatchObject({samples: 0, hits: 0, hitRate: null, meanSignedReturn: null});
    expect(r.byConfidence.every((b) => b.hitRate === null && b.meanConfidence === null)).toBe(true);
    expect(r.calibration).toEqual({meanConfidence: null, confidenceHitCorrelation: null});
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('accepts score arrays longer than the window (recorder capacity)', () => {
    const r = signalAccuracy(series({
      scores: Float64Array.from([0.5, -0.2, -0.7, 0.4, 0, 0.9, 0.3, 1, 1]),
      confidences: new Float64Array(9).fill(0.5),
      active: new Uint8Array(9).fill(1),
    }));
    expect(r.samples).toBe(5);
  });

  it('is deterministic on a long random series', () => {
    const n = 20_000;
    let x = 3;
    const next = () => (x = (x * 48271) % 2147483647) / 2147483647;
    const close = new Float64Array(n);
    let p = 100;
    for (let i = 0; i < n; i++) close[i] = p *= 1 + (next() - 0.5) * 0.01;
    const scores = Float64Array.from({length: n}, () => next() * 2 - 1);
    const confidences = Float64Array.from({length: n}, () => next());
    const active = Uint8Array.from({length: n}, () => (next() > 0.2 ? 1 : 0));
    const a = signalAccuracy({close, scores, confidences, active, horizonBars: 4});
    const b = signalAccuracy({close, scores, confidences, active, horizonBars: 4});
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.hitRate).toBeGreaterThan(0.45);
    expect(a.hitRate).toBeLessThan(0.55);
  });

  it('rejects a bad horizon, bucket edges or window', () => {
    const code = (overrides: Partial<SignalAccuracyInput>) => {
      try {
        signalAccuracy(series(overrides));
      } catch (error) {
        return isIftbError(error) ? error.code : 'other';
      }
      return 'accepted';
    };
    expect(code({horizonBars: 0})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({horizonBars: 1.5})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({buckets: [0, 0.5, 0.5, 1]})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({buckets: [0]})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({endIndex: 8})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({startIndex: 5, endIndex: 4})).toBe(ErrorCode.INPUT_INVALID);
    expect(code({scores: new Float64Array(3)})).toBe(ErrorCode.INPUT_INVALID);
  });
});
