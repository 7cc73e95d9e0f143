import {describe, expect, it} from 'vitest';
import {fromUnit, levels, paramsOf, parseSpace, satisfies, snap, spaceFromRanges, toUnit} from '../../src/optimize/space.js';

describe('search spaces', () => {
  it('reads --range flags as int, float, stepped, log and choice parameters', () => {
    const raw = spaceFromRanges(['fast=5..50:5', 'slow=20..200', 'k=0.5..3', 'lr=0.001..0.1:log', 'entry=0.1..0.5:0.05', 'mode=a,b,3,true'], ['fast < slow']);
    const space = parseSpace(raw);
    expect(space.keys).toEqual(['fast', 'slow', 'k', 'lr', 'entry', 'mode']);
    expect(space.specs.fast).toEqual({type: 'int', min: 5, max: 50, step: 5, log: false});
    expect(space.specs.slow).toEqual({type: 'int', min: 20, max: 200, step: 1, log: false});
    expect(space.specs.k).toEqual({type: 'float', min: 0.5, max: 3, log: false});
    expect(space.specs.lr).toEqual({type: 'float', min: 0.001, max: 0.1, log: true});
    expect(space.specs.entry).toMatchObject({type: 'float', step: 0.05});
    expect(space.specs.mode).toEqual({type: 'choice', values: ['a', 'b', 3, true]});
    expect(space.constraints[0].source).toBe('fast < slow');
  });

  it('refuses inverted ranges, log ranges through zero, empty spaces and constraints on unknown keys', () => {
    expect(() => parseSpace(spaceFromRanges(['a=5..1']))).toThrow(/min 5 is above max 1/);
    expect(() => parseSpace(spaceFromRanges(['a=0..1:log']))).toThrow(/log range needs min > 0/);
    expect(() => parseSpace({params: {}})).toThrow(/no parameters/);
    expect(() => parseSpace(spaceFromRanges(['a=1..5'], ['a < b']))).toThrow(/unknown name 'b'/);
    expect(() => parseSpace({params: {a: {type: 'int', min: 1}}})).toThrow(/IFTB|max/);
    expect(() => spaceFromRanges(['nokey'])).toThrow(/expected key=lo..hi/);
  });

  it('maps unit coordinates onto every lattice value with equal width, and back', () => {
    const fast = parseSpace(spaceFromRanges(['fast=5..50:5'])).specs.fast as Extract<ReturnType<typeof parseSpace>['specs'][string], {type: 'int'}>;
    expect(levels(fast)).toBe(10);
    const hits = new Map<number, number>();
    for (let k = 0; k < 1000; k++) {
      const v = fromUnit(fast, (k + 0.5) / 1000);
      hits.set(v, (hits.get(v) ?? 0) + 1);
    }
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect([...hits.values()].every((n) => n === 100)).toBe(true);
    expect(fromUnit(fast, toUnit(fast, 35))).toBe(35);
    const entry = parseSpace(spaceFromRanges(['entry=0.1..0.5:0.1'])).specs.entry;
    expect(snap(entry, 0.3000001)).toBe(0.3);
    expect(snap(entry, 0.74)).toBe(0.5);
  });

  it('checks constraints and builds nested strategy params from dotted keys', () => {
    const space = parseSpace(spaceFromRanges(['fast=1..10', 'slow=2..20'], ['fast * 2 <= slow']));
    expect(satisfies(space, {fast: 5, slow: 10})).toBe(true);
    expect(satisfies(space, {fast: 6, slow: 10})).toBe(false);
    expect(paramsOf({'weights.ta': 0.5, entry: 0.2}, {model: 'x', weights: {ml: 0.3}})).toEqual({model: 'x', entry: 0.2, weights: {ml: 0.3, ta: 0.5}});
  });
});
