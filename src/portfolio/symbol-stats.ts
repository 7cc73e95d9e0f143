/**
 * Figures of a portfolio run that look across its symbols: one symbol's own bars out of the
 * per-slot columns, a source's accuracy pooled over several symbols, the correlation of the
 * symbols' bar returns and the account's gross exposure. Pure and deterministic (fixed loop
 * order, plain sums), so run.json and the report's recomputation give the same bits.
 */
import {type SignalAccuracy, signalAccuracy} from './signal-accuracy.js';

/** One reading (an analyzer or the ensemble) over a symbol's own bars, with its window. */
export interface ReadingSeries {
  readonly close: Float64Array;
  readonly scores: Float64Array;
  readonly confidences: Float64Array;
  readonly active: Uint8Array;
  /** The symbol's decision window in its own bars: [startIndex, endIndex). */
  readonly startIndex: number;
  readonly endIndex: number;
}

/**
 * A source's accuracy over several symbols at once: each symbol's decision window is laid end to
 * end with `horizon` empty bars between them, so no sample pairs a bar of one symbol with a close
 * of another (signalAccuracy skips a sample whose future close is not a number). With one part it
 * is exactly signalAccuracy of that part.
 */
export function pooledAccuracy(parts: readonly ReadingSeries[], horizonBars: number, buckets?: readonly number[]): SignalAccuracy {
  let n = 0;
  for (const p of parts) n += p.endIndex - p.startIndex + horizonBars;
  const close = new Float64Array(n).fill(Number.NaN);
  const scores = new Float64Array(n).fill(Number.NaN);
  const confidences = new Float64Array(n).fill(Number.NaN);
  const active = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    const length = p.endIndex - p.startIndex;
    close.set(p.close.subarray(p.startIndex, p.endIndex), at);
    scores.set(p.scores.subarray(p.startIndex, p.endIndex), at);
    confidences.set(p.confidences.subarray(p.startIndex, p.endIndex), at);
    active.set(p.active.subarray(p.startIndex, p.endIndex), at);
    at += length + horizonBars;
  }
  return signalAccuracy({close, scores, confidences, active, horizonBars, ...(buckets ? {buckets} : {})});
}

/** Pairwise Pearson correlation of the symbols' bar returns; null where fewer than 3 common returns or no variation. */
export interface ReturnCorrelation {
  readonly symbols: readonly string[];
  readonly matrix: ReadonlyArray<ReadonlyArray<number | null>>;
  /** Slots on which both symbols had a return. */
  readonly samples: ReadonlyArray<ReadonlyArray<number>>;
}

/**
 * Correlation of simple returns close[s] / close[s − 1] − 1 over the slots of a run, per symbol
 * only where it had a bar at both slots (a gap is left out, never filled), pairwise over the slots
 * where both symbols have a return.
 */
export function returnCorrelation(symbols: readonly string[], closes: readonly Float64Array[]): ReturnCorrelation {
  const returns = closes.map((c) => {
    const r = new Float64Array(c.length).fill(Number.NaN);
    for (let s = 1; s < c.length; s++) if (Number.isFinite(c[s]) && Number.isFinite(c[s - 1]) && c[s - 1] !== 0) r[s] = c[s] / c[s - 1] - 1;
    return r;
  });
  const k = closes.length;
  const matrix: Array<Array<number | null>> = [];
  const samples: number[][] = [];
  for (let a = 0; a < k; a++) {
    matrix.push([]);
    samples.push([]);
    for (let b = 0; b < k; b++) {
      const [r, count] = b < a ? [matrix[b][a], samples[b][a]] : pearson(returns[a], returns[b]);
      matrix[a].push(r);
      samples[a].push(count);
    }
  }
  return {symbols: [...symbols], matrix, samples};
}

function pearson(x: Float64Array, y: Float64Array): [number | null, number] {
  let n = 0, sx = 0, sy = 0;
  for (let s = 0; s < x.length; s++) {
    if (x[s] !== x[s] || y[s] !== y[s]) continue;
    n++;
    sx += x[s];
    sy += y[s];
  }
  if (n < 3) return [null, n];
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let s = 0; s < x.length; s++) {
    if (x[s] !== x[s] || y[s] !== y[s]) continue;
    const dx = x[s] - mx;
    const dy = y[s] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const d = Math.sqrt(sxx * syy);
  if (!(d > 0)) return [null, n];
  const r = sxy / d;
  return [r > 1 ? 1 : r < -1 ? -1 : r, n];
}

/** How much of the account was at risk, slot by slot. */
export interface AccountExposure {
  readonly slots: number;
  /** Slots that closed with at least one position open. */
  readonly slotsInMarket: number;
  readonly maxOpenPositions: number;
  readonly meanOpenPositions: number;
  /** Σ |qty| × price over the symbols / equity, at each slot's close: mean and maximum. */
  readonly meanGrossLeverage: number;
  readonly maxGrossLeverage: number;
}

/**
 * Per slot: open positions and gross notional / equity. A position is valued at its symbol's
 * latest close (the price the account marks it at), so a slot where that symbol had no bar uses
 * its previous close: a valuation, not a bar.
 */
export function accountExposure(equity: Float64Array, positions: readonly Float64Array[], closes: readonly Float64Array[]): AccountExposure {
  const n = equity.length;
  const last = new Float64Array(closes.length).fill(Number.NaN);
  let inMarket = 0, maxOpen = 0, sumOpen = 0, sumLev = 0, maxLev = 0;
  for (let s = 0; s < n; s++) {
    let open = 0;
    let gross = 0;
    for (let k = 0; k < closes.length; k++) {
      const c = closes[k][s];
      if (c === c) last[k] = c;
      const q = positions[k][s];
      if (q === 0) continue;
      open++;
      gross += Math.abs(q) * last[k];
    }
    if (open > 0) inMarket++;
    if (open > maxOpen) maxOpen = open;
    sumOpen += open;
    const leverage = equity[s] > 0 ? gross / equity[s] : 0;
    sumLev += leverage;
    if (leverage > maxLev) maxLev = leverage;
  }
  return {
    slots: n, slotsInMarket: inMarket, maxOpenPositions: maxOpen,
    meanOpenPositions: n > 0 ? sumOpen / n : 0, meanGrossLeverage: n > 0 ? sumLev / n : 0, maxGrossLeverage: maxLev,
  };
}
