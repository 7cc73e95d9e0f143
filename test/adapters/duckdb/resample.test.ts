import {describe, expect, it} from 'vitest';
import {importFile, resampleBars} from '../../../src/adapters/duckdb/index.js';
import {barColumnsFromBars, ErrorCode, IftbError, type SeriesKey} from '../../../src/core/index.js';
import {fixtureDataFile, HOUR, makeBars, MINUTE, NO_REAL_DATA, realDataFile, T0} from '../../support/candle-files.js';
import {tableCounts, useTempStores} from '../../support/duckdb-stores.js';

const ALL = {fromMs: -Infinity, toMs: Infinity};
const M1: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m'};
const H1: SeriesKey = {...M1, timeframe: '1h'};

async function caught(promise: Promise<unknown>): Promise<IftbError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IftbError);
  return error as IftbError;
}

describe('resampleBars', () => {
  const temp = useTempStores();

  /** Resamples real 1m candles to 1h and compares every hour with Binance's own 1h candles. */
  async function resampleMatchesBinance(m1File: string, h1File: string, expected: {full: number; first: number; last: number}) {
    const {store} = await temp.open();
    await importFile(store.db, {file: m1File, kind: 'candles', ...M1});
    // The exchange's own 1h candles, under another symbol so they do not mix with the resampled ones.
    const reference: SeriesKey = {...H1, symbol: 'REF/USDT:USDT'};
    await importFile(store.db, {file: h1File, kind: 'candles', ...reference});

    const report = await resampleBars(store.db, M1, '1h');
    // The first and last hours are partial and left out.
    expect(report).toEqual({inserted: expected.full, skipped: 0, buckets: expected.full + 2, incomplete: 2});

    const mine = await store.marketData.readBars(H1, ALL);
    expect(mine.length).toBe(expected.full);
    expect(mine.openTime[0]).toBe(expected.first);
    expect(mine.openTime[mine.length - 1]).toBe(expected.last);
    const theirs = await store.marketData.readBars(reference, {fromMs: mine.openTime[0], toMs: mine.openTime[mine.length - 1] + HOUR});
    expect(theirs.length).toBe(expected.full);

    const mismatches: string[] = [];
    for (let i = 0; i < mine.length; i++) {
      const at = new Date(mine.openTime[i]).toISOString();
      if (mine.openTime[i] !== theirs.openTime[i]) mismatches.push(`${at}: open time ${theirs.openTime[i]}`);
      for (const field of ['open', 'high', 'low', 'close'] as const) {
        if (mine[field][i] !== theirs[field][i]) mismatches.push(`${at} ${field}: ${mine[field][i]} vs ${theirs[field][i]}`);
      }
      if (Math.abs(mine.volume[i] - theirs.volume[i]) > 1e-6 * Math.abs(theirs.volume[i])) {
        mismatches.push(`${at} volume: ${mine.volume[i]} vs ${theirs.volume[i]}`);
      }
    }
    expect(mismatches).toEqual([]);
  }

  it('rolls the shipped real perpetual 1m slice up into 24 full hours that match Binance 1h candles', async () => {
    // 2025-05-04 15:33 .. 2025-05-05 16:32: 26 hours touched, 24 complete.
    await resampleMatchesBinance(fixtureDataFile('btcusdt_perp_1m@0.csv.gz'), fixtureDataFile('btcusdt_perp_1h@49555.csv.gz'),
      {full: 24, first: Date.UTC(2025, 4, 4, 16), last: Date.UTC(2025, 4, 5, 15)});
  });

  const m1 = realDataFile('btcusdt_perp_1m.csv.gz');
  const h1 = realDataFile('btcusdt_perp_1h.csv.gz');
  it.skipIf(!m1 || !h1)(`rolls the whole real perpetual 1m series up into 1,218 full hours that match Binance 1h candles${m1 && h1 ? '' : ` — ${NO_REAL_DATA}`}`, async () => {
    // 15:33 .. 10:31 spans 1,220 hours; the first and last are partial and left out.
    await resampleMatchesBinance(m1!, h1!, {full: 1_218, first: Date.UTC(2025, 4, 4, 16), last: Date.UTC(2025, 5, 24, 9)});
  });

  it('builds each bucket from its first open, highest high, lowest low, last close and summed volume', async () => {
    const {store} = await temp.open();
    const bars = makeBars(15, {stepMs: MINUTE});
    // Stored out of order, in two appends, so insertion order cannot stand in for time order.
    await store.marketData.appendBars(M1, barColumnsFromBars(bars.slice(7)));
    await store.marketData.appendBars(M1, barColumnsFromBars(bars.slice(0, 7)));
    const key5: SeriesKey = {...M1, timeframe: '5m'};
    expect(await resampleBars(store.db, M1, '5m')).toEqual({inserted: 3, skipped: 0, buckets: 3, incomplete: 0});

    const out = await store.marketData.readBars(key5, ALL);
    expect([...out.openTime]).toEqual([T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]);
    for (let b = 0; b < 3; b++) {
      const part = bars.slice(b * 5, b * 5 + 5);
      expect(out.open[b]).toBe(part[0].open);
      expect(out.high[b]).toBe(Math.max(...part.map((p) => p.high)));
      expect(out.low[b]).toBe(Math.min(...part.map((p) => p.low)));
      expect(out.close[b]).toBe(part[4].close);
      expect(out.volume[b]).toBeCloseTo(part.reduce((s, p) => s + p.volume, 0), 9);
    }
  });

  it('leaves out a bucket with a missing source candle and aligns buckets to the UTC epoch', async () => {
    const {store} = await temp.open();
    // Starts at 00:02, so the first 5m bucket (00:00) is partial; 00:12 is missing, so 00:10 is too.
    const bars = makeBars(20, {stepMs: MINUTE, fromMs: T0 + 2 * MINUTE}).filter((b) => b.openTime !== T0 + 12 * MINUTE);
    await store.marketData.appendBars(M1, barColumnsFromBars(bars));
    const report = await resampleBars(store.db, M1, '5m');
    expect(report).toMatchObject({inserted: 2, buckets: 5, incomplete: 3});
    const out = await store.marketData.readBars({...M1, timeframe: '5m'}, ALL);
    expect([...out.openTime]).toEqual([T0 + 5 * MINUTE, T0 + 15 * MINUTE]);
  });

  it('is idempotent: resampling again writes nothing new', async () => {
    const {store} = await temp.open();
    await store.marketData.appendBars(H1, barColumnsFromBars(makeBars(48)));
    expect(await resampleBars(store.db, H1, '4h')).toMatchObject({inserted: 12, skipped: 0});
    const counts = await tableCounts(store.db);
    expect(await resampleBars(store.db, H1, '4h')).toMatchObject({inserted: 0, skipped: 12});
    expect(await tableCounts(store.db)).toEqual(counts);
  });

  it('refuses to resample into a smaller timeframe or a non-multiple', async () => {
    const {store} = await temp.open();
    await store.marketData.appendBars(H1, barColumnsFromBars(makeBars(10)));
    await store.marketData.appendBars({...M1, timeframe: '3m'}, barColumnsFromBars(makeBars(10, {stepMs: 3 * MINUTE})));
    const before = await tableCounts(store.db);

    for (const [from, to] of [[H1, '1m'], [H1, '1h'], [{...M1, timeframe: '3m'}, '5m']] as const) {
      const error = await caught(resampleBars(store.db, from, to));
      expect(error.code).toBe(ErrorCode.INPUT_INVALID);
      expect(error.message).toContain(`cannot resample ${from.timeframe} into ${to}`);
    }
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('reports missing data when nothing is stored for the source series', async () => {
    const {store} = await temp.open();
    const error = await caught(resampleBars(store.db, M1, '1h'));
    expect(error.code).toBe(ErrorCode.DATA_MISSING);
  });

  it('refuses, writing nothing, when a resampled candle contradicts a stored one', async () => {
    const {store} = await temp.open();
    await store.marketData.appendBars(M1, barColumnsFromBars(makeBars(120, {stepMs: MINUTE})));
    const wrong = makeBars(2, {seed: 99});
    await store.marketData.appendBars(H1, barColumnsFromBars([wrong[1]].map((b) => ({...b, openTime: T0 + HOUR}))));
    const before = await tableCounts(store.db);
    const error = await caught(resampleBars(store.db, M1, '1h'));
    expect(error.code).toBe(ErrorCode.DATA_CONFLICT);
    expect(await tableCounts(store.db)).toEqual(before);
  });
});
