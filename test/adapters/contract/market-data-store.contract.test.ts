import {describe, expect, it} from 'vitest';
import {barColumnsFromBars, ErrorCode, type FundingColumns, type SeriesKey} from '../../../src/core/index.js';
import {HOUR, makeBars, T0} from '../../support/candle-files.js';
import {STORE_KINDS, useContractStores} from './stores.js';

const stores = useContractStores();
const KEY: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};
const ALL = {fromMs: -Infinity, toMs: Infinity};

function funding(rows: ReadonlyArray<readonly [number, number, number]>): FundingColumns {
  return {length: rows.length, time: Float64Array.from(rows, (r) => r[0]), rate: Float64Array.from(rows, (r) => r[1]), markPrice: Float64Array.from(rows, (r) => r[2])};
}

describe.each(STORE_KINDS)('MarketDataStore contract (%s)', (kind) => {
  it('appends candles idempotently and reads them back as columns, by range and kind', async () => {
    const s = await stores.open(kind);
    const bars = makeBars(48, {fromMs: T0, stepMs: HOUR});
    expect(await s.marketData.appendBars(KEY, barColumnsFromBars(bars.slice(0, 30)))).toEqual({inserted: 30, skipped: 0});
    expect(await s.marketData.appendBars(KEY, barColumnsFromBars(bars.slice(20)))).toEqual({inserted: 18, skipped: 10});
    const read = await s.marketData.readBars(KEY, {fromMs: T0 + 10 * HOUR, toMs: T0 + 20 * HOUR});
    expect(read.length).toBe(10);
    expect([...read.openTime]).toEqual(bars.slice(10, 20).map((b) => b.openTime));
    expect([...read.close]).toEqual(bars.slice(10, 20).map((b) => b.close));
    expect(read.openTime).toBeInstanceOf(Float64Array);
    expect(await s.marketData.lastBarTime(KEY)).toBe(bars[47].openTime);
    expect(await s.marketData.lastBarTime(KEY, 'mark')).toBeNull();
    await s.marketData.appendBars(KEY, barColumnsFromBars(bars.slice(0, 2)), 'mark');
    expect((await s.marketData.readBars(KEY, ALL, 'mark')).length).toBe(2);
  });

  it('refuses a contradicting candle or an off-boundary time and writes nothing of that append', async () => {
    const s = await stores.open(kind);
    const bars = makeBars(10, {fromMs: T0, stepMs: HOUR});
    await s.marketData.appendBars(KEY, barColumnsFromBars(bars.slice(0, 5)));
    const changed = [...bars.slice(3, 10)];
    changed[1] = {...changed[1], close: changed[1].close + 1};
    await expect(s.marketData.appendBars(KEY, barColumnsFromBars(changed))).rejects.toMatchObject({code: ErrorCode.DATA_CONFLICT});
    const twice = [bars[6], {...bars[6], volume: 1}];
    await expect(s.marketData.appendBars(KEY, barColumnsFromBars(twice))).rejects.toMatchObject({code: ErrorCode.DATA_CONFLICT});
    await expect(s.marketData.appendBars(KEY, barColumnsFromBars([{...bars[7], openTime: bars[7].openTime + 1}]))).rejects.toMatchObject({code: ErrorCode.DATA_INVALID});
    expect((await s.marketData.readBars(KEY, ALL)).length).toBe(5);
  });

  it('appends funding idempotently, keeps a missing mark price as NaN, and refuses a contradicting rate', async () => {
    const s = await stores.open(kind);
    const rows: [number, number, number][] = [[T0, 0.0001, 93_000.5], [T0 + 8 * HOUR, -0.00005, NaN], [T0 + 16 * HOUR, 0.0002, 94_000]];
    expect(await s.marketData.appendFunding('binanceusdm', 'BTC/USDT:USDT', funding(rows))).toEqual({inserted: 3, skipped: 0});
    expect(await s.marketData.appendFunding('binanceusdm', 'BTC/USDT:USDT', funding(rows.slice(1)))).toEqual({inserted: 0, skipped: 2});
    const read = await s.marketData.readFunding('binanceusdm', 'BTC/USDT:USDT', ALL);
    expect([...read.time]).toEqual(rows.map((r) => r[0]));
    expect([...read.rate]).toEqual(rows.map((r) => r[1]));
    expect([...read.markPrice]).toEqual(rows.map((r) => r[2]));
    expect(await s.marketData.lastFundingTime('binanceusdm', 'BTC/USDT:USDT')).toBe(T0 + 16 * HOUR);
    await expect(s.marketData.appendFunding('binanceusdm', 'BTC/USDT:USDT', funding([[T0 + 24 * HOUR, 0.1, 1], [T0, 0.5, 1]])))
      .rejects.toMatchObject({code: ErrorCode.DATA_CONFLICT});
    expect((await s.marketData.readFunding('binanceusdm', 'BTC/USDT:USDT', ALL)).length).toBe(3);
  });
});
