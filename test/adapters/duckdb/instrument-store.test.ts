import {describe, expect, it} from 'vitest';
import {importInstrumentFile} from '../../../src/adapters/binance/instrument-import.js';
import {instrumentContentHash, listMigrations, rollbackLatest, splitSpec} from '../../../src/adapters/duckdb/index.js';
import {ErrorCode, isIftbError} from '../../../src/core/index.js';
import {DEFAULT_INSTRUMENTS} from '../../../src/sim/index.js';
import {useTempStores, tableNames} from '../../support/duckdb-stores.js';
import {EXCHANGE_INFO_JAN, EXCHANGE_INFO_MAR, JAN, LEVERAGE_BRACKETS, MAR} from '../../support/instrument-fixtures.js';

const EX = 'binanceusdm';
const SOL = 'SOL/USDT:USDT';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => {
    throw new Error('expected a rejection');
  }, (error: unknown) => error);
}

describe('instrument store (DuckDB, migration 005)', () => {
  const temp = useTempStores();

  it('seeds the built-in BTC and ETH specs as of time 0, once, whatever the sample seeding', async () => {
    const {store, dir} = await temp.open({seed: false});
    const rules = await store.instruments.rules(EX);
    expect(rules.map((v) => [v.symbol, v.asOfMs, v.source])).toEqual([['BTC/USDT:USDT', 0, 'builtin'], ['ETH/USDT:USDT', 0, 'builtin']]);
    const btc = splitSpec(DEFAULT_INSTRUMENTS['BTC/USDT:USDT']);
    expect(rules[0].rules).toEqual(btc.rules);
    expect(rules[0].hash).toBe(instrumentContentHash(btc.rules));
    const brackets = await store.instruments.brackets(EX, 'BTC/USDT:USDT');
    expect(brackets).toHaveLength(1);
    expect(brackets[0].brackets).toEqual(btc.brackets);
    store.close();
    const {store: again} = await temp.open({dir});
    expect(await again.instruments.rules(EX)).toHaveLength(2);
  });

  it('adds a version only when the content changes: the tick size change is one new row', async () => {
    const {store} = await temp.open();
    const first = await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    expect(first.asOfMs).toBe(JAN);
    expect(first.outcomes.map((o) => o.status)).toEqual(['added', 'added', 'added']);
    // the same file again, and the March file where only SOLUSDT's tick differs
    const again = await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    expect(again.outcomes.map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const march = await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_MAR, kind: 'exchange-info'});
    expect(march.outcomes.map((o) => [o.symbol, o.status])).toEqual([
      ['BTC/USDT:USDT', 'unchanged'], [SOL, 'added'], ['BTC/USDT:USDT-250627', 'unchanged'],
    ]);
    const sol = await store.instruments.rules(EX, SOL);
    expect(sol.map((v) => [v.asOfMs, v.rules.tickSize])).toEqual([[JAN, 0.01], [MAR, 0.001]]);
    expect(sol[0].source).toMatch(/^file exchange-info-2025-01-01\.json sha256:[0-9a-f]{12}$/);
    expect(sol[0].hash).not.toBe(sol[1].hash);
    // a version's content reads back exactly, optional fields included
    expect(sol[1].rules).toMatchObject({exchangeSymbol: 'SOLUSDT', maxQty: 1_000_000, marketMaxQty: 5000, pricePrecision: 4, quantityPrecision: 1, percentPriceUp: 1.05});
    const btc = await store.instruments.rules(EX, 'BTC/USDT:USDT');
    expect(btc.map((v) => v.asOfMs)).toEqual([0, JAN]);
  });

  it('imports saved brackets for symbols a stored spec names, and reports the ids none does', async () => {
    const {store} = await temp.open();
    const none = await rejection(importInstrumentFile(store.instruments, {file: LEVERAGE_BRACKETS, kind: 'brackets', asOfMs: JAN}));
    expect(isIftbError(none, ErrorCode.DATA_MISSING)).toBe(true);
    expect((none as Error).message).toMatch(/no stored spec names any of its 2 symbols; import their exchangeInfo first/);

    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    const report = await importInstrumentFile(store.instruments, {file: LEVERAGE_BRACKETS, kind: 'brackets'}, MAR + 5);
    expect(report.asOfMs).toBe(MAR + 5); // no time in a leverageBracket response: the import time
    expect(report.outcomes.map((o) => [o.symbol, o.status])).toEqual([[SOL, 'added']]);
    expect(report.unknownIds).toEqual(['XRPUSDT']);
    const [stored] = await store.instruments.brackets(EX, SOL);
    expect(stored.brackets.map((b) => b.maxLeverage)).toEqual([75, 50, 25, 10, 5]);
  });

  it('refuses other content at the same as-of time and writes nothing of the batch', async () => {
    const {store} = await temp.open();
    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    const before = await store.instruments.rules(EX);
    const conflict = await rejection(importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_MAR, kind: 'exchange-info', asOfMs: JAN}));
    expect(isIftbError(conflict, ErrorCode.DATA_CONFLICT)).toBe(true);
    expect((conflict as Error).message).toBe(
      'instrument_specs: SOL/USDT:USDT as of 2025-01-01T00:00:00.000Z is already stored with other content; nothing was written');
    expect(await store.instruments.rules(EX)).toEqual(before);
    // a new symbol ahead of the conflicting one in the same call is rolled back with it
    const sol = before.find((v) => v.symbol === SOL)!;
    const batch = [
      {exchange: EX, asOfMs: JAN, source: 't', rules: {...sol.rules, symbol: 'NEW/USDT:USDT'}},
      {exchange: EX, asOfMs: JAN, source: 't', rules: {...sol.rules, tickSize: 0.5}},
    ];
    expect(isIftbError(await rejection(store.instruments.recordRules(batch)), ErrorCode.DATA_CONFLICT)).toBe(true);
    expect(await store.instruments.rules(EX, 'NEW/USDT:USDT')).toEqual([]);
  });

  it('validates what it writes, and does not trust a row edited by hand', async () => {
    const {store} = await temp.open();
    const rules = {...splitSpec(DEFAULT_INSTRUMENTS['BTC/USDT:USDT']).rules, symbol: 'X/USDT:USDT', tickSize: -1};
    const bad = await rejection(store.instruments.recordRules([{exchange: EX, asOfMs: 1, source: 't', rules}]));
    expect(isIftbError(bad, ErrorCode.DATA_INVALID)).toBe(true);
    expect((bad as Error).message).toMatch(/^instrument_specs: X\/USDT:USDT: tickSize: /);

    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    await store.db.run(`UPDATE instrument_specs SET tick_size = 0.5 WHERE symbol = '${SOL}'`);
    const tampered = await rejection(store.instruments.rules(EX, SOL));
    expect((tampered as Error).message).toMatch(/instrument_specs: SOL\/USDT:USDT as of \d+ does not match its content_hash; re-import it/);
  });

  it('rolls migration 005 back, dropping both tables', async () => {
    const {store} = await temp.open();
    expect(await tableNames(store.db)).toEqual(expect.arrayContaining(['instrument_specs', 'instrument_brackets']));
    expect(listMigrations().find((m) => m.version === 5)?.name).toBe('instruments');
    let version: number | null;
    do version = await rollbackLatest(store.db);
    while (version !== null && version > 5);
    expect(version).toBe(5);
    const after = await tableNames(store.db);
    expect(after).not.toContain('instrument_specs');
    expect(after).not.toContain('instrument_brackets');
    expect(after).toContain('llm_answers');
  });
});
