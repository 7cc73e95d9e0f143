/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011), univariate, in the style of Optuna's
 * default: the observations are split into the best γ and the rest; each parameter gets a Parzen
 * density over its unit interval for both groups (a truncated-Gaussian mixture with a uniform-ish
 * prior component; choices get smoothed counts), candidates are drawn from the good density and
 * the one maximising good/bad is kept. There is no maintained JavaScript hyperparameter library
 * on the registry, so it is written here and tested on functions with known optima.
 */
import {normalCdf} from './normal.js';
import {type Rng} from './random.js';
import {drawValid, type Observation, type PointFilter, type Sampler, uniformPoint} from './sampler.js';
import {type ParamSpec, type Point, pointKey, type SearchSpace, toUnit, fromUnit} from './space.js';

export interface TpeOptions {
  /** Random trials before the model is used (default 10). */
  readonly startup?: number;
  /** Candidates drawn from the good density per parameter (default 24). */
  readonly candidates?: number;
  /** Fraction of observations counted as good (default 0.25, at most 25 points). */
  readonly gamma?: number;
}

interface Parzen {
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  readonly weight: Float64Array;
}

/** Mixture over [0, 1]: one component per observation plus a wide prior at the centre. */
function parzen(values: readonly number[]): Parzen {
  const n = values.length;
  const mu = Float64Array.from([...values, 0.5]);
  const sigma = new Float64Array(n + 1);
  const order = Array.from(mu.keys()).sort((a, b) => mu[a] - mu[b] || a - b);
  const minSigma = 1 / Math.min(100, 1 + n);
  for (let r = 0; r < order.length; r++) {
    const i = order[r];
    if (i === n) continue;
    const left = r > 0 ? mu[i] - mu[order[r - 1]] : mu[i];
    const right = r < order.length - 1 ? mu[order[r + 1]] - mu[i] : 1 - mu[i];
    sigma[i] = Math.min(1, Math.max(minSigma, left, right));
  }
  sigma[n] = 1;
  const weight = new Float64Array(n + 1).fill(1 / (n + 1));
  return {mu, sigma, weight};
}

function logDensity(p: Parzen, u: number): number {
  let sum = 0;
  for (let k = 0; k < p.mu.length; k++) {
    const s = p.sigma[k];
    const z = (u - p.mu[k]) / s;
    const mass = normalCdf((1 - p.mu[k]) / s) - normalCdf(-p.mu[k] / s);
    sum += (p.weight[k] * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(sum, 1e-300));
}

function sampleParzen(p: Parzen, rng: Rng): number {
  let r = rng.next();
  let k = 0;
  while (k < p.weight.length - 1 && r >= p.weight[k]) r -= p.weight[k++];
  for (let attempt = 0; attempt < 100; attempt++) {
    const u = p.mu[k] + p.sigma[k] * rng.normal();
    if (u >= 0 && u <= 1) return u;
  }
  return Math.min(1, Math.max(0, p.mu[k]));
}

/** Smoothed category probabilities (each choice gets a prior count of 1/K·… so none is impossible). */
function categorical(values: readonly (number | string | boolean)[], observed: readonly (number | string | boolean)[]): Float64Array {
  const counts = new Float64Array(values.length).fill(1 / values.length);
  for (const v of observed) {
    const k = values.indexOf(v);
    if (k >= 0) counts[k] += 1;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly adaptive = true;
  readonly capacity = Infinity;
  readonly #startup: number;
  readonly #candidates: number;
  readonly #gamma: number;

  constructor(private readonly space: SearchSpace, private readonly seed: number, private readonly filter: PointFilter, options: TpeOptions = {}) {
    this.#startup = options.startup ?? 10;
    this.#candidates = options.candidates ?? 24;
    this.#gamma = options.gamma ?? 0.25;
  }

  propose(start: number, count: number, history: readonly Observation[]): Point[] {
    const seen = new Set(history.map((o) => pointKey(this.space, o.point)));
    const out: Point[] = [];
    const scored = history.filter((o) => o.value !== null);
    const model = scored.length >= Math.max(2, this.#startup) && history.length >= this.#startup ? this.#fit(history) : null;
    for (let i = start; i < start + count; i++) {
      // A point already tried is drawn again with less greed: first one candidate from the good
      // density instead of the best of many, then uniformly, so a lattice's favourite cell does not repeat.
      const draw = (rng: Rng, attempt: number) =>
        model && attempt < 60 ? this.#suggest(model, rng, attempt < 20 ? this.#candidates : 1) : uniformPoint(this.space, rng);
      const point = drawValid(i, this.seed, this.space, this.filter, seen, draw);
      seen.add(pointKey(this.space, point));
      out.push(point);
    }
    return out;
  }

  /** The good and bad groups: best by value (failed trials rank last), ties by trial order. */
  #fit(history: readonly Observation[]): {good: Point[]; bad: Point[]} {
    const order = Array.from(history.keys()).sort((a, b) => {
      const va = history[a].value;
      const vb = history[b].value;
      if (va === null || vb === null) return va === null && vb === null ? a - b : va === null ? 1 : -1;
      return vb - va || a - b;
    });
    const scored = history.filter((o) => o.value !== null).length;
    const nGood = Math.max(1, Math.min(25, Math.ceil(this.#gamma * scored)));
    return {good: order.slice(0, nGood).map((i) => history[i].point), bad: order.slice(nGood).map((i) => history[i].point)};
  }

  #suggest(model: {good: Point[]; bad: Point[]}, rng: Rng, candidates: number): Point {
    const point: Record<string, number | string | boolean> = {};
    for (const key of this.space.keys) point[key] = this.#suggestOne(this.space.specs[key], key, model, rng, candidates);
    return point;
  }

  #suggestOne(spec: ParamSpec, key: string, model: {good: Point[]; bad: Point[]}, rng: Rng, candidates: number): number | string | boolean {
    if (spec.type === 'choice') {
      const l = categorical(spec.values, model.good.map((p) => p[key]));
      const g = categorical(spec.values, model.bad.map((p) => p[key]));
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < candidates; c++) {
        let r = rng.next();
        let k = 0;
        while (k < l.length - 1 && r >= l[k]) r -= l[k++];
        const score = Math.log(l[k]) - Math.log(g[k]);
        if (score > bestScore) {
          bestScore = score;
          best = k;
        }
      }
      return spec.values[best];
    }
    const units = (points: Point[]) => points.map((p) => toUnit(spec, p[key] as number));
    const l = parzen(units(model.good));
    const g = parzen(units(model.bad));
    let best = 0.5;
    let bestScore = -Infinity;
    for (let c = 0; c < candidates; c++) {
      // Candidates are snapped to the lattice first, so the score is that of a value that can run.
      const value = fromUnit(spec, sampleParzen(l, rng));
      const u = toUnit(spec, value);
      const score = logDensity(l, u) - logDensity(g, u);
      if (score > bestScore) {
        bestScore = score;
        best = value;
      }
    }
    return best;
  }
}
