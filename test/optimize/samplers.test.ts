import {describe, expect, it} from 'vitest';
import {GridSampler, type Observation, RandomSampler, type Sampler} from '../../src/optimize/sampler.js';
import {type Point, parseSpace, satisfies, type SearchSpace, spaceFromRanges} from '../../src/optimize/space.js';
import {TpeSampler} from '../../src/optimize/tpe.js';

/** Runs a sampler against f (maximised) the way a sweep does: batches, each seeing earlier results. */
function optimise(sampler: Sampler, f: (p: Point) => number, trials: number, batch = 4): {best: number; history: Observation[]} {
  const history: Observation[] = [];
  for (let start = 0; start < trials; start += batch) {
    const points = sampler.propose(start, Math.min(batch, trials - start), history);
    for (const point of points) history.push({point, value: f(point)});
  }
  return {best: Math.max(...history.map((o) => o.value ?? -Infinity)), history};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const all = () => true;

/** Branin (negated, to maximise): global maximum −0.397887 at (−π, 12.275), (π, 2.275), (9.42478, 2.475). */
const branin = (p: Point) => {
  const x = p.x as number;
  const y = p.y as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  return -((y - b * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10);
};
const braninSpace = parseSpace(spaceFromRanges(['x=-5.0..10.0', 'y=0.0..15.0']));

describe('samplers on functions with known optima', () => {
  it('grid visits every lattice point once in key order, skipping points that break a constraint', () => {
    const space = parseSpace(spaceFromRanges(['fast=5..20:5', 'slow=10..30:10'], ['fast < slow']));
    const grid = new GridSampler(space, (p) => satisfies(space, p));
    const points = grid.propose(0, 100);
    expect(points).toEqual([
      {fast: 5, slow: 10}, {fast: 5, slow: 20}, {fast: 5, slow: 30}, {fast: 10, slow: 20}, {fast: 10, slow: 30},
      {fast: 15, slow: 20}, {fast: 15, slow: 30}, {fast: 20, slow: 30},
    ]);
    expect(grid.capacity).toBe(8);
    // The optimum of a function on the lattice is found exactly.
    const f = (p: Point) => -(((p.fast as number) - 15) ** 2) - ((p.slow as number) - 20) ** 2;
    const {history} = optimise(grid, f, grid.capacity);
    expect(history.find((o) => o.value === 0)?.point).toEqual({fast: 15, slow: 20});
  });

  it('grid takes 5 levels of an unstepped float, min and max included', () => {
    const space = parseSpace(spaceFromRanges(['k=1.0..3.0']));
    expect(new GridSampler(space, all).propose(0, 10).map((p) => p.k)).toEqual([1, 1.5, 2, 2.5, 3]);
  });

  it('random is deterministic for a seed, independent of batching, differs across seeds, and respects constraints', () => {
    const space = parseSpace(spaceFromRanges(['fast=2..100', 'slow=3..300'], ['fast * 2 < slow']));
    const filter = (p: Point) => satisfies(space, p);
    const a = new RandomSampler(space, 7, filter).propose(0, 50);
    const b1 = new RandomSampler(space, 7, filter).propose(0, 20);
    const b2 = new RandomSampler(space, 7, filter).propose(20, 30);
    expect([...b1, ...b2]).toEqual(a);
    expect(new RandomSampler(space, 8, filter).propose(0, 50)).not.toEqual(a);
    expect(a.every(filter)).toBe(true);
    expect(new Set(a.map((p) => `${p.fast},${p.slow}`)).size).toBe(50);
  });

  it('TPE finds the Branin optimum closely and beats random search at equal budget over several seeds', () => {
    const tpe: number[] = [];
    const random: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      tpe.push(optimise(new TpeSampler(braninSpace, seed, all), branin, 80).best);
      random.push(optimise(new RandomSampler(braninSpace, seed, all), branin, 80).best);
    }
    expect(median(tpe)).toBeGreaterThan(-0.397887 - 0.6);
    expect(median(tpe)).toBeGreaterThan(median(random));
  });

  it('TPE finds the optimum of a mixed int/choice/log space with a constraint', () => {
    const space = parseSpace(spaceFromRanges(['fast=2..60', 'slow=10..250', 'lr=0.0001..1.0:log', 'kind=ema,sma,wma'], ['fast < slow']));
    const filter = (p: Point) => satisfies(space, p);
    // Peak at fast 12, slow 80, lr 0.01, kind wma.
    const f = (p: Point) =>
      -Math.abs((p.fast as number) - 12) / 10 - Math.abs((p.slow as number) - 80) / 40 - Math.abs(Math.log10(p.lr as number) + 2) - (p.kind === 'wma' ? 0 : 1);
    const {history} = optimise(new TpeSampler(space, 11, filter), f, 120, 8);
    expect(history.every((o) => filter(o.point))).toBe(true);
    const best = history.reduce((a, o) => ((o.value ?? -Infinity) > (a.value ?? -Infinity) ? o : a));
    expect(best.point.kind).toBe('wma');
    expect(Math.abs((best.point.fast as number) - 12)).toBeLessThanOrEqual(4);
    expect(Math.abs((best.point.slow as number) - 80)).toBeLessThanOrEqual(25);
    expect(Math.abs(Math.log10(best.point.lr as number) + 2)).toBeLessThan(0.5);
  });

  it('TPE proposals are a pure function of seed, trial index and the earlier observations', () => {
    const run = () => optimise(new TpeSampler(braninSpace, 3, all), branin, 40, 8).history.map((o) => o.point);
    expect(run()).toEqual(run());
    const sampler = new TpeSampler(braninSpace, 3, all);
    const {history} = optimise(sampler, branin, 24, 8);
    expect(new TpeSampler(braninSpace, 3, all).propose(24, 8, history)).toEqual(sampler.propose(24, 8, history));
  });

  it('ranks failed trials (null) last and still proposes', () => {
    const space: SearchSpace = braninSpace;
    const f = (p: Point) => ((p.x as number) < 0 ? NaN : branin(p));
    const sampler = new TpeSampler(space, 5, all);
    const history: Observation[] = [];
    for (let start = 0; start < 60; start += 6) {
      for (const point of sampler.propose(start, 6, history)) {
        const v = f(point);
        history.push({point, value: Number.isNaN(v) ? null : v});
      }
    }
    const late = history.slice(30);
    expect(late.filter((o) => o.value === null).length).toBeLessThan(late.length / 2);
  });

  it('TPE does not repeat a lattice point while unseen valid ones remain', () => {
    const space = parseSpace(spaceFromRanges(['fast=5..100:5', 'slow=20..400:10'], ['fast * 2 <= slow']));
    const filter = (p: Point) => satisfies(space, p);
    const f = (p: Point) => -Math.abs((p.fast as number) - 40) - Math.abs((p.slow as number) - 390) / 10;
    const {history} = optimise(new TpeSampler(space, 1, filter), f, 80, 16);
    expect(new Set(history.map((o) => `${o.point.fast},${o.point.slow}`)).size).toBe(80);
  });
});
