import {describe, expect, it} from 'vitest';
import {importInstrumentFile} from '../../src/adapters/binance/instrument-import.js';
import {type DuckDbStore, importFile} from '../../src/adapters/duckdb/index.js';
import {executeBacktest, runBacktest, type BacktestRun} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {ErrorCode, isIftbError, type JournalEvent} from '../../src/core/index.js';
import {Grid} from '../../src/sim/index.js';
import {HOUR, makeBars, writeCandleCsv} from '../support/candle-files.js';
import {useTempStores} from '../support/duckdb-stores.js';
import {EXCHANGE_INFO_JAN, EXCHANGE_INFO_MAR, JAN, LEVERAGE_BRACKETS, MAR} from '../support/instrument-fixtures.js';

const SOL = 'SOL/USDT:USDT';
const FEB = Date.UTC(2025, 1, 1);
const APR = Date.UTC(2025, 3, 1);
/** Fixed quantity off SOLUSDT's 0.1 step (and on BTC's 0.001), so the floor to the symbol's own step shows. */
const BASE = {
  strategy: 'sma-cross', params: {fast: 5, slow: 20, qty: 12.345}, symbol: SOL, timeframe: '1h', funding: false, cash: 100_000,
  risk: {stopLossPct: 1.5}, breaker: {lossStreak: {enabled: false}},
};

const of = <T extends JournalEvent['type']>(journal: readonly JournalEvent[], type: T) =>
  journal.filter((e): e is Extract<JournalEvent, {type: T}> => e.type === type);

/** A store with four months of SOL hourly candles imported from a CSV, and the two saved exchangeInfo responses. */
async function solStore(temp: ReturnType<typeof useTempStores>, symbol = SOL): Promise<DuckDbStore> {
  const {store, dir} = await temp.open();
  const bars = makeBars(24 * 120, {fromMs: JAN, price: 150.123456, seed: 11});
  const file = writeCandleCsv(dir, 'sol-1h.csv', bars);
  await importFile(store.db, {file, kind: 'candles', exchange: 'binanceusdm', symbol, timeframe: '1h'});
  await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
  await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_MAR, kind: 'exchange-info'});
  return store;
}

function priceLevels(run: BacktestRun): {fills: number[]; stops: number[]; qtys: number[]} {
  const orders = of(run.journal.toArray(), 'order').map((e) => e.order);
  return {
    fills: of(run.journal.toArray(), 'fill').map((e) => e.fill.price),
    stops: orders.flatMap((o) => (o.attached?.stopLoss === undefined ? [] : [o.attached.stopLoss])),
    qtys: [...orders.map((o) => o.qty), ...of(run.journal.toArray(), 'fill').map((e) => e.fill.qty)],
  };
}

