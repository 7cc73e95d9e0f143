import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {type DuckDbStore, type ImportRequest, importFile} from '../../../src/adapters/duckdb/index.js';
import {type Bar, ErrorCode, IftbError, type SeriesKey} from '../../../src/core/index.js';
import {
  CANDLE_HEADER,
  candleLines,
  csvText,
  FUNDING_HEADER,
  HOUR,
  KLINE_HEADER,
  klineLines,
  MINUTE,
  makeBars,
  fixtureDataFile,
  T0,
  writeCandleCsv,
  writeText,
} from '../../support/candle-files.js';
import {type TableCounts, tableCounts, tableNames, useTempStores} from '../../support/duckdb-stores.js';

const KEY: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};
const ALL = {fromMs: -Infinity, toMs: Infinity};

function candles(file: string, extra: Partial<ImportRequest> = {}): ImportRequest {
  return {file, kind: 'candles', exchange: KEY.exchange, symbol: KEY.symbol, timeframe: KEY.timeframe, ...extra};
}

function plainBars(series: {openTime: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array}): Bar[] {
  return Array.from(series.openTime, (openTime, i) => ({
    openTime,
    open: series.open[i],
    high: series.high[i],
    low: series.low[i],
    close: series.close[i],
    volume: series.volume[i],
  }));
}

async function caught(promise: Promise<unknown>): Promise<IftbError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IftbError);
  return error as IftbError;
}

