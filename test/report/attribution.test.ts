import {describe, expect, it} from 'vitest';
import type {ClosedTrade, JournalEvent} from '../../src/core/index.js';
import {attribute, entryScores} from '../../src/report/attribution.js';

const SOURCES = [
  {id: 'ta.composite@1', source: 'ta' as const, weight: 0.4},
  {id: 'ml.xgb@3', source: 'ml' as const, weight: 0.35},
  {id: 'llm.read@v1', source: 'llm' as const, weight: 0.25},
];

function intent(timeMs: number, side: 'long' | 'short', scores: Record<string, number | null>): JournalEvent {
  return {type: 'intent', timeMs, intent: {kind: 'enter', side, reason: 'test'}, scores: scores as Record<string, number>};
}
function order(timeMs: number, id: number, side: 'buy' | 'sell', reduceOnly = false): JournalEvent {
  return {
    type: 'order', timeMs,
    order: {id, clientOrderId: `r-${id}`, symbol: 'BTC/USDT:USDT', side, type: 'market', qty: 1, reduceOnly, reason: 'test', createdMs: timeMs},
  };
}
function fill(timeMs: number, orderId: number, side: 'buy' | 'sell', reduceOnly = false): JournalEvent {
  return {
    type: 'fill', timeMs,
    fill: {orderId, clientOrderId: `r-${orderId}`, symbol: 'BTC/USDT:USDT', side, qty: 1, price: 100, fee: 0, liquidity: 'taker', slippage: 0, timeMs, reason: 'test', reduceOnly},
  };
}
function trade(id: number, side: 'long' | 'short', entryTimeMs: number, netPnl: number): ClosedTrade {
  return {
    id, symbol: 'BTC/USDT:USDT', side, qty: 1, entryTimeMs, exitTimeMs: entryTimeMs + 500, entryPrice: 100, exitPrice: 100, grossPnl: netPnl,
    fees: 0, funding: 0, liquidationFee: 0, netPnl, entryReason: 'test', exitReason: 'test', bars: 1,
  };
}

// 1: long, TA for (0.4·0.5 = 0.2), ML against, LLM abstains → TA takes all +100.
// 2: a denied long at 2500 (intent, no order), then a short at 3000 with TA −0.4 and ML −0.6:
//    weighted toward the short 0.16 and 0.21 → the −50 splits 16/37 and 21/37.
// 3: entry order at 4000 with no intent at that time (e.g. an operator order) → untraced.
// 4: traced, but every reading points the other way → unattributed.
// 5/6: a short closed by a reversal fill at 6000 that opens the long trade 6.
const journal: JournalEvent[] = [
  intent(1000, 'long', {ensemble: 0.3, 'ta.composite@1': 0.5, 'ml.xgb@3': -0.2, 'llm.read@v1': null}),
  order(1000, 1, 'buy'), fill(1000, 1, 'buy'), fill(1500, -2, 'sell', true),
  intent(2500, 'long', {'ta.composite@1': 0.9, 'ml.xgb@3': 0.9, 'llm.read@v1': 0.9}),
  {type: 'denied', timeMs: 2500, reason: 'state-reducing', detail: 'refused'},
  intent(3000, 'short', {'ta.composite@1': -0.4, 'ml.xgb@3': -0.6, 'llm.read@v1': null}),
  order(3000, 2, 'sell'), fill(3000, 2, 'sell'), fill(3500, -3, 'buy', true),
  order(4000, 3, 'buy'), fill(4000, 3, 'buy'), fill(4500, -4, 'sell', true),
  intent(5000, 'long', {'ta.composite@1': -0.1, 'ml.xgb@3': null, 'llm.read@v1': null}),
  order(5000, 4, 'buy'), fill(5000, 4, 'buy'), fill(5400, -5, 'sell', true),
  intent(5500, 'short', {'ta.composite@1': -0.5, 'ml.xgb@3': -0.5, 'llm.read@v1': -0.5}),
  order(5500, 5, 'sell'), fill(5500, 5, 'sell'),
  intent(6000, 'long', {'ta.composite@1': 0.2, 'ml.xgb@3': 0, 'llm.read@v1': 0.8}),
  order(6000, 6, 'buy'), fill(6000, 6, 'buy'), fill(6500, -7, 'sell', true),
];
const trades = [trade(1, 'long', 1000, 100), trade(2, 'short', 3000, -50), trade(3, 'long', 4000, 7), trade(4, 'long', 5000, -3),
  trade(5, 'short', 5500, 30), trade(6, 'long', 6000, 20)];

describe('entryScores', () => {
  it('traces each trade through its entry fill and order to the intent journaled for it', () => {
    const scores = entryScores(journal, trades);
    expect(scores[0]).toMatchObject({'ta.composite@1': 0.5});
    expect(scores[1]).toMatchObject({'ml.xgb@3': -0.6}); // not the denied intent at 2500
    expect(scores[2]).toBeNull();
    expect(scores[5]).toMatchObject({'llm.read@v1': 0.8}); // the reversal fill opened trade 6
  });
});

describe('attribute', () => {
  const a = attribute(journal, trades, SOURCES);
  const by = (id: string) => a.sources.find((s) => s.id === id)!;

  it('splits each trade among the sources that pointed its way, by weight × |score|', () => {
    // TA: 100 + (−50)·16/37 + 30·(0.2/0.5) + 20·(0.08/0.28)
    expect(by('ta.composite@1').pnl).toBeCloseTo(100 - (50 * 16) / 37 + (30 * 0.2) / 0.5 + (20 * 0.08) / 0.28, 10);
    expect(by('ml.xgb@3').pnl).toBeCloseTo((-50 * 21) / 37 + (30 * 0.175) / 0.5, 10);
    expect(by('llm.read@v1').pnl).toBeCloseTo((30 * 0.125) / 0.5 + (20 * 0.2) / 0.28, 10);
  });

  it('counts support, opposition and abstention over traced trades', () => {
    expect(a.tradesTraced).toBe(5);
    expect(by('ta.composite@1')).toMatchObject({withReading: 5, supported: 4, opposed: 1, abstained: 0, supportedWins: 3});
    expect(by('ml.xgb@3')).toMatchObject({withReading: 4, supported: 2, opposed: 1, abstained: 1});
    expect(by('llm.read@v1')).toMatchObject({withReading: 2, supported: 2, opposed: 0, abstained: 3});
    expect(by('ta.composite@1').meanAlignedScore).toBeCloseTo((0.5 + 0.4 - 0.1 + 0.5 + 0.2) / 5, 12);
  });

  it('leaves untraced and unsupported trades unattributed, so the parts add up to the total', () => {
    expect(a.unattributedTrades).toBe(2);
    expect(a.unattributedPnl).toBe(7 - 3);
    expect(a.totalPnl).toBe(104);
    const attributed = a.sources.reduce((s, x) => s + x.pnl, 0);
    expect(attributed + a.unattributedPnl).toBeCloseTo(a.totalPnl, 10);
  });
});
