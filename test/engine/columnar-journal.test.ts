import {afterEach, describe, expect, it, vi} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import type {JournalEvent} from '../../src/core/index.js';
import {ColumnarJournal} from '../../src/engine/columnar-journal.js';
import {useSampleStore} from '../support/sample-store.js';

const fill = (orderId: number, over: Partial<Extract<JournalEvent, {type: 'fill'}>['fill']> = {}): JournalEvent => ({
  type: 'fill',
  timeMs: 1_000 * orderId,
  fill: {
    orderId, clientOrderId: `run-${orderId}`, symbol: 'BTC/USDT:USDT', side: 'buy', qty: 0.125, price: 60_000.5, fee: 3.75, liquidity: 'taker',
    slippage: 0.5, timeMs: 1_000 * orderId, reason: 'entry', reduceOnly: false, ...over,
  },
});

describe('ColumnarJournal', () => {
  it('gives back every kind of event with the same keys, values and key order', () => {
    const events: JournalEvent[] = [
      fill(1),
      fill(2, {side: 'sell', liquidity: 'maker', reduceOnly: true, reason: 'take-profit', fee: 0}),
      {
        type: 'order', timeMs: 5, order: {
          id: 3, clientOrderId: 'run-3', symbol: 'ETH/USDT:USDT', side: 'sell', type: 'stop-market', qty: 2, price: undefined, stopPrice: 1_800.25,
          reduceOnly: true, reason: 'stop-loss', createdMs: 4, attached: undefined,
        },
      },
      {
        type: 'order', timeMs: 6, order: {
          id: 4, clientOrderId: 'run-4', symbol: 'BTC/USDT:USDT', side: 'buy', type: 'limit', qty: 1, price: 59_000, stopPrice: undefined,
          reduceOnly: false, reason: 'entry', createdMs: 6, attached: {stopLoss: 58_000, takeProfit: 61_000},
        },
      },
      {type: 'intent', timeMs: 7, intent: {kind: 'enter', side: 'short', reason: 'cross'}, scores: {ensemble: -0.5, ta: -0.25, ml: Number.NaN}},
      {type: 'intent', timeMs: 8, intent: {kind: 'exit', reason: 'flat'}, scores: {ensemble: 0, ta: 0.125, ml: 1}, symbol: 'ETH/USDT:USDT'},
      {type: 'intent', timeMs: 9, intent: {kind: 'exit', reason: 'flat'}, scores: {ensemble: 0.5}},
      {type: 'state', timeMs: 10, from: 'active', to: 'halted', cause: 'breaker'},
      {type: 'denied', timeMs: 11, reason: 'halted', detail: 'entry buy 1'},
    ];
    const journal = new ColumnarJournal();
    for (const e of events) journal.sink(e);
    expect(journal.length).toBe(events.length);
    expect(journal.slice()).toStrictEqual(events);
    expect(JSON.stringify(journal.toArray())).toBe(JSON.stringify(events));
    expect(JSON.stringify(journal)).toBe(JSON.stringify(events));
    for (let i = 0; i < events.length; i++) expect(Object.keys(journal.at(i))).toEqual(Object.keys(events[i]));
    expect([...journal].map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(journal.slice(2, 4)).toStrictEqual(events.slice(2, 4));
    expect(() => journal.at(events.length)).toThrow(/no event 9/);
  });

  it('grows past its first allocation and keeps toArray one array, extended as events arrive', () => {
    const journal = new ColumnarJournal();
    for (let k = 1; k <= 3_000; k++) journal.sink(fill(k, {qty: k / 1_000}));
    const first = journal.toArray();
    expect(first).toHaveLength(3_000);
    journal.sink(fill(3_001));
    expect(journal.toArray()).toBe(first);
    expect(first).toHaveLength(3_001);
    expect((journal.at(2_999) as Extract<JournalEvent, {type: 'fill'}>).fill.qty).toBe(3);
  });

  describe('on real runs: what the producers wrote is what the journal gives back', () => {
    const sample = useSampleStore();
    afterEach(() => vi.restoreAllMocks());
    const cases = {
      'ensemble with stop-loss and take-profit orders and a kill switch': {
        strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 6, 1), toMs: Date.UTC(2024, 9, 1),
        risk: {stopLossPct: 2, takeProfitPct: 4},
        operatorActions: [{atMs: Date.UTC(2024, 7, 1), action: 'kill-switch', reason: 'drill'}, {atMs: Date.UTC(2024, 7, 3), action: 'deactivate-kill-switch'}],
      },
      'a two-symbol portfolio': {
        strategy: 'sma-cross', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], timeframe: '1h', fromMs: Date.UTC(2024, 6, 1), toMs: Date.UTC(2024, 8, 1),
      },
    };
    for (const [name, config] of Object.entries(cases)) {
      it(name, async () => {
        const written: JournalEvent[] = [];
        const push = ColumnarJournal.prototype.push;
        vi.spyOn(ColumnarJournal.prototype, 'push').mockImplementation(function (this: ColumnarJournal, e: JournalEvent) {
          written.push(e);
          push.call(this, e);
        });
        const run = await runBacktest(sample.store(), config);
        const types = new Set(written.map((e) => e.type));
        for (const t of ['intent', 'order', 'fill', 'funding']) expect(types).toContain(t);
        if ('risk' in config) {
          expect(types).toContain('kill-switch');
          expect(written.some((e) => e.type === 'order' && e.order.attached !== undefined)).toBe(true);
        } else {
          expect(written.some((e) => e.type === 'intent' && e.symbol === 'ETH/USDT:USDT')).toBe(true);
        }
        expect(run.journal.length).toBe(written.length);
        expect(run.journal.toArray()).toStrictEqual(written);
        expect(JSON.stringify(run.journal.toArray())).toBe(JSON.stringify(written));
      });
    }
  });
});
