/**
 * Per-source attribution of trade PnL.
 *
 * Each closed trade is traced to the decision that opened it: its entry fill (the fill at the
 * trade's entry time that opened the trade's side) → that fill's order → the `intent` event
 * journaled just before the order at the same decision time, which carries every source's score.
 * A source's weighted score is its ensemble weight × its score (the journal keeps scores, not
 * confidences). The trade's net PnL is split among the sources whose weighted score pointed the
 * trade's way, in proportion to |weighted score|; sources pointing the other way ("opposed") or
 * abstaining get none of it. Trades with no traceable intent, or no supporting source, stay
 * unattributed, so attributed + unattributed = total net PnL.
 */
import type {ClosedTrade, JournalEvent, SignalSource} from '../core/index.js';

export interface AttributionSource {
  readonly id: string;
  readonly source: SignalSource;
  readonly weight: number;
}

export interface SourceAttribution extends AttributionSource {
  /** Trades whose entry decision had a reading from this source. */
  readonly withReading: number;
  readonly supported: number;
  readonly opposed: number;
  readonly abstained: number;
  /** Supported trades that won (net PnL > 0). */
  readonly supportedWins: number;
  /** Mean score at entry, signed toward the trade's side (> 0 = agreed), over trades with a reading. */
  readonly meanAlignedScore: number | null;
  readonly pnl: number;
}

export interface Attribution {
  readonly sources: readonly SourceAttribution[];
  readonly trades: number;
  readonly tradesTraced: number;
  readonly unattributedTrades: number;
  readonly unattributedPnl: number;
  readonly totalPnl: number;
}

type Scores = Readonly<Record<string, number | null>>;

/** Entry intent scores of each trade (null when the trade cannot be traced to an intent). */
export function entryScores(journal: readonly JournalEvent[], trades: readonly ClosedTrade[]): Array<Scores | null> {
  const intentOfOrder = new Map<number, Scores>();
  const entryFills = new Map<string, number>();
  let last: {timeMs: number; scores: Scores} | null = null;
  for (const e of journal) {
    if (e.type === 'intent') last = {timeMs: e.timeMs, scores: e.scores};
    else if (e.type === 'order' && last && e.order.createdMs === last.timeMs) intentOfOrder.set(e.order.id, last.scores);
    else if (e.type === 'fill' && !e.fill.reduceOnly) {
      const key = `${e.fill.timeMs}:${e.fill.side}`;
      if (!entryFills.has(key)) entryFills.set(key, e.fill.orderId);
    }
  }
  return trades.map((t) => {
    const orderId = entryFills.get(`${t.entryTimeMs}:${t.side === 'long' ? 'buy' : 'sell'}`);
    return orderId === undefined ? null : (intentOfOrder.get(orderId) ?? null);
  });
}

export function attribute(journal: readonly JournalEvent[], trades: readonly ClosedTrade[], sources: readonly AttributionSource[]): Attribution {
  const scores = entryScores(journal, trades);
  const n = sources.length;
  const withReading = new Array<number>(n).fill(0);
  const supported = new Array<number>(n).fill(0);
  const opposed = new Array<number>(n).fill(0);
  const abstained = new Array<number>(n).fill(0);
  const supportedWins = new Array<number>(n).fill(0);
  const alignedSum = new Array<number>(n).fill(0);
  const pnl = new Array<number>(n).fill(0);
  let traced = 0;
  let unattributedTrades = 0;
  let unattributedPnl = 0;
  let totalPnl = 0;
  const weighted = new Array<number>(n);
  for (let k = 0; k < trades.length; k++) {
    const trade = trades[k];
    totalPnl += trade.netPnl;
    const s = scores[k];
    if (s === null) {
      unattributedTrades++;
      unattributedPnl += trade.netPnl;
      continue;
    }
    traced++;
    const direction = trade.side === 'long' ? 1 : -1;
    let support = 0;
    for (let j = 0; j < n; j++) {
      const score = s[sources[j].id];
      if (typeof score !== 'number' || !Number.isFinite(score)) {
        abstained[j]++;
        weighted[j] = 0;
        continue;
      }
      withReading[j]++;
      alignedSum[j] += direction * score;
      weighted[j] = direction * sources[j].weight * score;
      if (weighted[j] > 0) support += weighted[j];
    }
    if (support === 0) {
      unattributedTrades++;
      unattributedPnl += trade.netPnl;
    }
    for (let j = 0; j < n; j++) {
      if (weighted[j] > 0) {
        supported[j]++;
        if (trade.netPnl > 0) supportedWins[j]++;
        pnl[j] += (trade.netPnl * weighted[j]) / support;
      } else if (weighted[j] < 0) {
        opposed[j]++;
      }
    }
  }
  return {
    sources: sources.map((src, j) => ({
      ...src,
      withReading: withReading[j],
      supported: supported[j],
      opposed: opposed[j],
      abstained: abstained[j],
      supportedWins: supportedWins[j],
      meanAlignedScore: withReading[j] > 0 ? alignedSum[j] / withReading[j] : null,
      pnl: pnl[j],
    })),
    trades: trades.length,
    tradesTraced: traced,
    unattributedTrades,
    unattributedPnl,
    totalPnl,
  };
}
