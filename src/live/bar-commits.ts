/**
 * What a running session writes after each slot: the journal events, cash entries and closed
 * trades since the previous commit, with the slot's measured breaker inputs. On restart, replayed
 * slots are compared with what was committed for them.
 */
import {canonicalJson} from '../config/index.js';
import type {BarCommit, ClosedTrade, JournalEvent, SessionBar, StoredCashEntry} from '../core/index.js';

export interface LedgerRecords {
  readonly entries: readonly StoredCashEntry[];
  readonly trades: readonly ClosedTrade[];
}

export class CommitTracker {
  #journalAt = 0;
  #cashAt = 0;
  #tradesAt = 0;

  constructor(
    private readonly journal: readonly JournalEvent[],
    private readonly ledger: LedgerRecords,
  ) {}

  /** Journal length committed so far. */
  get journalEnd(): number {
    return this.#journalAt;
  }

  /** The commit of everything since the previous one. */
  next(bar: Omit<SessionBar, 'journalEnd'>, metrics: Readonly<Record<string, number | null>>, extra: Pick<BarCommit, 'deliveredFills' | 'appliedCommands'>): BarCommit {
    const events = this.journal.slice(this.#journalAt);
    const cash = this.ledger.entries.slice(this.#cashAt);
    const trades = this.ledger.trades.slice(this.#tradesAt);
    return {bar: {...bar, journalEnd: this.journal.length}, events, cash, trades, metrics, ...extra};
  }

  /** The commit was stored: later commits continue after it. */
  committed(commit: BarCommit): void {
    this.#journalAt = commit.bar.journalEnd;
    this.#cashAt += commit.cash.length;
    this.#tradesAt += commit.trades.length;
  }

  /**
   * A replayed slot: the events it produced against the ones stored for it (`stored` is the whole
   * stored journal, `end` this slot's stored journalEnd). Returns a description of the first
   * difference, or null when they are equal; either way the tracker moves past the slot.
   */
  replayed(stored: readonly JournalEvent[], end: number): string | null {
    const from = this.#journalAt;
    const mine = this.journal.slice(from);
    const theirs = stored.slice(from, end);
    let diff: string | null = null;
    if (mine.length !== theirs.length) diff = `${mine.length} events replayed, ${theirs.length} stored`;
    else {
      for (let k = 0; k < mine.length && diff === null; k++) {
        if (comparable(mine[k]) !== comparable(theirs[k])) diff = `event ${from + k}: replayed ${comparable(mine[k])}, stored ${comparable(theirs[k])}`;
      }
    }
    this.#journalAt = this.journal.length;
    this.#cashAt = this.ledger.entries.length;
    this.#tradesAt = this.ledger.trades.length;
    return diff;
  }
}

/** An event as the store keeps it: JSON has no NaN (an abstaining source's score is stored as null). */
function comparable(event: JournalEvent): string {
  return canonicalJson(JSON.parse(JSON.stringify(event)) as unknown);
}
