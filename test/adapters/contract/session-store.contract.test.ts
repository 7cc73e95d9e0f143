import {describe, expect, it} from 'vitest';
import {ErrorCode} from '../../../src/core/index.js';
import {STORE_KINDS, useContractStores} from './stores.js';
import {bar, commit, fill, MIN, order, sessionRecord, T0, trade} from './session-fixtures.js';

const stores = useContractStores();

describe.each(STORE_KINDS)('SessionStore contract (%s)', (kind) => {
  it('creates a session that is also a runs row, and refuses its id twice', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    expect(await s.sessions.session('p3f9a2c1')).toEqual({...sessionRecord(), symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT']});
    expect(await s.sessions.session('nope')).toBeNull();
    const run = await s.runs.get('p3f9a2c1');
    expect(run).toMatchObject({mode: 'paper', strategy: 'sma-cross', symbol: 'BTC/USDT:USDT,ETH/USDT:USDT', fromMs: T0, toMs: null, config: sessionRecord().config});
    expect((await s.runs.list()).map((r) => r.runId)).toEqual(['p3f9a2c1']);
    await expect(s.sessions.createSession(sessionRecord())).rejects.toMatchObject({code: ErrorCode.INPUT_INVALID});
  });

  it('finds the newest resumable session for a key, whatever the symbol order, never a stopped-final one', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord({sessionId: 'old', startedMs: T0}));
    await s.sessions.createSession(sessionRecord({sessionId: 'new', startedMs: T0 + 1000}));
    await s.sessions.createSession(sessionRecord({sessionId: 'other', accountId: 'acct-2', startedMs: T0 + 2000}));
    const key = {...sessionRecord(), symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT']};
    expect((await s.sessions.resumable(key))?.sessionId).toBe('new');
    await s.sessions.setStatus('new', 'stopped-final', T0 + 9000);
    expect((await s.sessions.resumable(key))?.sessionId).toBe('old');
    await s.sessions.setStatus('old', 'stopped', T0 + 9500);
    expect(await s.sessions.resumable(key)).toMatchObject({sessionId: 'old', status: 'stopped', statusMs: T0 + 9500});
    expect(await s.sessions.resumable({...key, timeframe: '5m'})).toBeNull();
    await expect(s.sessions.setStatus('nope', 'stopped', 1)).rejects.toMatchObject({code: ErrorCode.INPUT_INVALID});
  });

  it('commits bars atomically: journal continues, cash and trades land in the run tables, headline metrics update', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    await s.sessions.commitBar('p3f9a2c1', commit(0, 2, 2));
    await s.sessions.commitBar('p3f9a2c1', commit(1, 3, 1, {trades: [trade], metrics: {equity: 10_001.5, sharpe: 1.25}}));
    await s.sessions.commitBar('p3f9a2c1', commit(2, 3, 0, {cash: []}));
    expect(await s.sessions.bars('p3f9a2c1')).toEqual([bar(0, 2), bar(1, 3), bar(2, 3)]);
    const journal = await s.sessions.journal('p3f9a2c1');
    expect(journal).toEqual([...commit(0, 2, 2).events, ...commit(1, 3, 1).events]);
    expect(await s.runs.journal('p3f9a2c1')).toEqual(journal);
    expect(await s.runs.cash('p3f9a2c1')).toEqual([...commit(0, 2, 2).cash, ...commit(1, 3, 1).cash]);
    expect(await s.runs.trades('p3f9a2c1', 'BTC/USDT:USDT')).toEqual([trade]);
    expect(await s.runs.get('p3f9a2c1')).toMatchObject({metrics: {equity: 10_002, sharpe: null}, toMs: T0 + 3 * MIN});
  });

  it('decides a bar once: another commit of a stored bar is a conflict, the identical retry resolves, a journal gap writes nothing', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    await s.sessions.commitBar('p3f9a2c1', commit(0, 2, 2));
    await s.sessions.commitBar('p3f9a2c1', commit(0, 2, 2)); // retry after a lost COMMIT reply
    await expect(s.sessions.commitBar('p3f9a2c1', {...commit(0, 2, 2), bar: bar(0, 2, {equity: 1})})).rejects.toMatchObject({code: ErrorCode.DATA_CONFLICT});
    await expect(s.sessions.commitBar('p3f9a2c1', commit(1, 5, 2))).rejects.toMatchObject({code: ErrorCode.DATA_CONFLICT});
    expect(await s.sessions.bars('p3f9a2c1')).toEqual([bar(0, 2)]);
    expect(await s.sessions.journal('p3f9a2c1')).toHaveLength(2);
    expect(await s.runs.cash('p3f9a2c1')).toHaveLength(1);
    await expect(s.sessions.commitBar('nope', commit(0, 0, 0))).rejects.toMatchObject({code: ErrorCode.INPUT_INVALID});
  });

  it('stores commands once by id, in arrival order, and marks them applied with the bar that applied them', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    const pause = {commandId: 'c-1', kind: 'pause', reason: 'news', by: 'api', receivedMs: T0 + 30_000, appliedBeforeBarMs: null, outcome: null} as const;
    const kill = {...pause, commandId: 'c-2', kind: 'kill-switch', reason: '긴급 중단', by: 'telegram:42', receivedMs: T0 + 20_000} as const;
    expect(await s.sessions.appendCommand('p3f9a2c1', pause)).toBe(true);
    expect(await s.sessions.appendCommand('p3f9a2c1', kill)).toBe(true);
    expect(await s.sessions.appendCommand('p3f9a2c1', pause)).toBe(false);
    expect(await s.sessions.commands('p3f9a2c1')).toEqual([pause, kill]);
    await s.sessions.commitBar('p3f9a2c1', commit(1, 0, 0, {appliedCommands: [{commandId: 'c-1', outcome: 'ok'}]}));
    expect(await s.sessions.commands('p3f9a2c1')).toEqual([{...pause, appliedBeforeBarMs: T0 + MIN, outcome: 'ok'}, kill]);
  });

  it('upserts orders by client id (NaN prices round-trip) and filters the open ones', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    await s.sessions.upsertOrder(order());
    await s.sessions.upsertOrder(order({clientOrderId: 'p3f9a2c1-2', orderId: -1, type: 'stop-market', stopPrice: 92_000, reduceOnly: true,
      origin: 'protective', parentClientOrderId: 'p3f9a2c1-1', state: 'open', exchangeOrderId: '77', createdMs: T0 + MIN + 1}));
    const filled = order({state: 'filled', exchangeOrderId: '76', filledQty: 0.003, avgPrice: 93_000.1, updatedMs: T0 + MIN + 50, detail: 'ok'});
    await s.sessions.upsertOrder(filled);
    const all = await s.sessions.orders('p3f9a2c1');
    expect(all.map((o) => o.clientOrderId)).toEqual(['p3f9a2c1-1', 'p3f9a2c1-2']);
    expect(all[0]).toEqual(filled);
    expect(Number.isNaN(all[1].price)).toBe(true);
    expect((await s.sessions.orders('p3f9a2c1', {open: true})).map((o) => o.clientOrderId)).toEqual(['p3f9a2c1-2']);
  });

  it('stores each exchange fill once and marks delivery with the bar commit', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    expect(await s.sessions.appendFills([fill('1'), fill('2', {maker: true, timeMs: T0 + MIN + 20})])).toBe(2);
    expect(await s.sessions.appendFills([fill('2'), fill('3', {timeMs: T0 + MIN + 30})])).toBe(1);
    expect(await s.sessions.appendFills([])).toBe(0);
    await s.sessions.commitBar('p3f9a2c1', commit(2, 0, 0, {deliveredFills: [{symbol: 'BTC/USDT:USDT', tradeId: '1'}]}));
    const fills = await s.sessions.fills('p3f9a2c1');
    expect(fills.map((f) => [f.tradeId, f.deliveredAtBarMs, f.maker])).toEqual([['1', T0 + 2 * MIN, false], ['2', null, true], ['3', null, false]]);
    expect(fills[0]).toEqual({...fill('1'), deliveredAtBarMs: T0 + 2 * MIN});
  });

  it('keeps everything across a reopen (a restart)', async () => {
    const s = await stores.open(kind);
    await s.sessions.createSession(sessionRecord());
    await s.sessions.commitBar('p3f9a2c1', commit(0, 1, 1));
    const again = await s.reopen();
    expect(await again.sessions.bars('p3f9a2c1')).toEqual([bar(0, 1)]);
    expect(await again.sessions.journal('p3f9a2c1')).toHaveLength(1);
  });
});
