import {describe, expect, it} from 'vitest';
import {type DuckDbMarketDataStore} from '../../../src/adapters/duckdb/index.js';
import {type Bar, barColumnsFromBars, ErrorCode, type FundingColumns, IftbError, type SeriesKey} from '../../../src/core/index.js';
import {HOUR, makeBars, T0} from '../../support/candle-files.js';
import {tableCounts, useTempStores} from '../../support/duckdb-stores.js';

const KEY: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};
const ALL = {fromMs: -Infinity, toMs: Infinity};
const FUNDING_STEP = 8 * HOUR;

function columnsOf(bars: readonly Bar[]) {
  return {
    openTime: bars.map((b) => b.openTime),
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: bars.map((b) => b.volume),
  };
}

function plain(series: {openTime: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array}) {
  return {
    openTime: [...series.openTime],
    open: [...series.open],
    high: [...series.high],
    low: [...series.low],
    close: [...series.close],
    volume: [...series.volume],
  };
}

function funding(rows: ReadonlyArray<readonly [time: number, rate: number, mark: number]>): FundingColumns {
  return {
    length: rows.length,
    time: Float64Array.from(rows, (r) => r[0]),
    rate: Float64Array.from(rows, (r) => r[1]),
    markPrice: Float64Array.from(rows, (r) => r[2]),
  };
}

async function caught(promise: Promise<unknown>): Promise<IftbError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IftbError);
  return error as IftbError;
}

