import {describe, expect, it} from 'vitest';
import {importFile, storedSeriesQuality} from '../../../src/adapters/duckdb/index.js';
import {barColumnsFromBars, type SeriesKey} from '../../../src/core/index.js';
import {fixtureDataFile, HOUR, makeBars, MINUTE, NO_REAL_DATA, realDataFile, T0} from '../../support/candle-files.js';
import {useTempStores} from '../../support/duckdb-stores.js';

const SPOT: SeriesKey = {exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h'};
const PERP_1M: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m'};

describe('storedSeriesQuality', () => {
  const temp = useTempStores();

  const spot = realDataFile('btcusdt_spot_1h.csv.gz');
  const perp1m = realDataFile('btcusdt_perp_1m.csv.gz');

  it('finds the first two gaps of the real BTC spot 1h history in its shipped first 1,000 rows', async () => {
    const {store} = await temp.open();
    await importFile(store.db, {file: fixtureDataFile('btcusdt_spot_1h@0.csv.gz'), kind: 'candles', ...SPOT});
    const quality = await storedSeriesQuality(store.db, 'candles', SPOT);
    // ../shared/data/README.md lists them: 2018-01-04 03:00 (1), 2018-02-08 00:00 (33).
    expect(quality).toMatchObject({rows: 1_000, gaps: 2, missing: 34, firstMs: Date.UTC(2018, 0, 1), lastMs: Date.UTC(2018, 1, 13, 1)});
    const {gap, ...others} = quality.counts;
    expect(gap).toBe(2);
    expect(Object.values(others).every((n) => n === 0)).toBe(true);
    expect(quality.issues.map((i) => [i.kind, i.at, i.detail])).toEqual([
      ['gap', '2018-01-04T03:00:00.000Z', '1 missing candle(s) after this one'],
      ['gap', '2018-02-08T00:00:00.000Z', '33 missing candle(s) after this one'],
    ]);
  });

  it('reports the shipped real BTC perpetual 1m slice as complete', async () => {
    const {store} = await temp.open();
    await importFile(store.db, {file: fixtureDataFile('btcusdt_perp_1m@0.csv.gz'), kind: 'candles', ...PERP_1M});
    const quality = await storedSeriesQuality(store.db, 'candles', PERP_1M);
    expect(quality).toMatchObject({rows: 1_500, gaps: 0, missing: 0, issues: [], firstMs: Date.UTC(2025, 4, 4, 15, 33)});
    expect(quality.lastMs! - quality.firstMs!).toBe((1_500 - 1) * MINUTE);
  });

  it.skipIf(!spot)(`finds the 27 gaps (122 missing candles) of the whole real BTC spot 1h history, as its README lists them${spot ? '' : ` — ${NO_REAL_DATA}`}`, async () => {
    const {store} = await temp.open();
    await importFile(store.db, {file: spot!, kind: 'candles', ...SPOT});
    const quality = await storedSeriesQuality(store.db, 'candles', SPOT);

    expect(quality.rows).toBe(73_265);
    expect(quality.gaps).toBe(27);
    expect(quality.missing).toBe(122);
    expect(quality.firstMs).toBe(Date.UTC(2018, 0, 1, 0));
    expect(quality.lastMs).toBe(Date.UTC(2026, 4, 16, 18));
    const {gap, ...others} = quality.counts;
    expect(gap).toBe(27);
    expect(Object.values(others).every((n) => n === 0)).toBe(true);

    // Examples are the last candle before each gap, oldest first: 2018-01-04 03:00 (1), 2018-02-08 00:00 (33), ...
    const gaps = quality.issues.filter((i) => i.kind === 'gap');
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps[0]).toMatchObject({at: '2018-01-04T03:00:00.000Z', timeMs: Date.UTC(2018, 0, 4, 3)});
    expect(gaps[0].detail).toMatch(/\b1\b/);
    expect(gaps[1]).toMatchObject({at: '2018-02-08T00:00:00.000Z'});
    expect(gaps[1].detail).toMatch(/\b33\b/);
    expect(quality.issues.every((i) => i.kind === 'gap')).toBe(true);
  });

  it.skipIf(!perp1m)(`reports the whole real BTC perpetual 1m series as complete, from 2025-05-04 15:33 to 2025-06-24 10:31${perp1m ? '' : ` — ${NO_REAL_DATA}`}`, async () => {
    const {store} = await temp.open();
    await importFile(store.db, {file: perp1m!, kind: 'candles', ...PERP_1M});
    const quality = await storedSeriesQuality(store.db, 'candles', PERP_1M);
    expect(quality).toMatchObject({rows: 73_139, gaps: 0, missing: 0, issues: []});
    expect(quality.firstMs).toBe(Date.UTC(2025, 4, 4, 15, 33));
    expect(quality.lastMs).toBe(Date.UTC(2025, 5, 24, 10, 31));
    expect(quality.lastMs! - quality.firstMs!).toBe((73_139 - 1) * MINUTE);
  });

  it('locates impossible candles in the store by their UTC time', async () => {
    const {store} = await temp.open();
    const key: SeriesKey = {exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '1h'};
    const bars = makeBars(6);
    bars[2] = {...bars[2], high: bars[2].low - 1};
    bars[4] = {...bars[4], volume: -1};
    // Leave out bar 5's neighbour: bars 0..4, then 7 (two missing).
    const stored = [...bars.slice(0, 5), {...bars[5], openTime: T0 + 7 * HOUR}];
    await store.marketData.appendBars(key, barColumnsFromBars(stored));

    const quality = await storedSeriesQuality(store.db, 'candles', key);
    expect(quality).toMatchObject({rows: 6, gaps: 1, missing: 2});
    expect(quality.counts).toMatchObject({'high-below-low': 1, 'high-below-body': 1, 'negative-volume': 1, duplicate: 0, unsorted: 0, nan: 0});
    const at = (kind: string) => quality.issues.filter((i) => i.kind === kind).map((i) => i.at);
    expect(at('high-below-low')).toEqual([new Date(T0 + 2 * HOUR).toISOString()]);
    expect(at('negative-volume')).toEqual([new Date(T0 + 4 * HOUR).toISOString()]);
    expect(at('gap')).toEqual([new Date(T0 + 4 * HOUR).toISOString()]);
  });

  it('checks one series only: another symbol or the mark table does not leak in', async () => {
    const {store} = await temp.open();
    const key: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};
    await store.marketData.appendBars(key, barColumnsFromBars(makeBars(5)));
    await store.marketData.appendBars({...key, symbol: 'ETH/USDT:USDT'}, barColumnsFromBars(makeBars(3, {fromMs: T0 + 100 * HOUR})));
    await store.marketData.appendBars(key, barColumnsFromBars(makeBars(2, {fromMs: T0 + 50 * HOUR})), 'mark');
    expect(await storedSeriesQuality(store.db, 'candles', key)).toMatchObject({rows: 5, gaps: 0, firstMs: T0, lastMs: T0 + 4 * HOUR});
    expect(await storedSeriesQuality(store.db, 'mark_candles', key)).toMatchObject({rows: 2, gaps: 0, firstMs: T0 + 50 * HOUR});
    expect(await storedSeriesQuality(store.db, 'candles', {...key, timeframe: '4h'})).toMatchObject({rows: 0, firstMs: null, lastMs: null, gaps: 0});
  });
});