describe('backtesting a symbol imported from a CSV with its instrument file', () => {
  const temp = useTempStores();

  it('rounds prices to its own tick (0.001 from March) and quantities to its own step (0.1)', async () => {
    const store = await solStore(temp);
    const run = await runBacktest(store, {...BASE, fromMs: Date.UTC(2025, 2, 10), toMs: APR});
    const {fills, stops, qtys} = priceLevels(run);
    expect(fills.length).toBeGreaterThan(10);
    expect(stops.length).toBeGreaterThan(5);
    const tick = new Grid(0.001);
    const cent = new Grid(0.01);
    for (const price of [...fills, ...stops]) expect(tick.isMultiple(price), `${price} on the 0.001 tick`).toBe(true);
    // not merely on a coarser grid: many levels use the third decimal
    expect([...fills, ...stops].filter((p) => !cent.isMultiple(p)).length).toBeGreaterThan(fills.length / 2);
    const step = new Grid(0.1);
    for (const qty of qtys) expect(step.isMultiple(qty), `${qty} on the 0.1 step`).toBe(true);
    expect(of(run.journal.toArray(), 'order').find((e) => !e.order.reduceOnly)?.order.qty).toBe(12.3);
    expect(run.instrument).toMatchObject({symbol: SOL, rules: {asOfMs: MAR}, spec: {tickSize: 0.001, stepSize: 0.1, minNotional: 5, liquidationFeeRate: 0.015}});
  });

  it('uses the spec in force at the first decision bar: the 0.01 tick in February, noted when March falls in the range', async () => {
    const store = await solStore(temp);
    const feb = await runBacktest(store, {...BASE, fromMs: FEB, toMs: Date.UTC(2025, 1, 25)});
    const cent = new Grid(0.01);
    const {fills, stops} = priceLevels(feb);
    expect(fills.length).toBeGreaterThan(5);
    for (const price of [...fills, ...stops]) expect(cent.isMultiple(price), `${price} on the 0.01 tick`).toBe(true);
    expect(feb.instrument.rules.asOfMs).toBe(JAN);
    expect(feb.instrument.notes.filter((n) => n.includes('newer instrument spec'))).toEqual([]);

    const spanning = await runBacktest(store, {...BASE, fromMs: FEB, toMs: Date.UTC(2025, 2, 15)});
    expect(spanning.instrument.rules.asOfMs).toBe(JAN);
    expect(spanning.instrument.notes).toContain(
      "a newer instrument spec for SOL/USDT:USDT (as of 2025-03-01T00:00:00.000Z) takes effect inside the run's range; the run keeps the one in force at its first decision bar");
    expect(feb.runId).not.toBe((await runBacktest(store, {...BASE, fromMs: Date.UTC(2025, 2, 5), toMs: Date.UTC(2025, 2, 25)})).runId);
  });

  it('records the spec, its hash and the default brackets in run.json and the run id; an override changes both', async () => {
    const store = await solStore(temp);
    const config = {...BASE, fromMs: Date.UTC(2025, 2, 10), toMs: APR};
    const run = await runBacktest(store, config);
    const summary = summarizeRun(run);
    const stored = (await store.instruments.rules('binanceusdm', SOL)).find((v) => v.asOfMs === MAR)!;
    expect(summary.instrument).toMatchObject({
      rules: {asOf: '2025-03-01T00:00:00.000Z', hash: stored.hash, source: stored.source},
      defaultBrackets: true,
      brackets: {asOf: null, source: 'default: IFTB conservative schedule'},
      overrides: [],
    });
    expect(summary.instrument.notes.some((n) => n.startsWith('no leverage brackets stored for SOL/USDT:USDT: using'))).toBe(true);
    expect(run.resolvedConfig.instrumentSpec).toEqual({
      rules: {asOfMs: MAR, hash: stored.hash}, brackets: {asOfMs: null, hash: summary.instrument.brackets.hash}, effectiveHash: summary.instrument.effectiveHash,
    });
    // run.json's config replays as a config (the identity fields live beside it)
    expect((summary.config as Record<string, unknown>).instrumentSpec).toBeUndefined();
    expect((await runBacktest(store, summary.config)).runId).toBe(run.runId);

    const cheaper = await runBacktest(store, {...config, instrument: {takerFeeRate: 0.0004}});
    expect(cheaper.runId).not.toBe(run.runId);
    expect(cheaper.instrument.overrides).toEqual(['takerFeeRate']);
    const taker = of(cheaper.journal.toArray(), 'fill').map((e) => e.fill).filter((f) => f.liquidity === 'taker');
    expect(taker.length).toBeGreaterThan(0);
    for (const f of taker) expect(f.fee).toBeCloseTo(f.qty * f.price * 0.0004, 9);
    // the old flag keys still work, and win over the instrument key
    const flag = await runBacktest(store, {...config, instrument: {takerFeeRate: 0.0004}, takerFee: 0.0003});
    for (const f of of(flag.journal.toArray(), 'fill').map((e) => e.fill).filter((x) => x.liquidity === 'taker')) expect(f.fee).toBeCloseTo(f.qty * f.price * 0.0003, 9);
  });

  it('trades on imported brackets once they are stored', async () => {
    const store = await solStore(temp);
    await importInstrumentFile(store.instruments, {file: LEVERAGE_BRACKETS, kind: 'brackets', asOfMs: MAR});
    const run = await runBacktest(store, {...BASE, fromMs: Date.UTC(2025, 2, 10), toMs: APR});
    expect(run.instrument.defaultBrackets).toBe(false);
    expect(run.instrument.spec.brackets.map((b) => b.maxLeverage)).toEqual([75, 50, 25, 10, 5]);
    expect(run.instrument.notes).toEqual([]);
  });

  it('fails with one line naming the fix for a symbol with candles but no spec', async () => {
    const store = await solStore(temp, 'AVAX/USDT:USDT');
    const error = await runBacktest(store, {...BASE, symbol: 'AVAX/USDT:USDT', fromMs: FEB, toMs: MAR}).then(() => null, (e: unknown) => e);
    expect(isIftbError(error, ErrorCode.DATA_MISSING)).toBe(true);
    expect((error as Error).message).toBe(
      'no instrument spec for AVAX/USDT:USDT on binanceusdm: run `iftb data instruments sync --symbols AVAX/USDT:USDT` (offline: `iftb data instruments import exchangeInfo.json`)');
  });

  it('gives a BTC run the seeded built-in spec: the same run id with or without the store', async () => {
    const {store, dir} = await temp.open();
    const file = writeCandleCsv(dir, 'btc.csv', makeBars(24 * 40, {fromMs: Date.UTC(2024, 0, 1), price: 42_000, seed: 3}));
    await importFile(store.db, {file, kind: 'candles', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'});
    const viaStore = await runBacktest(store, {...BASE, symbol: 'BTC/USDT:USDT', params: {fast: 5, slow: 20, qty: 0.05}, fromMs: Date.UTC(2024, 0, 5)});
    const {bars, firstIndex} = viaStore;
    const storeless = await executeBacktest(viaStore.config, viaStore.strategy, {bars, mark: null, funding: null, firstIndex});
    expect(storeless.runId).toBe(viaStore.runId);
    expect(viaStore.instrument).toMatchObject({rules: {source: 'builtin', asOfMs: 0}, brackets: {source: 'builtin'}, defaultBrackets: false});
    expect(of(viaStore.journal.toArray(), 'fill').length).toBeGreaterThan(0);
    expect(HOUR).toBe(3_600_000);
  });
});