describe('DuckDbMarketDataStore', () => {
  const temp = useTempStores();
  const openMarket = async (): Promise<DuckDbMarketDataStore> => (await temp.open()).store.marketData;

  it('reads appended bars back as Float64Array columns equal to the input, oldest first', async () => {
    const market = await openMarket();
    const bars = makeBars(50);
    expect(await market.appendBars(KEY, barColumnsFromBars(bars))).toEqual({inserted: 50, skipped: 0});

    const series = await market.readBars(KEY, ALL);
    expect(series.key).toEqual(KEY);
    expect(series.length).toBe(50);
    for (const column of [series.openTime, series.open, series.high, series.low, series.close, series.volume]) {
      expect(column).toBeInstanceOf(Float64Array);
      expect(column.length).toBe(50);
    }
    expect(plain(series)).toEqual(columnsOf(bars));
  });

  it('returns bars sorted by open time even when appended in two out-of-order batches', async () => {
    const market = await openMarket();
    const bars = makeBars(20);
    await market.appendBars(KEY, barColumnsFromBars(bars.slice(10)));
    await market.appendBars(KEY, barColumnsFromBars(bars.slice(0, 10)));
    const series = await market.readBars(KEY, ALL);
    expect(plain(series)).toEqual(columnsOf(bars));
  });

  it('reads the half-open range [from, to): the bar at `from` is in, the bar at `to` is out', async () => {
    const market = await openMarket();
    await market.appendBars(KEY, barColumnsFromBars(makeBars(10)));
    const series = await market.readBars(KEY, {fromMs: T0 + 2 * HOUR, toMs: T0 + 5 * HOUR});
    expect([...series.openTime]).toEqual([T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR]);
    // A range between two bars, and one that is empty, give no bars.
    expect((await market.readBars(KEY, {fromMs: T0 + 2 * HOUR + 1, toMs: T0 + 3 * HOUR})).length).toBe(0);
    expect((await market.readBars(KEY, {fromMs: T0 + 5 * HOUR, toMs: T0 + 5 * HOUR})).length).toBe(0);
  });

  it('keeps series apart by symbol, timeframe, exchange and kind', async () => {
    const market = await openMarket();
    await market.appendBars(KEY, barColumnsFromBars(makeBars(5)));
    const mark = makeBars(3, {seed: 9});
    await market.appendBars(KEY, barColumnsFromBars(mark), 'mark');

    expect((await market.readBars({...KEY, symbol: 'ETH/USDT:USDT'}, ALL)).length).toBe(0);
    expect((await market.readBars({...KEY, timeframe: '4h'}, ALL)).length).toBe(0);
    expect((await market.readBars({...KEY, exchange: 'binance'}, ALL)).length).toBe(0);
    expect((await market.readBars(KEY, ALL)).length).toBe(5);
    expect(plain(await market.readBars(KEY, ALL, 'mark'))).toEqual(columnsOf(mark));
  });

  it('skips rows that are already stored with the same values, so a re-append inserts nothing', async () => {
    const market = await openMarket();
    const bars = makeBars(30);
    await market.appendBars(KEY, barColumnsFromBars(bars.slice(0, 20)));
    expect(await market.appendBars(KEY, barColumnsFromBars(bars.slice(0, 20)))).toEqual({inserted: 0, skipped: 20});
    // Overlapping append: only the 10 new bars are written.
    expect(await market.appendBars(KEY, barColumnsFromBars(bars.slice(10)))).toEqual({inserted: 10, skipped: 10});
    expect((await market.readBars(KEY, ALL)).length).toBe(30);
  });

  it('refuses a bar that contradicts a stored one with DATA_CONFLICT and writes none of the batch', async () => {
    const {store} = await temp.open();
    const market = store.marketData;
    const bars = makeBars(10);
    await market.appendBars(KEY, barColumnsFromBars(bars.slice(0, 5)));
    const before = await tableCounts(store.db);

    // Bars 3..9: 3 and 4 are stored; bar 4's close differs; 5..9 are new but must not be written.
    const batch = bars.slice(3).map((b, i) => (i === 1 ? {...b, close: b.close + 0.01} : b));
    const error = await caught(market.appendBars(KEY, barColumnsFromBars(batch)));
    expect(error.code).toBe(ErrorCode.DATA_CONFLICT);
    expect(error.message).toContain(new Date(T0 + 4 * HOUR).toISOString());

    expect(await tableCounts(store.db)).toEqual(before);
    expect(plain(await market.readBars(KEY, ALL))).toEqual(columnsOf(bars.slice(0, 5)));
  });

  it('refuses a batch holding two different bars for one open time', async () => {
    const {store} = await temp.open();
    const [a, b] = makeBars(2);
    const error = await caught(store.marketData.appendBars(KEY, barColumnsFromBars([a, b, {...a, volume: a.volume * 2}])));
    expect(error.code).toBe(ErrorCode.DATA_CONFLICT);
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 0, funding: 0});
  });

  it('stores an exact duplicate inside one batch once', async () => {
    const market = await openMarket();
    const [a, b] = makeBars(2);
    expect(await market.appendBars(KEY, barColumnsFromBars([a, b, b]))).toEqual({inserted: 2, skipped: 1});
    expect((await market.readBars(KEY, ALL)).length).toBe(2);
  });

  it('appending an empty batch writes nothing', async () => {
    const market = await openMarket();
    expect(await market.appendBars(KEY, barColumnsFromBars([]))).toEqual({inserted: 0, skipped: 0});
    expect(await market.lastBarTime(KEY)).toBeNull();
  });

  it('reports the newest bar time per series and kind, or null for an empty series', async () => {
    const market = await openMarket();
    expect(await market.lastBarTime(KEY)).toBeNull();
    await market.appendBars(KEY, barColumnsFromBars(makeBars(7)));
    await market.appendBars(KEY, barColumnsFromBars(makeBars(3)), 'mark');
    expect(await market.lastBarTime(KEY)).toBe(T0 + 6 * HOUR);
    expect(await market.lastBarTime(KEY, 'mark')).toBe(T0 + 2 * HOUR);
    expect(await market.lastBarTime({...KEY, timeframe: '1m'})).toBeNull();
  });

  it('round-trips funding rates, with a missing mark price stored and read back as NaN', async () => {
    const market = await openMarket();
    const rows = funding([
      [T0, 0.0001, 93_500.5],
      [T0 + FUNDING_STEP, -0.00004037, NaN],
      [T0 + 2 * FUNDING_STEP, 0.003, 94_000.25],
    ]);
    expect(await market.appendFunding(KEY.exchange, KEY.symbol, rows)).toEqual({inserted: 3, skipped: 0});

    const read = await market.readFunding(KEY.exchange, KEY.symbol, ALL);
    expect(read.length).toBe(3);
    expect(read.time).toBeInstanceOf(Float64Array);
    expect([...read.time]).toEqual([...rows.time]);
    expect([...read.rate]).toEqual([...rows.rate]);
    expect(read.markPrice[0]).toBe(93_500.5);
    expect(Number.isNaN(read.markPrice[1])).toBe(true);
    expect(read.markPrice[2]).toBe(94_000.25);
    const [{nulls}] = await market.db.rows('SELECT count(*) FILTER (WHERE mark_price IS NULL) AS nulls FROM funding_rates');
    expect(Number(nulls)).toBe(1);

    const window = await market.readFunding(KEY.exchange, KEY.symbol, {fromMs: T0 + FUNDING_STEP, toMs: T0 + 2 * FUNDING_STEP});
    expect([...window.rate]).toEqual([-0.00004037]);
    expect((await market.readFunding(KEY.exchange, 'ETH/USDT:USDT', ALL)).length).toBe(0);
  });

  it('skips repeated funding rows and refuses a contradicting rate without writing anything', async () => {
    const {store} = await temp.open();
    const market = store.marketData;
    const rows = funding([
      [T0, 0.0001, NaN],
      [T0 + FUNDING_STEP, 0.0002, NaN],
    ]);
    await market.appendFunding(KEY.exchange, KEY.symbol, rows);
    expect(await market.appendFunding(KEY.exchange, KEY.symbol, rows)).toEqual({inserted: 0, skipped: 2});

    const error = await caught(
      market.appendFunding(KEY.exchange, KEY.symbol, funding([
        [T0 + 2 * FUNDING_STEP, 0.0003, NaN],
        [T0 + FUNDING_STEP, 0.0009, NaN],
      ])),
    );
    expect(error.code).toBe(ErrorCode.DATA_CONFLICT);
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 0, funding: 2});
  });

  it('reports the newest funding time per symbol, or null when none is stored', async () => {
    const market = await openMarket();
    expect(await market.lastFundingTime(KEY.exchange, KEY.symbol)).toBeNull();
    await market.appendFunding(KEY.exchange, KEY.symbol, funding([
      [T0, 0.0001, NaN],
      [T0 + FUNDING_STEP, 0.0001, NaN],
    ]));
    expect(await market.lastFundingTime(KEY.exchange, KEY.symbol)).toBe(T0 + FUNDING_STEP);
    expect(await market.lastFundingTime(KEY.exchange, 'ETH/USDT:USDT')).toBeNull();
  });
});
