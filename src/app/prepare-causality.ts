import {
  type Analyzer,
  type AnalyzerContext,
  type BarColumns,
  barViewAt,
  copyBarColumns,
  type FundingSeries,
  type JournalEvent,
  type SignalSlot,
} from '../core/index.js';

/**
 * What the causality check of analyzers' batch `prepare` needs from a finished run: fresh
 * analyzers built exactly as the run built them, the context it prepared them with, and the
 * readings it recorded.
 */
export interface PrepareProbe {
  /** The strategy's analyzers, set up anew (same params, models, LLM answers; journal discarded). */
  analyzers(): readonly Analyzer[];
  readonly context: AnalyzerContext;
}

export interface ProbedRun {
  readonly probe: PrepareProbe;
  readonly bars: BarColumns;
  readonly firstIndex: number;
  readonly journal: Iterable<JournalEvent>;
  readonly engine: {
    readonly recorder: {readonly signals: ReadonlyArray<{readonly id: string; readonly score: Float64Array; readonly confidence: Float64Array; readonly active: Uint8Array}>};
  };
}

export interface PrepareViolation {
  readonly analyzer: string;
  /** The truncated series held bars [0, truncatedAt). */
  readonly truncatedAt: number;
  readonly barIndex: number;
  readonly timeMs: number;
  readonly what: string;
}

export interface CutPlan {
  /** At most this many cut points; every decision bar when they fit (default 3000). */
  readonly maxCuts?: number;
  /** Seed of the sample drawn when the decision bars do not fit. */
  readonly seed?: number;
}

/**
 * Cut points for the prepare check: every decision bar when they fit in `maxCuts`, otherwise every
 * bar an intent was journaled at plus a seeded uniform sample of the other decision bars. A cut at
 * T re-prepares bars [0, T) and compares the reading at T − 1.
 */
export function prepareCuts(run: ProbedRun, plan: CutPlan = {}): number[] {
  const n = run.bars.length;
  const max = plan.maxCuts ?? 3000;
  const first = run.firstIndex;
  if (n - first <= max) return Array.from({length: n - first}, (_, k) => first + k + 1);
  const cuts = new Set<number>();
  const intentTimes = new Set<number>();
  for (const e of run.journal) if (e.type === 'intent') intentTimes.add(e.timeMs);
  const tf = n > 1 ? run.bars.openTime[1] - run.bars.openTime[0] : 0;
  for (let i = first; i < n && cuts.size < max; i++) if (intentTimes.has(run.bars.openTime[i] + tf)) cuts.add(i + 1);
  let state = (plan.seed ?? 1) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let guard = 0; cuts.size < max && guard < 20 * max; guard++) cuts.add(first + 1 + Math.floor(random() * (n - first)));
  return [...cuts].sort((a, b) => a - b);
}

/**
 * Re-runs each analyzer's `prepare` on the series truncated at every cut T (bars [0, T) and the
 * funding settled by bar T − 1's close), then compares its reading at T − 1 with the full run's.
 * A prepare that reads a later bar (or later funding) sees it missing and reads differently.
 * Only analyzers with a `prepare` are checked: `update` sees a bounded view and cannot look ahead.
 */
export async function checkPrepareCausality(run: ProbedRun, cuts: readonly number[]): Promise<PrepareViolation[]> {
  const template = run.probe.analyzers();
  const indices = template.flatMap((a, k) => (typeof a.prepare === 'function' ? [k] : []));
  if (indices.length === 0) return [];
  const recorded = run.engine.recorder.signals;
  const violations: PrepareViolation[] = [];
  const failed = new Set<number>();
  const slot: SignalSlot = {score: 0, confidence: 0, active: false};
  const tf = run.probe.context.timeframeMs;
  for (const cut of cuts) {
    const last = cut - 1;
    const prefix = copyBarColumns(run.bars, cut);
    const context: AnalyzerContext = {timeframeMs: tf, funding: fundingUpTo(run.probe.context.funding, prefix.openTime[last] + tf)};
    const fresh = run.probe.analyzers();
    for (const k of indices) {
      if (failed.has(k)) continue;
      const analyzer = fresh[k];
      await analyzer.prepare!(prefix, last, cut, context);
      analyzer.update(barViewAt(prefix, last), slot);
      const r = recorded[k];
      const same = Object.is(slot.score, r.score[last]) && Object.is(slot.confidence, r.confidence[last]) && (slot.active ? 1 : 0) === r.active[last];
      if (!same) {
        failed.add(k);
        violations.push({
          analyzer: analyzer.id, truncatedAt: cut, barIndex: last, timeMs: run.bars.openTime[last],
          what: `${analyzer.id} prepare read ${slot.active ? slot.score : 'abstain'} with the series cut after this bar, ${r.active[last] === 1 ? r.score[last] : 'abstain'} with the full series`,
        });
      }
    }
    if (failed.size === indices.length) break;
  }
  return violations;
}

function fundingUpTo(funding: FundingSeries | null, closeMs: number): FundingSeries | null {
  if (funding === null) return null;
  let n = 0;
  while (n < funding.length && funding.time[n] <= closeMs) n++;
  return {...funding, length: n, time: funding.time.slice(0, n), rate: funding.rate.slice(0, n), markPrice: funding.markPrice.slice(0, n)};
}