describe('importFile: accepted layouts', () => {
  const temp = useTempStores();

  it('imports a 6-column CSV with header and stores exactly its values', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(24);
    const report = await importFile(store.db, candles(writeCandleCsv(dir, 'btc.csv', bars)));
    expect(report).toMatchObject({kind: 'candles', rows: 24, inserted: 24, skipped: 0});
    expect(report.file).toBe(join(dir, 'btc.csv'));
    expect(report.quality).toMatchObject({rows: 24, firstMs: T0, lastMs: T0 + 23 * HOUR, gaps: 0, missing: 0});
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('imports a gzip-compressed CSV the same as the plain file', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(24, {seed: 3});
    const report = await importFile(store.db, candles(writeCandleCsv(dir, 'btc.csv.gz', bars)));
    expect(report).toMatchObject({rows: 24, inserted: 24});
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('imports a 6-column CSV without header', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(5);
    await importFile(store.db, candles(writeCandleCsv(dir, 'nohdr.csv', bars, {header: false})));
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('imports a Binance 12-column kline CSV without header, ignoring the extra columns', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(12);
    const report = await importFile(store.db, candles(writeText(dir, 'BTCUSDT-1h-2025-01.csv', csvText(klineLines(bars, HOUR)))));
    expect(report).toMatchObject({rows: 12, inserted: 12});
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('imports a Binance 12-column kline CSV with its header line', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(12, {stepMs: 5 * MINUTE});
    const key = {...KEY, timeframe: '5m' as const};
    const file = writeText(dir, 'BTCUSDT-5m.csv.gz', csvText(klineLines(bars, 5 * MINUTE), KLINE_HEADER));
    expect(await importFile(store.db, candles(file, {timeframe: '5m'}))).toMatchObject({rows: 12, inserted: 12});
    expect(plainBars(await store.marketData.readBars(key, ALL))).toEqual(bars);
  });

  it('normalises microsecond open times in a 6-column CSV to milliseconds', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(4);
    const lines = candleLines(bars.map((b) => ({...b, openTime: b.openTime * 1000})));
    await importFile(store.db, candles(writeText(dir, 'micros.csv', csvText(lines, CANDLE_HEADER))));
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('normalises a Binance spot kline file with microsecond open and close times', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(4, {stepMs: MINUTE});
    const file = writeText(dir, 'BTCUSDT-1m-2025-03-01.csv', csvText(klineLines(bars, MINUTE, {micros: true})));
    expect(await importFile(store.db, candles(file, {timeframe: '1m'}))).toMatchObject({rows: 4, inserted: 4});
    expect(plainBars(await store.marketData.readBars({...KEY, timeframe: '1m'}, ALL))).toEqual(bars);
  });

  it('accepts CRLF line endings and a quoted header', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(3);
    const header = CANDLE_HEADER.split(',').map((c) => `"${c}"`).join(',');
    const text = [header, ...candleLines(bars)].map((l) => `${l}\r\n`).join('');
    await importFile(store.db, candles(writeText(dir, 'windows.csv', text)));
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });

  it('imports Parquet written by DuckDB, with an integer or a TIMESTAMP time column', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(10);
    await importFile(store.db, candles(writeCandleCsv(dir, 'src.csv', bars), {symbol: 'SRC/USDT'}));
    const intFile = join(dir, 'int.parquet');
    const tsFile = join(dir, 'ts.parquet');
    await store.db.run(`COPY (SELECT open_time_ms, open, high, low, close, volume FROM candles ORDER BY open_time_ms) TO '${intFile}' (FORMAT parquet)`);
    await store.db.run(`COPY (SELECT make_timestamp(open_time_ms * 1000) AS timestamp, open, high, low, close, volume FROM candles
      ORDER BY open_time_ms) TO '${tsFile}' (FORMAT parquet)`);

    expect(await importFile(store.db, candles(intFile))).toMatchObject({rows: 10, inserted: 10});
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
    expect(await importFile(store.db, candles(tsFile, {symbol: 'TS/USDT'}))).toMatchObject({rows: 10, inserted: 10});
    expect(plainBars(await store.marketData.readBars({...KEY, symbol: 'TS/USDT'}, ALL))).toEqual(bars);
  });

  it('imports a funding CSV in the shared-data layout, leaving the mark price missing', async () => {
    const {store, dir} = await temp.open();
    const text = csvText([`${T0},0.0001,${T0}`, `${T0 + 8 * HOUR},-0.00004037,${T0 + 8 * HOUR}`], FUNDING_HEADER);
    const report = await importFile(store.db, {file: writeText(dir, 'funding.csv', text), kind: 'funding', exchange: KEY.exchange, symbol: KEY.symbol});
    expect(report).toMatchObject({kind: 'funding', rows: 2, inserted: 2, skipped: 0, quality: null});
    const read = await store.marketData.readFunding(KEY.exchange, KEY.symbol, ALL);
    expect([...read.time]).toEqual([T0, T0 + 8 * HOUR]);
    expect([...read.rate]).toEqual([0.0001, -0.00004037]);
    expect([...read.markPrice].every(Number.isNaN)).toBe(true);
  });

  it('imports the real BTC funding history (shipped copy of the sample file)', async () => {
    const {store} = await temp.open();
    const report = await importFile(store.db, {file: fixtureDataFile('btcusdt_perp_funding.csv.gz'), kind: 'funding', exchange: KEY.exchange, symbol: KEY.symbol});
    expect(report).toMatchObject({rows: 7_323, inserted: 7_323});
    expect(await store.marketData.lastFundingTime(KEY.exchange, KEY.symbol)).toBe(Date.UTC(2026, 4, 17));
  });

  it('imports mark-price candles into the mark table only', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(6).map((b) => ({...b, volume: 0}));
    await importFile(store.db, candles(writeCandleCsv(dir, 'mark.csv', bars), {kind: 'mark'}));
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 6, funding: 0});
    expect(plainBars(await store.marketData.readBars(KEY, ALL, 'mark'))).toEqual(bars);
  });

  it('re-importing the same file (or the same rows as Parquet) adds nothing', async () => {
    const {store, dir} = await temp.open();
    const file = writeCandleCsv(dir, 'btc.csv', makeBars(30));
    await importFile(store.db, candles(file));
    expect(await importFile(store.db, candles(file))).toMatchObject({rows: 30, inserted: 0, skipped: 30});
    const parquet = join(dir, 'btc.parquet');
    await store.db.run(`COPY (SELECT open_time_ms, open, high, low, close, volume FROM candles) TO '${parquet}' (FORMAT parquet)`);
    expect(await importFile(store.db, candles(parquet))).toMatchObject({rows: 30, inserted: 0, skipped: 30});
    expect((await tableCounts(store.db)).candles).toBe(30);
  });

  it('adds only the new rows of a file that overlaps stored data', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(30);
    await importFile(store.db, candles(writeCandleCsv(dir, 'a.csv', bars.slice(0, 20))));
    expect(await importFile(store.db, candles(writeCandleCsv(dir, 'b.csv', bars.slice(15))))).toMatchObject({rows: 15, inserted: 10, skipped: 5});
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(bars);
  });
});

