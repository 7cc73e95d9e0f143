import {describe, expect, it} from 'vitest';
import type {ClosedTrade, JournalEvent, StoredCashEntry} from '../../src/core/index.js';
import {CommitTracker} from '../../src/live/bar-commits.js';

const bar = (t: number) => ({barOpenMs: t, dataAgeMs: 5, decisionLatencyMs: 1, venueRequests: 0, venueErrors: 0, staleData: false, equity: 100, positionQty: 0, committedMs: 0});
const err = (timeMs: number, message: string): JournalEvent => ({type: 'error', timeMs, code: 'IFTB_E_TEST', message});

describe('CommitTracker', () => {
  it('commits what is new since the previous commit: journal, cash entries, closed trades', () => {
    const journal: JournalEvent[] = [];
    const ledger = {entries: [] as StoredCashEntry[], trades: [] as ClosedTrade[]};
    const tracker = new CommitTracker(journal, ledger);
    journal.push(err(1, 'a'), err(2, 'b'));
    ledger.entries.push({timeMs: 1} as StoredCashEntry);
    const first = tracker.next(bar(0), {finalEquity: 100}, {deliveredFills: [], appliedCommands: []});
    expect(first.events).toHaveLength(2);
    expect(first.cash).toHaveLength(1);
    expect(first.bar.journalEnd).toBe(2);
    // Not committed yet: the next commit would still carry the same events.
    expect(tracker.next(bar(0), {}, {deliveredFills: [], appliedCommands: []}).events).toHaveLength(2);
    tracker.committed(first);
    expect(tracker.journalEnd).toBe(2);
    journal.push(err(3, 'c'));
    ledger.trades.push({} as ClosedTrade);
    const second = tracker.next(bar(60_000), {}, {deliveredFills: [{symbol: 'X', tradeId: '7'}], appliedCommands: []});
    expect(second.events).toEqual([err(3, 'c')]);
    expect(second.cash).toEqual([]);
    expect(second.trades).toHaveLength(1);
    expect(second.bar.journalEnd).toBe(3);
    expect(second.deliveredFills).toEqual([{symbol: 'X', tradeId: '7'}]);
  });

  it('compares a replayed slot with the stored journal and reports the first difference', () => {
    const stored = [err(1, 'a'), err(2, 'b'), err(3, 'c')];
    const journal: JournalEvent[] = [];
    const tracker = new CommitTracker(journal, {entries: [], trades: []});
    journal.push(err(1, 'a'), err(2, 'b'));
    expect(tracker.replayed(stored, 2)).toBeNull();
    journal.push(err(3, 'changed'));
    expect(tracker.replayed(stored, 3)).toMatch(/^event 2: replayed .*changed.*, stored .*"c"/);
    journal.push(err(4, 'extra'));
    expect(tracker.replayed(stored, 3)).toBe('1 events replayed, 0 stored');
    expect(tracker.journalEnd).toBe(4);
  });
});
