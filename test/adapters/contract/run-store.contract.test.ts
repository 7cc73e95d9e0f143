import {describe, expect, it} from 'vitest';
import type {RunRecord} from '../../../src/core/index.js';
import {events, T0, trade} from './session-fixtures.js';
import {STORE_KINDS, useContractStores} from './stores.js';

const stores = useContractStores();

function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'bt-1', mode: 'backtest', strategy: 'sma-cross', strategyVersion: '1', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h',
    fromMs: T0, toMs: T0 + 86_400_000, config: {fast: 5, nested: {list: [1, 'two', null]}}, configHash: 'h1', dataHash: 'd1',
    metrics: {sharpe: 1.5, maxDrawdown: -0.1, trades: 3, winRate: null}, reportDir: 'reports/bt-1', ...over,
  };
}

describe.each(STORE_KINDS)('RunStore contract (%s)', (kind) => {
  it('saves a run with its journal, cash ledger and trades, and reads them back exactly', async () => {
    const s = await stores.open(kind);
    const journal = events(0, 500);
    const cash = journal.map((e, i) => ({timeMs: e.timeMs, kind: i % 2 ? 'fee' : 'realized-pnl', amount: i * 0.1 - 3, balance: 10_000 + i / 3, orderId: i}));
    await s.runs.save(run(), journal, cash, [trade, {...trade, id: 2, side: 'short', netPnl: -1.5e-9}]);
    const got = await s.runs.get('bt-1');
    expect(got).toMatchObject({...run(), metrics: run().metrics});
    expect(Date.parse(got!.createdAt)).toBeGreaterThan(Date.UTC(2024, 0, 1));
    expect(await s.runs.journal('bt-1')).toEqual(journal);
    expect(await s.runs.cash('bt-1')).toEqual(cash);
    expect(await s.runs.trades('bt-1', 'BTC/USDT:USDT')).toEqual([trade, {...trade, id: 2, side: 'short', netPnl: -1.5e-9}]);
    expect(await s.runs.get('nope')).toBeNull();
  });

  it('replaces a run saved again whole, and lists runs newest first', async () => {
    const s = await stores.open(kind);
    await s.runs.save(run(), events(0, 3), [], [trade]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await s.runs.save(run({runId: 'bt-2', fromMs: null, toMs: null, reportDir: null}), [], [], []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await s.runs.save(run({strategyVersion: '2'}), events(1, 1), [], []);
    expect(await s.runs.journal('bt-1')).toEqual(events(1, 1));
    expect(await s.runs.trades('bt-1', 'BTC/USDT:USDT')).toEqual([]);
    const list = await s.runs.list();
    expect(list.map((r) => [r.runId, r.strategyVersion])).toEqual([['bt-1', '2'], ['bt-2', '1']]);
    expect(list[1]).toMatchObject({fromMs: null, toMs: null, reportDir: null});
  });
});
