import type {JournalEvent, TradingState} from '../core/index.js';

/**
 * The trading state as the gate last journaled it (its `state` events; active before the first):
 * what the bot trades under, read without asking the gate, whose status() may journal a change.
 * The journal is read incrementally.
 */
export function journaledState(loop: {readonly journal: readonly JournalEvent[]}): () => TradingState {
  let seen = 0;
  let state: TradingState = 'active';
  return () => {
    const journal = loop.journal;
    for (; seen < journal.length; seen++) {
      const e = journal[seen];
      if (e.type === 'state') state = e.to;
    }
    return state;
  };
}
