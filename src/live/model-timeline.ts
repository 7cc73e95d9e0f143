/**
 * Which model scored each bar of a session. No per-bar column is stored: the session record's
 * `models` (the models at its first bar) and the journal's `model` events are enough, because
 *  - a model event is journaled only between steps (a reload-model command runs in the session's
 *    serial queue, never inside a slot), and
 *  - a swap re-scores every bar not stepped yet (model-reload.ts), so the new model scores exactly
 *    the bars decided after the event;
 * hence each event lies in the commit of the first bar it scored (the first committed bar whose
 * journalEnd is past the event's seq), and every bar's sha256 follows from the record plus the
 * events before it. The restart replay and `iftb live diff` both read the timeline from here.
 */
import type {JournalEvent, SessionBar, SessionRecord} from '../core/index.js';

/** One model serving a source from `fromBarMs` on (−∞ for the session's starting model). */
export interface ServedModel {
  readonly fromBarMs: number;
  readonly model: string;
  readonly sha256: string;
}

/** A journaled swap with the bar it took effect at. */
export interface ModelSwap extends ServedModel {
  /** Index of the event in the journal. */
  readonly seq: number;
  readonly source: string;
  readonly ref: string;
  readonly from: string;
}

/** The committed model events, each with the open time of the first bar it scored. */
export function modelSwaps(bars: readonly SessionBar[], journal: readonly JournalEvent[]): ModelSwap[] {
  const swaps: ModelSwap[] = [];
  let b = 0;
  for (let seq = 0; seq < journal.length; seq++) {
    const e = journal[seq];
    if (e.type !== 'model') continue;
    while (b < bars.length && bars[b].journalEnd <= seq) b++;
    if (b === bars.length) break;
    swaps.push({seq, source: e.source, ref: e.ref, from: e.from, model: e.model, sha256: e.sha256, fromBarMs: bars[b].barOpenMs});
  }
  return swaps;
}

/**
 * Per model reference of the strategy ('xgb-dir@live'): the models that served it, oldest first —
 * the session's starting one, then each swap. A swap names its source; the reference is the one
 * the source resolves, so all sources on one reference (one per symbol) swap together.
 */
export function modelTimeline(session: Pick<SessionRecord, 'models'>, swaps: readonly ModelSwap[]): Map<string, ServedModel[]> {
  const out = new Map<string, ServedModel[]>();
  for (const m of session.models) if (!out.has(m.ref)) out.set(m.ref, [{fromBarMs: Number.NEGATIVE_INFINITY, model: m.model, sha256: m.sha256}]);
  for (const s of swaps) {
    const list = out.get(s.ref);
    if (list === undefined) continue;
    const last = list[list.length - 1];
    if (last.fromBarMs === s.fromBarMs) list[list.length - 1] = {fromBarMs: s.fromBarMs, model: s.model, sha256: s.sha256};
    else if (last.sha256 !== s.sha256) list.push({fromBarMs: s.fromBarMs, model: s.model, sha256: s.sha256});
  }
  return out;
}

/** The sha256 that scored the bar opening at `barOpenMs` on each reference. */
export function modelsAt(timeline: ReadonlyMap<string, readonly ServedModel[]>, barOpenMs: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ref, list] of timeline) {
    let sha = list[0].sha256;
    for (const m of list) if (m.fromBarMs <= barOpenMs) sha = m.sha256;
    out.set(ref, sha);
  }
  return out;
}
