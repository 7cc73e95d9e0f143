import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {describe, expect, it} from 'vitest';
import {CircuitBreaker, createRiskManager, createTradingGate} from '../../src/risk/index.js';
import {health, HOUR, riskInput, T0} from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap growth over n calls after a full GC; the smallest of several rounds, after JIT warm-up. */
function bytesPerCall(fn: (i: number) => void, n = 50_000, rounds = 6): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) fn(r * n + i);
    const grown = process.memoryUsage().heapUsed - before;
    if (r >= 2) best = Math.min(best, grown);
  }
  return best / n;
}

describe('hot path', () => {
  it('calibrates: one small object per call shows up as tens of bytes per call', () => {
    const sink: unknown[] = [];
    expect(bytesPerCall((i) => (sink[0] = {i}))).toBeGreaterThan(8);
  });

  it('evaluates an uneventful bar, folds the gate state and checks an order without allocating', () => {
    const journal = (): void => {
      throw new Error('nothing should be journaled');
    };
    const breaker = new CircuitBreaker({}, journal);
    const gate = createTradingGate({breaker, killSwitch: {engaged: false, activations: 0}, journal});
    const h = health();
    const order = {reduceOnly: false, reason: 'entry'};
    const perBar = bytesPerCall((i) => {
      h.timeMs = T0 + i * HOUR;
      h.equity = 10_000 + (i % 7);
      h.decisionLatencyMs = i % 300;
      h.venueRequests = 40;
      h.venueErrors = i % 2;
      gate.onBar(h);
      if (gate.state() !== 'active' || gate.deny(order) !== null || gate.mustFlatten()) throw new Error('unexpected');
    });
    expect(perBar).toBeLessThan(1);
  });

  it('trails a stop without allocating', () => {
    const rm = createRiskManager({trailingStopPct: 1.5});
    const input = riskInput({positionQty: 0.5});
    let stop = NaN;
    const perBar = bytesPerCall((i) => {
      const next = rm.trail(input, 50_000 + (i % 1000) * 0.1, 49_000, stop);
      if (next === next) stop = next;
    });
    expect(perBar).toBeLessThan(1);
  });
});
