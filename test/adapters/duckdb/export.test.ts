import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {exportSeries, importFile} from '../../../src/adapters/duckdb/index.js';
import {barColumnsFromBars, ErrorCode, type FundingColumns, IftbError, type SeriesKey} from '../../../src/core/index.js';
import {HOUR, makeBars, T0} from '../../support/candle-files.js';
import {useTempStores} from '../../support/duckdb-stores.js';

const KEY: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};
const ALL = {fromMs: -Infinity, toMs: Infinity};

const columns = (s: {openTime: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array}) =>
  [s.openTime, s.open, s.high, s.low, s.close, s.volume].map((c) => [...c]);

describe('exportSeries', () => {
  const temp = useTempStores();

  it.each(['parquet', 'csv'] as const)('writes candles to %s that re-import into a fresh store with equal columns', async (format) => {
    const {store, dir} = await temp.open();
    // Add a second symbol, a mark series and another timeframe so the export has to pick one series.
    await store.marketData.appendBars(KEY, barColumnsFromBars(makeBars(200)));
    await store.marketData.appendBars({...KEY, symbol: 'ETH/USDT:USDT'}, barColumnsFromBars(makeBars(50, {seed: 2})));
    await store.marketData.appendBars(KEY, barColumnsFromBars(makeBars(20, {seed: 3})), 'mark');
    await store.marketData.appendBars({...KEY, timeframe: '4h'}, barColumnsFromBars(makeBars(20, {seed: 4, stepMs: 4 * HOUR})));
    const original = await store.marketData.readBars(KEY, ALL);

    const out = join(dir, 'exports', `btc.${format}`);
    expect(await exportSeries(store.db, KEY, 'candles', ALL, format, out)).toBe(200);
    expect(existsSync(out)).toBe(true);
    if (format === 'csv') expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('open_time_ms,open,high,low,close,volume');

    const {store: fresh} = await temp.open();
    expect(await importFile(fresh.db, {file: out, kind: 'candles', ...KEY})).toMatchObject({rows: 200, inserted: 200});
    expect(columns(await fresh.marketData.readBars(KEY, ALL))).toEqual(columns(original));
    // Back into the store it came from: every row is already there.
    expect(await importFile(store.db, {file: out, kind: 'candles', ...KEY})).toMatchObject({inserted: 0, skipped: 200});
  });

  it('exports only the half-open time range asked for', async () => {
    const {store, dir} = await temp.open();
    await store.marketData.appendBars(KEY, barColumnsFromBars(makeBars(24)));
    const out = join(dir, 'slice.csv');
    expect(await exportSeries(store.db, KEY, 'candles', {fromMs: T0 + 6 * HOUR, toMs: T0 + 12 * HOUR}, 'csv', out)).toBe(6);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([6, 7, 8, 9, 10, 11].map((h) => T0 + h * HOUR));
  });

  it('exports mark candles and funding (NaN mark price and all) for a round trip', async () => {
    const {store, dir} = await temp.open();
    const mark = makeBars(10, {seed: 5}).map((b) => ({...b, volume: 0}));
    await store.marketData.appendBars(KEY, barColumnsFromBars(mark), 'mark');
    const funding: FundingColumns = {
      length: 3,
      time: Float64Array.from([T0, T0 + 8 * HOUR, T0 + 16 * HOUR]),
      rate: Float64Array.from([0.0001, -0.00004037, 0.003]),
      markPrice: Float64Array.from([93_000.1, NaN, 94_000.2]),
    };
    await store.marketData.appendFunding(KEY.exchange, KEY.symbol, funding);

    const {store: fresh} = await temp.open();
    for (const format of ['parquet', 'csv'] as const) {
      const markOut = join(dir, `mark.${format}`);
      const fundingOut = join(dir, `funding.${format}`);
      expect(await exportSeries(store.db, KEY, 'mark', ALL, format, markOut)).toBe(10);
      expect(await exportSeries(store.db, KEY, 'funding', ALL, format, fundingOut)).toBe(3);
      await importFile(fresh.db, {file: markOut, kind: 'mark', ...KEY});
      await importFile(fresh.db, {file: fundingOut, kind: 'funding', exchange: KEY.exchange, symbol: KEY.symbol});
    }
    expect(columns(await fresh.marketData.readBars(KEY, ALL, 'mark'))).toEqual(columns(await store.marketData.readBars(KEY, ALL, 'mark')));
    const read = await fresh.marketData.readFunding(KEY.exchange, KEY.symbol, ALL);
    expect([...read.time]).toEqual([...funding.time]);
    expect([...read.rate]).toEqual([...funding.rate]);
    expect([...read.markPrice]).toEqual([...funding.markPrice]);
  });

  it('refuses with DATA_MISSING, creating no file, when nothing is stored in the range', async () => {
    const {store, dir} = await temp.open();
    await store.marketData.appendBars(KEY, barColumnsFromBars(makeBars(5)));
    const out = join(dir, 'none.parquet');
    for (const [key, range] of [
      [{...KEY, symbol: 'DOGE/USDT:USDT'}, ALL],
      [{...KEY, timeframe: '1d'}, ALL],
      [KEY, {fromMs: T0 + 5 * HOUR, toMs: Infinity}],
    ] as const) {
      const error = await exportSeries(store.db, key, 'candles', range, 'parquet', out).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(IftbError);
      expect((error as IftbError).code).toBe(ErrorCode.DATA_MISSING);
    }
    expect(existsSync(out)).toBe(false);
  });
});
