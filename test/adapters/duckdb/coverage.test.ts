import {describe, expect, it} from 'vitest';
import {importFile, listCoverage} from '../../../src/adapters/duckdb/index.js';
import {barColumnsFromBars, type FundingColumns} from '../../../src/core/index.js';
import {fixtureDataFile, HOUR, makeBars, T0} from '../../support/candle-files.js';
import {useTempStores} from '../../support/duckdb-stores.js';

function funding(times: readonly number[]): FundingColumns {
  return {
    length: times.length,
    time: Float64Array.from(times),
    rate: Float64Array.from(times, () => 0.0001),
    markPrice: Float64Array.from(times, () => NaN),
  };
}

describe('listCoverage', () => {
  const temp = useTempStores();

  it('is empty for an empty store', async () => {
    const {store} = await temp.open();
    expect(await listCoverage(store.db)).toEqual([]);
  });

  it('lists real spot 1h, perpetual 1m (shipped slices), mark and funding series with their rows, ends and gaps', async () => {
    const {store} = await temp.open();
    const perp = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT'};
    await importFile(store.db, {file: fixtureDataFile('btcusdt_spot_1h@0.csv.gz'), kind: 'candles', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h'});
    await importFile(store.db, {file: fixtureDataFile('btcusdt_perp_1m@0.csv.gz'), kind: 'candles', ...perp, timeframe: '1m'});
    await importFile(store.db, {file: fixtureDataFile('btcusdt_perp_funding.csv.gz'), kind: 'funding', ...perp});
    await store.marketData.appendBars({...perp, timeframe: '1h'}, barColumnsFromBars(makeBars(3)), 'mark');

    expect(await listCoverage(store.db)).toEqual([
      {kind: 'candles', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h',
        firstMs: Date.UTC(2018, 0, 1), lastMs: Date.UTC(2018, 1, 13, 1), rows: 1_000, gaps: 2, missing: 34},
      {kind: 'candles', ...perp, timeframe: '1m',
        firstMs: Date.UTC(2025, 4, 4, 15, 33), lastMs: Date.UTC(2025, 4, 5, 16, 32), rows: 1_500, gaps: 0, missing: 0},
      {kind: 'funding', ...perp, timeframe: '8h',
        firstMs: Date.UTC(2019, 8, 10, 8), lastMs: Date.UTC(2026, 4, 17), rows: 7_323, gaps: 0, missing: 0},
      {kind: 'mark', ...perp, timeframe: '1h', firstMs: T0, lastMs: T0 + 2 * HOUR, rows: 3, gaps: 0, missing: 0},
    ]);
  });

  it('counts a missed funding settlement as a gap but tolerates millisecond jitter', async () => {
    const {store} = await temp.open();
    const step = 8 * HOUR;
    await store.marketData.appendFunding('binanceusdm', 'BTC/USDT:USDT', funding([T0, T0 + step + 7, T0 + 2 * step - 3, T0 + 4 * step, T0 + 5 * step]));
    const [row] = await listCoverage(store.db);
    expect(row).toMatchObject({kind: 'funding', timeframe: '8h', rows: 5, gaps: 1, missing: 1, firstMs: T0, lastMs: T0 + 5 * step});
  });

  it('counts gaps per series, not across series that interleave in time', async () => {
    const {store} = await temp.open();
    const key = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '4h' as const};
    const bars = makeBars(6, {stepMs: 4 * HOUR});
    await store.marketData.appendBars(key, barColumnsFromBars([...bars.slice(0, 2), ...bars.slice(5)]));
    await store.marketData.appendBars({...key, symbol: 'ETH/USDT:USDT'}, barColumnsFromBars(makeBars(6, {stepMs: 4 * HOUR, fromMs: T0 + 4 * HOUR})));
    const rows = await listCoverage(store.db);
    expect(rows.map((r) => [r.symbol, r.timeframe, r.rows, r.gaps, r.missing])).toEqual([
      ['BTC/USDT:USDT', '4h', 3, 1, 3],
      ['ETH/USDT:USDT', '4h', 6, 0, 0],
    ]);
  });
});