interface BadFile {
  readonly what: string;
  readonly name: string;
  readonly text: string;
  /** Write the text as is, even to a .gz name. */
  readonly uncompressed?: boolean;
  readonly request?: Partial<ImportRequest>;
  readonly code: string;
  /** The whole message, file name and line included. */
  readonly message: RegExp;
}

const GOOD = makeBars(10);
const row = (bar: Bar) => candleLines([bar])[0];
const next = (i: number, patch: Partial<Bar> = {}) => ({...makeBars(1, {fromMs: T0 + (20 + i) * HOUR, seed: 50 + i})[0], ...patch});

const BAD_FILES: BadFile[] = [
  {
    what: 'an unparseable number',
    name: 'bad-number.csv',
    text: csvText([row(next(0)), row(next(1)).replace(/,[^,]+,/, ',12o.5,')], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^bad-number\.csv line 3: cannot read open from '12o\.5'$/,
  },
  {
    what: 'an unparseable number in a headerless CSV.gz',
    name: 'bad-number.csv.gz',
    text: csvText([row(next(0)), row(next(1)), row(next(2)).replace(/,[^,]+$/, ',lots')]),
    code: ErrorCode.INPUT_INVALID,
    message: /^bad-number\.csv\.gz line 3: cannot read volume from 'lots'$/,
  },
  {
    what: 'an unparseable open time',
    name: 'bad-time.csv',
    text: csvText([row(next(0)), `2025-01-02 00:00,1,2,0.5,1.5,3`], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^bad-time\.csv line 3: cannot read open_time_ms from '2025-01-02 00:00'$/,
  },
  {
    what: 'an empty cell',
    name: 'empty-cell.csv',
    text: csvText([row(next(0)), row(next(1)), row(next(2)).replace(/^(\d+,[^,]+),[^,]+,/, '$1,,')], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^empty-cell\.csv line 4: cannot read high from an empty value$/,
  },
  {
    what: 'a row with too few columns',
    name: 'short-row.csv',
    text: csvText([row(next(0)), row(next(1)), row(next(2)).replace(/,[^,]+$/, '')], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^short-row\.csv line 4: .*expected 6 columns, found 5/,
  },
  {
    what: 'a row with too many columns in a headerless file',
    name: 'long-row.csv',
    text: csvText([row(next(0)), `${row(next(1))},7`]),
    code: ErrorCode.INPUT_INVALID,
    message: /^long-row\.csv line 2: .*expected 6 columns, found 7/,
  },
  {
    what: 'a first line that is neither 6 nor 12 columns',
    name: 'seven.csv',
    text: csvText([`${row(next(0))},1`]),
    code: ErrorCode.INPUT_INVALID,
    message: /^seven\.csv line 1: expected 6 columns .* found 7$/,
  },
  {
    what: 'a header without a volume column',
    name: 'no-volume.csv',
    text: csvText(['1,2,3,4,5'], 'open_time_ms,open,high,low,close'),
    code: ErrorCode.INPUT_INVALID,
    message: /^no-volume\.csv: no column for volume/,
  },
  {
    what: 'an open time off the 1h grid',
    name: 'misaligned.csv',
    text: csvText([row(next(0)), row(next(1)), row({...next(2), openTime: T0 + 22 * HOUR + 1_000})], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^misaligned\.csv line 4: open time 2025-01-01T22:00:01\.000Z is not on a 1h boundary/,
  },
  {
    what: '15m candles mixed into a 1h file',
    name: 'mixed.csv',
    text: csvText([row(next(0)), row({...next(1), openTime: T0 + 20 * HOUR + 15 * MINUTE})], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^mixed\.csv line 3: open time 2025-01-01T20:15:00\.000Z is not on a 1h boundary/,
  },
  {
    what: 'a Binance kline whose close time says it is a 1m candle',
    name: 'kline-1m.csv',
    text: csvText([...klineLines([next(0)], HOUR), ...klineLines([next(1)], MINUTE)]),
    code: ErrorCode.INPUT_INVALID,
    message: /^kline-1m\.csv line 2: candle spans 60000 ms, expected 1h/,
  },
  {
    what: 'a NaN price',
    name: 'nan.csv',
    text: csvText([row(next(0)), row(next(1)), row({...next(2), close: NaN})], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^nan\.csv line 4: cannot read close from 'NaN'$/,
  },
  {
    what: 'an infinite price',
    name: 'inf.csv',
    text: csvText([row({...next(0), high: Infinity})], CANDLE_HEADER),
    code: ErrorCode.INPUT_INVALID,
    message: /^inf\.csv line 2: cannot read high from 'Infinity'$/,
  },
  {
    what: 'two different candles for one open time',
    name: 'dup.csv',
    text: csvText([row(next(0)), row(next(1)), row({...next(0), volume: 1})], CANDLE_HEADER),
    code: ErrorCode.DATA_CONFLICT,
    message: /^dup\.csv line 4: duplicate candle 2025-01-01T20:00:00\.000Z differs from dup\.csv line 2$/,
  },
  {
    what: 'a candle that contradicts the stored one',
    name: 'conflict.csv',
    text: csvText([row(next(0)), row({...GOOD[7], close: GOOD[7].close * 1.01, high: GOOD[7].high * 1.01}), row(next(1))], CANDLE_HEADER),
    code: ErrorCode.DATA_CONFLICT,
    message: /^conflict\.csv line 3: candle 2025-01-01T07:00:00\.000Z differs from the one stored for BTC\/USDT:USDT 1h$/,
  },
  {
    what: 'an empty file',
    name: 'empty.csv',
    text: '',
    code: ErrorCode.INPUT_INVALID,
    message: /^empty\.csv: file is empty$/,
  },
  {
    what: 'a .gz file that is not gzip',
    name: 'plain.csv.gz',
    text: csvText([row(next(0))], CANDLE_HEADER),
    uncompressed: true,
    code: ErrorCode.INPUT_INVALID,
    message: /^plain\.csv\.gz: cannot read/,
  },
  {
    what: 'a candle file without a timeframe',
    name: 'no-tf.csv',
    text: csvText([row(next(0))], CANDLE_HEADER),
    request: {timeframe: undefined},
    code: ErrorCode.INPUT_INVALID,
    message: /^no-tf\.csv: --timeframe is required for candles$/,
  },
  {
    what: 'an unreadable funding rate',
    name: 'funding.csv',
    text: csvText([`${T0 + 16 * HOUR},0.0001,0`, `${T0 + 24 * HOUR},1e-4x,0`], FUNDING_HEADER),
    request: {kind: 'funding', timeframe: undefined},
    code: ErrorCode.INPUT_INVALID,
    message: /^funding\.csv line 3: cannot read funding_rate from '1e-4x'$/,
  },
  {
    what: 'a funding rate that contradicts the stored one',
    name: 'funding-conflict.csv',
    text: csvText([`${T0 + 16 * HOUR},0.0001,0`, `${T0 + 8 * HOUR},0.0005,0`], FUNDING_HEADER),
    request: {kind: 'funding', timeframe: undefined},
    code: ErrorCode.DATA_CONFLICT,
    message: /^funding-conflict\.csv line 3: funding rate at 2025-01-01T08:00:00\.000Z/,
  },
];

describe('importFile: bad input', () => {
  const temp = useTempStores();
  let store: DuckDbStore;
  let dir: string;
  let before: TableCounts;

  // Every bad file is tried against a store that already holds a good import.
  beforeEach(async () => {
    ({store, dir} = await temp.open());
    await importFile(store.db, candles(writeCandleCsv(dir, 'good.csv', GOOD)));
    await importFile(store.db, {
      file: writeText(dir, 'good-funding.csv', csvText([`${T0},0.0001,${T0}`, `${T0 + 8 * HOUR},0.0002,${T0 + 8 * HOUR}`], FUNDING_HEADER)),
      kind: 'funding',
      exchange: KEY.exchange,
      symbol: KEY.symbol,
    });
    before = await tableCounts(store.db);
    expect(before).toEqual({candles: 10, mark: 0, funding: 2});
  });

  it.each(BAD_FILES)('refuses $what with an error naming the file and the line, and changes nothing', async (bad) => {
    const file = join(dir, bad.name);
    if (bad.uncompressed) writeFileSync(file, bad.text);
    else writeText(dir, bad.name, bad.text);
    const error = await caught(importFile(store.db, candles(file, bad.request)));
    expect(error.code).toBe(bad.code);
    expect(error.message).toMatch(bad.message);
    expect(await tableCounts(store.db)).toEqual(before);
    expect(plainBars(await store.marketData.readBars(KEY, ALL))).toEqual(GOOD);
    // The store stays usable: the same good file imports as a no-op.
    expect(await importFile(store.db, candles(join(dir, 'good.csv')))).toMatchObject({inserted: 0, skipped: 10});
  });

  it('refuses a file that does not exist, naming it', async () => {
    const missing = join(dir, 'nowhere', 'btc.csv');
    const error = await caught(importFile(store.db, candles(missing)));
    expect(error.code).toBe(ErrorCode.INPUT_INVALID);
    expect(error.message).toBe(`${missing}: no such file`);
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('refuses a NaN in a Parquet file, naming the row', async () => {
    const file = join(dir, 'nan.parquet');
    await store.db.run(`COPY (SELECT ${T0 + 20 * HOUR} + i * ${HOUR} AS open_time_ms, 1.0 AS open, 2.0 AS high,
      CASE WHEN i = 2 THEN 'nan'::DOUBLE ELSE 0.5 END AS low, 1.5 AS close, 3.0 AS volume FROM range(4) t(i)) TO '${file}' (FORMAT parquet)`);
    const error = await caught(importFile(store.db, candles(file)));
    expect(error.code).toBe(ErrorCode.INPUT_INVALID);
    expect(error.message).toMatch(/^nan\.parquet row 3: cannot read low from/);
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('refuses a file that is not Parquet despite its name', async () => {
    const error = await caught(importFile(store.db, candles(writeText(dir, 'fake.parquet', 'open_time_ms,open\n'))));
    expect(error.code).toBe(ErrorCode.INPUT_INVALID);
    expect(error.message).toMatch(/^fake\.parquet/);
    expect(await tableCounts(store.db)).toEqual(before);
  });

  it('leaves no staging tables behind after a refused import', async () => {
    await caught(importFile(store.db, candles(writeText(dir, 'nan.csv', BAD_FILES.find((b) => b.name === 'nan.csv')!.text))));
    await caught(importFile(store.db, candles(writeText(dir, 'dup.csv', BAD_FILES.find((b) => b.name === 'dup.csv')!.text))));
    expect((await tableNames(store.db)).filter((t) => t.startsWith('_'))).toEqual([]);
  });
});

describe('importFile: dry run', () => {
  const temp = useTempStores();

  it('writes nothing and counts NaN, unsorted, duplicate, impossible-OHLC and negative-volume rows', async () => {
    const {store, dir} = await temp.open();
    await importFile(store.db, candles(writeCandleCsv(dir, 'good.csv', GOOD)));
    const before = await tableCounts(store.db);

    const rows = makeBars(6, {fromMs: T0 + 20 * HOUR, seed: 77});
    const lines = [
      row(rows[0]), //                                     line 2
      row({...rows[2], open: NaN}), //                     line 3: NaN
      row(rows[1]), //                                     line 4: earlier than line 3 (unsorted)
      row({...rows[3], high: rows[3].low - 1}), //         line 5: high below body and below low
      row({...rows[4], low: Math.max(rows[4].open, rows[4].close) + 1}), // line 6: low above body and above high
      row({...rows[5], volume: -2}), //                    line 7: negative volume
      row(rows[5]), //                                     line 8: same time as line 7 (duplicate)
    ];
    const file = writeText(dir, 'messy.csv', csvText(lines, CANDLE_HEADER));
    const report = await importFile(store.db, candles(file, {dryRun: true}));

    expect(report).toMatchObject({rows: 7, inserted: 0, skipped: 0});
    const quality = report.quality!;
    expect(quality.counts).toEqual({
      gap: 0,
      duplicate: 1,
      unsorted: 1,
      nan: 1,
      'high-below-body': 1,
      'low-above-body': 1,
      'high-below-low': 2,
      'non-positive-price': 0,
      'negative-volume': 1,
      jump: 0,
    });
    const at = (kind: string) => quality.issues.filter((i) => i.kind === kind).map((i) => i.at);
    expect(at('nan')).toEqual(['messy.csv line 3']);
    expect(at('unsorted')).toEqual(['messy.csv line 4']);
    expect(at('high-below-body')).toEqual(['messy.csv line 5']);
    expect(at('low-above-body')).toEqual(['messy.csv line 6']);
    expect(at('high-below-low')).toEqual(['messy.csv line 5', 'messy.csv line 6']);
    expect(at('negative-volume')).toEqual(['messy.csv line 7']);
    expect(at('duplicate')).toEqual(['messy.csv line 8']);

    expect(await tableCounts(store.db)).toEqual(before);
    expect((await tableNames(store.db)).filter((t) => t.startsWith('_'))).toEqual([]);
  });

  it('refuses a misaligned file in a dry run too, leaving no staging table in the store', async () => {
    const {store, dir} = await temp.open();
    const file = writeText(dir, 'off-grid.csv', csvText([row(next(0)), row({...next(1), openTime: T0 + 21 * HOUR + MINUTE})], CANDLE_HEADER));
    const error = await caught(importFile(store.db, candles(file, {dryRun: true})));
    expect(error.message).toMatch(/^off-grid\.csv line 3: open time .* is not on a 1h boundary/);
    expect((await tableNames(store.db)).filter((t) => t.startsWith('_'))).toEqual([]);
  });

  it('counts gaps and missing candles in a file with unsorted rows', async () => {
    const {store, dir} = await temp.open();
    const bars = makeBars(10);
    // Rows 0..9 with 4 and 5 left out, row 8 moved to the front and row 2 repeated.
    const order = [bars[8], bars[0], bars[1], bars[2], bars[2], bars[3], bars[6], bars[7], bars[9]];
    const report = await importFile(store.db, candles(writeText(dir, 'shuffled.csv', csvText(candleLines(order), CANDLE_HEADER)), {dryRun: true}));
    expect(report.quality).toMatchObject({rows: 9, gaps: 1, missing: 2, firstMs: T0, lastMs: T0 + 9 * HOUR});
    expect(report.quality!.counts).toMatchObject({gap: 1, duplicate: 1, unsorted: 1});
    expect(report.quality!.issues.find((i) => i.kind === 'gap')).toMatchObject({at: 'shuffled.csv line 7', timeMs: T0 + 3 * HOUR});
    expect(await tableCounts(store.db)).toEqual({candles: 0, mark: 0, funding: 0});
  });
});
