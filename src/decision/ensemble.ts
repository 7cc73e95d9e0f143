import {SIGNAL_SOURCES, type SignalReading, type SignalSource} from '../core/index.js';
import {DEFAULT_WEIGHTS, type SourceWeights} from './strategy.js';

/** Mutable ensemble reading the engine updates in place each bar. */
export interface EnsembleSlot {
  score: number;
  confidence: number;
  active: boolean;
}

/**
 * Weighted fusion of the sources' readings. A source's weight is shared equally by its analyzers;
 * abstaining analyzers (and sources weighted 0) are left out and the remaining weights
 * renormalised. Each reading counts as score × confidence, so an unsure source moves the
 * ensemble less than a sure one.
 */
export class EnsembleFuser {
  readonly #weights: Float64Array;

  constructor(readonly sources: readonly SignalSource[], weights: Partial<SourceWeights> = {}) {
    const resolved = {...DEFAULT_WEIGHTS, ...weights};
    for (const source of SIGNAL_SOURCES) {
      if (!(resolved[source] >= 0)) throw new RangeError(`weight of ${source} must be ≥ 0, got ${resolved[source]}`);
    }
    const counts = new Map<SignalSource, number>();
    for (const s of sources) counts.set(s, (counts.get(s) ?? 0) + 1);
    this.#weights = Float64Array.from(sources, (s) => resolved[s] / counts.get(s)!);
  }

  fuse(readings: readonly SignalReading[], out: EnsembleSlot): void {
    let weight = 0;
    let score = 0;
    let confidence = 0;
    for (let k = 0; k < readings.length; k++) {
      const r = readings[k];
      const w = this.#weights[k];
      if (!r.active || w === 0) continue;
      weight += w;
      score += w * r.score * r.confidence;
      confidence += w * r.confidence;
    }
    out.active = weight > 0;
    out.score = weight > 0 ? score / weight : 0;
    out.confidence = weight > 0 ? confidence / weight : 0;
  }
}
