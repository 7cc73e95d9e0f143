/**
 * A portfolio run's per-symbol views for the report, from the per-slot columns (bars.parquet):
 * each symbol's own bars in its decision window (the slots where it had a bar, from its first
 * decision bar on), readings pooled over the symbols, and the figures run.json's `portfolio`
 * holds, recomputed the same way (src/portfolio/symbol-stats.ts), so the Checks can compare them.
 */
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import {accountExposure, type AccountExposure, pooledAccuracy, type ReadingSeries, returnCorrelation, type ReturnCorrelation} from '../portfolio/symbol-stats.js';
import {hitsOverTime, type Period, type PeriodHits} from './accuracy.js';
import type {BarTrack, LaneTrack, ReportSymbol, SignalTrack} from './types.js';

/** One symbol's columns on its own bars inside its decision window. */
export interface LaneBars extends LaneTrack {
  readonly length: number;
  readonly timeMs: Float64Array;
}

/** The slots of `lane` with a bar (a finite close) that open at or after `firstBarMs`. */
export function laneBars(bars: BarTrack, lane: LaneTrack, firstBarMs: number, timeframeMs: number): LaneBars {
  const slots: number[] = [];
  for (let s = 0; s < bars.length; s++) if (Number.isFinite(lane.close[s]) && bars.timeMs[s] - timeframeMs >= firstBarMs) slots.push(s);
  const f = (c: Float64Array) => Float64Array.from(slots, (s) => c[s]);
  const u = (c: Uint8Array) => Uint8Array.from(slots, (s) => c[s]);
  const track = (t: Omit<SignalTrack, 'id' | 'source'>) => ({score: f(t.score), confidence: f(t.confidence), active: u(t.active)});
  return {
    symbol: lane.symbol, length: slots.length, timeMs: f(bars.timeMs), close: f(lane.close), position: f(lane.position),
    ensemble: track(lane.ensemble), signals: lane.signals.map((s) => ({id: s.id, source: s.source, ...track(s)})),
  };
}

/** Every symbol's LaneBars, in run.json's order (empty for a single-symbol run). */
export function portfolioLanes(bars: BarTrack, symbols: readonly ReportSymbol[], timeframeMs: number): LaneBars[] {
  const lanes = bars.lanes ?? [];
  return symbols.map((s, k) => laneBars(bars, lanes[k], s.firstBarMs, timeframeMs));
}

const series = (lane: LaneBars, t: Omit<SignalTrack, 'id' | 'source'>): ReadingSeries =>
  ({close: lane.close, scores: t.score, confidences: t.confidence, active: t.active, startIndex: 0, endIndex: lane.length});

/** A reading ('ensemble' or an analyzer id) on each symbol that has it. */
function partsOf(lanes: readonly LaneBars[], id: string): Array<{lane: LaneBars; track: Omit<SignalTrack, 'id' | 'source'>}> {
  if (id === 'ensemble') return lanes.map((lane) => ({lane, track: lane.ensemble}));
  return lanes.flatMap((lane) => lane.signals.filter((s) => s.id === id).map((track) => ({lane, track})));
}

/** A reading's accuracy pooled over the symbols, as run.json's `sources` of a portfolio. */
export function pooledReadingAccuracy(lanes: readonly LaneBars[], id: string, horizon: number, buckets?: readonly number[]): SignalAccuracy {
  return pooledAccuracy(partsOf(lanes, id).map((p) => series(p.lane, p.track)), horizon, buckets);
}

/** Hits per period over every symbol (each symbol's hits on its own bars, added up by period). */
export function pooledHitsOverTime(lanes: readonly LaneBars[], id: string, horizon: number, period: Period): PeriodHits[] {
  const byStart = new Map<number, {samples: number; hits: number}>();
  for (const {lane, track} of partsOf(lanes, id)) {
    for (const h of hitsOverTime(lane, track, horizon, period)) {
      const at = byStart.get(h.t) ?? {samples: 0, hits: 0};
      at.samples += h.samples;
      at.hits += h.hits;
      byStart.set(h.t, at);
    }
  }
  return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([t, x]) => ({t, samples: x.samples, hits: x.hits, hitRate: x.hits / x.samples}));
}

/** One symbol's exposure over its own bars: share with a position, mean |qty| × close. */
export function laneExposure(lane: LaneBars): {exposure: number | null; meanNotional: number | null} {
  let inPosition = 0;
  let notional = 0;
  for (let j = 0; j < lane.length; j++) {
    if (lane.position[j] !== 0) inPosition++;
    notional += Math.abs(lane.position[j]) * lane.close[j];
  }
  return lane.length > 0 ? {exposure: inPosition / lane.length, meanNotional: notional / lane.length} : {exposure: null, meanNotional: null};
}

/** Correlation of the symbols' per-slot returns and the account's exposure, from the slot columns. */
export function slotFigures(bars: BarTrack): {correlation: ReturnCorrelation; account: AccountExposure} {
  const lanes = bars.lanes ?? [];
  return {
    correlation: returnCorrelation(lanes.map((l) => l.symbol), lanes.map((l) => l.close)),
    account: accountExposure(bars.equity, lanes.map((l) => l.position), lanes.map((l) => l.close)),
  };
}

/** Slots that closed with any position open (a portfolio's exposure), or bars with a position (one symbol). */
export function exposureSlots(bars: BarTrack): number {
  let n = 0;
  const lanes = bars.lanes;
  for (let i = 0; i < bars.length; i++) {
    if (lanes === undefined ? bars.position[i] !== 0 : lanes.some((l) => l.position[i] !== 0)) n++;
  }
  return n;
}

/** Growth of each symbol's price from its first close in the window (1 = unchanged), NaN where it had no bar. */
export function normalisedCloses(bars: BarTrack): Array<{symbol: string; growth: Float64Array}> {
  return (bars.lanes ?? []).map((lane) => {
    let first = Number.NaN;
    const growth = new Float64Array(bars.length);
    for (let s = 0; s < bars.length; s++) {
      const c = lane.close[s];
      if (first !== first && Number.isFinite(c)) first = c;
      growth[s] = c / first;
    }
    return {symbol: lane.symbol, growth};
  });
}

/**
 * The starting cash split equally over the symbols, each part bought at its symbol's first close
 * in the window and held (unleveraged, no costs); a symbol is valued at its latest close, and its
 * part stays cash until its first bar.
 */
export function equalWeightBasket(bars: BarTrack, cash: number): Float64Array {
  const lanes = bars.lanes ?? [];
  const part = cash / Math.max(1, lanes.length);
  const first = new Float64Array(lanes.length).fill(Number.NaN);
  const last = new Float64Array(lanes.length).fill(Number.NaN);
  const out = new Float64Array(bars.length);
  for (let s = 0; s < bars.length; s++) {
    let value = 0;
    for (let k = 0; k < lanes.length; k++) {
      const c = lanes[k].close[s];
      if (Number.isFinite(c)) {
        if (first[k] !== first[k]) first[k] = c;
        last[k] = c;
      }
      value += first[k] === first[k] ? (part * last[k]) / first[k] : part;
    }
    out[s] = value;
  }
  return out;
}
