import {describe, expect, it} from 'vitest';
import type {JournalEvent, SessionBar} from '../../src/core/index.js';
import {modelSwaps, modelsAt, modelTimeline} from '../../src/live/model-timeline.js';

const bar = (barOpenMs: number, journalEnd: number): SessionBar => ({
  barOpenMs, journalEnd, dataAgeMs: 0, decisionLatencyMs: 0, venueRequests: 0, venueErrors: 0, staleData: false, equity: 1, positionQty: 0, committedMs: 0,
});
const swap = (model: string, sha256: string, from: string): JournalEvent => ({type: 'model', timeMs: 0, action: 'reload', source: 'ml.m@1', ref: 'm@live', from, model, sha256, by: 'api'});
const other: JournalEvent = {type: 'state', timeMs: 0, from: 'active', to: 'reducing', cause: 'pause'};

describe('model timeline of a session', () => {
  const session = {models: [{ref: 'm@live', model: 'm@1', sha256: 'a'}]};

  it('puts each swap at the first bar whose commit holds it; an uncommitted swap is not there yet', () => {
    // Bar 100: events 0–1; bar 200: 2 (the swap to m@2) and 3; bar 300: 4–5 (m@3 then back, before one bar); then an uncommitted swap.
    const journal = [other, other, swap('m@2', 'b', 'm@1'), other, swap('m@3', 'c', 'm@2'), swap('m@1', 'a', 'm@3'), swap('m@4', 'd', 'm@1')];
    const bars = [bar(100, 2), bar(200, 4), bar(300, 6)];
    const swaps = modelSwaps(bars, journal);
    expect(swaps.map((s) => [s.seq, s.model, s.fromBarMs])).toEqual([[2, 'm@2', 200], [4, 'm@3', 300], [5, 'm@1', 300]]);
    const timeline = modelTimeline(session, swaps);
    // Two swaps before bar 300: the last one scored it.
    expect(timeline.get('m@live')).toEqual([
      {fromBarMs: Number.NEGATIVE_INFINITY, model: 'm@1', sha256: 'a'},
      {fromBarMs: 200, model: 'm@2', sha256: 'b'},
      {fromBarMs: 300, model: 'm@1', sha256: 'a'},
    ]);
    expect([100, 200, 300, 400].map((t) => modelsAt(timeline, t).get('m@live'))).toEqual(['a', 'b', 'a', 'a']);
  });

  it('is the session’s starting models alone when nothing was swapped', () => {
    const timeline = modelTimeline(session, modelSwaps([bar(100, 1)], [other]));
    expect([...timeline]).toEqual([['m@live', [{fromBarMs: Number.NEGATIVE_INFINITY, model: 'm@1', sha256: 'a'}]]]);
  });
});
