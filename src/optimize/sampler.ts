/**
 * Samplers propose the points of a sweep. `propose(start, count, history)` is a pure function of
 * the sweep seed, the trial indices and the observations of earlier trials, so a sweep replays
 * identically whatever the number of workers or the order their results arrive in, and a
 * resumed sweep re-derives exactly the points it had stored.
 */
import {ErrorCode, IftbError} from '../core/index.js';
import {rngFor, type Rng} from './random.js';
import {fromUnit, levels, type Point, pointKey, type SearchSpace} from './space.js';

export interface Observation {
  readonly point: Point;
  /** The objective (higher is better); null when the trial failed or its objective is undefined. */
  readonly value: number | null;
}

/** Whether a point may be run: the space's constraints and the strategy's own parameter rules. */
export type PointFilter = (point: Point) => boolean;

export interface Sampler {
  readonly name: 'grid' | 'random' | 'tpe';
  /** True when proposals depend on earlier results (the sweep then runs in batches). */
  readonly adaptive: boolean;
  /** How many trials the sampler can propose at most (a grid's size). */
  readonly capacity: number;
  propose(start: number, count: number, history: readonly Observation[]): Point[];
}

/** Draws a fresh point for trial `index` (attempt `attempt`), uniform over the space. */
export function uniformPoint(space: SearchSpace, rng: Rng): Point {
  const point: Record<string, number | string | boolean> = {};
  for (const key of space.keys) {
    const spec = space.specs[key];
    point[key] = spec.type === 'choice' ? spec.values[rng.int(spec.values.length)] : fromUnit(spec, rng.next());
  }
  return point;
}

const MAX_ATTEMPTS = 2000;

/**
 * Draws for trial `index` until `draw` gives a valid point not yet seen (up to MAX_ATTEMPTS; a
 * repeat is accepted only when the space has no unseen valid point left that the draws find).
 */
export function drawValid(index: number, seed: number, space: SearchSpace, filter: PointFilter, seen: Set<string>, draw: (rng: Rng, attempt: number) => Point): Point {
  let repeat: Point | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const point = draw(rngFor(seed, index, attempt), attempt);
    if (!filter(point)) continue;
    if (!seen.has(pointKey(space, point))) return point;
    repeat ??= point;
    if (attempt > 200) break;
  }
  if (repeat) return repeat;
  throw new IftbError(ErrorCode.INPUT_INVALID, `no valid point found in ${MAX_ATTEMPTS} draws: the constraints (${space.constraints.map((c) => c.source).join('; ')}) or the strategy's parameter rules exclude (nearly) the whole space`);
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly adaptive = false;
  readonly capacity = Infinity;

  constructor(private readonly space: SearchSpace, private readonly seed: number, private readonly filter: PointFilter) {}

  propose(start: number, count: number): Point[] {
    const seen = new Set<string>();
    const out: Point[] = [];
    // Earlier trials of the same call count as seen; trials before `start` are re-drawn (cheap) so
    // a trial's point never depends on which earlier trials have finished.
    for (let i = 0; i < start + count; i++) {
      const point = drawValid(i, this.seed, this.space, this.filter, seen, (rng) => uniformPoint(this.space, rng));
      seen.add(pointKey(this.space, point));
      if (i >= start) out.push(point);
    }
    return out;
  }
}

/** Default levels of a float parameter without a step on a grid. */
export const GRID_FLOAT_LEVELS = 5;

/** Every valid point of the lattice, in key order (last key fastest), filtered by constraints. */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  readonly adaptive = false;
  readonly #points: Point[];

  constructor(space: SearchSpace, filter: PointFilter, maxPoints = 1_000_000) {
    const axes = space.keys.map((key) => {
      const spec = space.specs[key];
      if (spec.type === 'choice') return spec.values;
      const n = Number.isFinite(levels(spec)) ? levels(spec) : GRID_FLOAT_LEVELS;
      return Array.from({length: n}, (_, k) => fromUnit(spec, n === 1 ? 0.5 : grain(spec, k, n)));
    });
    const size = axes.reduce((a, v) => a * v.length, 1);
    if (size > maxPoints) throw new IftbError(ErrorCode.INPUT_INVALID, `the grid has ${size} points (more than ${maxPoints}); coarsen the steps or use --sampler random|tpe`);
    this.#points = [];
    const seen = new Set<string>();
    const index = new Array<number>(axes.length).fill(0);
    for (let n = 0; n < size; n++) {
      const point = Object.fromEntries(space.keys.map((key, k) => [key, axes[k][index[k]]]));
      const key = pointKey(space, point);
      if (!seen.has(key) && filter(point)) this.#points.push(point);
      seen.add(key);
      for (let k = axes.length - 1; k >= 0; k--) {
        if (++index[k] < axes[k].length) break;
        index[k] = 0;
      }
    }
    if (this.#points.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, 'no point of the grid satisfies the constraints');
  }

  get capacity(): number {
    return this.#points.length;
  }

  propose(start: number, count: number): Point[] {
    return this.#points.slice(start, start + count);
  }
}

/** Unit coordinate of level k of n on a lattice: ints/stepped floats hit their values exactly via snap. */
function grain(spec: Exclude<SearchSpace['specs'][string], {type: 'choice'}>, k: number, n: number): number {
  if (spec.type === 'int' && !spec.log) return (k + 0.5) / n;
  if (spec.step !== undefined && !spec.log) return (k * spec.step) / (spec.max - spec.min || 1);
  return k / (n - 1);
}
