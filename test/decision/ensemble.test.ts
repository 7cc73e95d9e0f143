import {describe, expect, it} from 'vitest';
import type {SignalReading} from '../../src/core/index.js';
import {EnsembleFuser, type EnsembleSlot} from '../../src/decision/index.js';

const reading = (source: 'ta' | 'ml' | 'llm', score: number, confidence: number, active = true): SignalReading => ({
  id: `${source}.x`, source, score, confidence, active,
});

describe('EnsembleFuser', () => {
  const out: EnsembleSlot = {score: 0, confidence: 0, active: false};

  it('fuses the three sources 40/35/25 by default, each reading weighted by its confidence', () => {
    new EnsembleFuser(['ta', 'ml', 'llm']).fuse([reading('ta', 1, 1), reading('ml', -1, 0.5), reading('llm', 0.5, 1)], out);
    expect(out.active).toBe(true);
    expect(out.score).toBeCloseTo(0.4 * 1 + 0.35 * -0.5 + 0.25 * 0.5, 12);
    expect(out.confidence).toBeCloseTo(0.4 + 0.35 * 0.5 + 0.25, 12);
  });

  it('leaves abstaining sources out and renormalises the remaining weights', () => {
    new EnsembleFuser(['ta', 'ml', 'llm']).fuse([reading('ta', 0.8, 1), reading('ml', 1, 1, false), reading('llm', -0.4, 1)], out);
    expect(out.score).toBeCloseTo((0.4 * 0.8 + 0.25 * -0.4) / 0.65, 12);
  });

  it('honours configured weights, a zero weight disables a source', () => {
    new EnsembleFuser(['ta', 'ml'], {ta: 0, ml: 1}).fuse([reading('ta', 1, 1), reading('ml', -0.5, 1)], out);
    expect(out.score).toBeCloseTo(-0.5, 12);
  });

  it('is inactive when every source abstains', () => {
    new EnsembleFuser(['ta']).fuse([reading('ta', 1, 1, false)], out);
    expect(out).toEqual({score: 0, confidence: 0, active: false});
  });

  it('shares a source weight between its analyzers', () => {
    new EnsembleFuser(['ta', 'ta', 'ml'], {ta: 0.5, ml: 0.5}).fuse([reading('ta', 1, 1), reading('ta', 0, 1), reading('ml', 0, 1, false)], out);
    expect(out.score).toBeCloseTo(0.5, 12);
  });

  it('refuses negative weights', () => {
    expect(() => new EnsembleFuser(['ta'], {ta: -1})).toThrow(/≥ 0/);
  });
});
