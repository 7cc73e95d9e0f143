/**
 * Files a newcomer feeds the importer by mistake or that were damaged on the way: each is refused
 * with one line naming the file (and the line where there is one) saying what it really is, and
 * the store is left exactly as it was.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {constants, deflateRawSync, gzipSync} from 'node:zlib';
import {beforeEach, describe, expect, it} from 'vitest';
import {type DuckDbStore, type ImportRequest, importFile, storedSeriesQuality} from '../../../src/adapters/duckdb/index.js';
import {type Bar, barColumnsFromBars, ErrorCode, IftbError, type SeriesKey} from '../../../src/core/index.js';
import {CANDLE_HEADER, candleLines, csvText, HOUR, MINUTE, makeBars, T0, writeCandleCsv, writeText} from '../../support/candle-files.js';
import {type TableCounts, tableCounts, useTempStores} from '../../support/duckdb-stores.js';

const KEY: SeriesKey = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'};

function candles(file: string, extra: Partial<ImportRequest> = {}): ImportRequest {
  return {file, kind: 'candles', exchange: KEY.exchange, symbol: KEY.symbol, timeframe: KEY.timeframe, ...extra};
}

async function caught(promise: Promise<unknown>): Promise<IftbError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IftbError);
  return error as IftbError;
}

/** A gzip member of `text` cut right after a full flush half-way through: a valid deflate prefix, no trailer. */
function gzipCutAtFlush(text: string): Buffer {
  const raw = Buffer.from(text);
  const half = raw.length >> 1;
  const full = gzipSync(raw.subarray(0, half), {flush: constants.Z_FULL_FLUSH, finishFlush: constants.Z_FULL_FLUSH});
  return full;
}

const BARS = makeBars(400, {price: 60_000});
const row = (bar: Bar) => candleLines([bar])[0];

describe('importFile: damaged and mistaken files', () => {
  const temp = useTempStores();
  let store: DuckDbStore;
  let dir: string;
  let before: TableCounts;

  beforeEach(async () => {
    ({store, dir} = await temp.open());
    await importFile(store.db, candles(writeCandleCsv(dir, 'good.csv', BARS.slice(0, 10))));
    before = await tableCounts(store.db);
  });

  async function refused(file: string, message: RegExp, request: Partial<ImportRequest> = {}): Promise<void> {
    const error = await caught(importFile(store.db, candles(file, request)));
    expect(error.code).toBe(ErrorCode.INPUT_INVALID);
    expect(error.message).toMatch(message);
    expect(await tableCounts(store.db)).toEqual(before);
  }

  it('refuses a gzip cut at a deflate flush boundary (which DuckDB reads as a shorter file), naming it', async () => {
    const text = csvText(candleLines(BARS), CANDLE_HEADER);
    const file = join(dir, 'cut.csv.gz');
    writeFileSync(file, gzipCutAtFlush(text));
    await refused(file, /^cut\.csv\.gz: corrupt or incomplete gzip file: the gzip stream ends early/);
  });

  it('refuses a gzip missing its 8-byte trailer, and one whose CRC does not match', async () => {
    const whole = gzipSync(csvText(candleLines(BARS), CANDLE_HEADER));
    const noTrailer = join(dir, 'no-trailer.csv.gz');
    writeFileSync(noTrailer, whole.subarray(0, whole.length - 8));
    await refused(noTrailer, /^no-trailer\.csv\.gz: corrupt or incomplete gzip file/);
    const badCrc = Buffer.from(whole);
    badCrc[badCrc.length - 6] ^= 0xff;
    const crcFile = join(dir, 'bad-crc.csv.gz');
    writeFileSync(crcFile, badCrc);
    await refused(crcFile, /^bad-crc\.csv\.gz: corrupt or incomplete gzip file: incorrect data check/);
  });

  it.each([
    ['a zero price', {open: 0}, /line 12: impossible candle \((non-positive-price|low-above-body)/],
    ['a negative price', {low: -100}, /line 12: impossible candle \(non-positive-price: price -100(\.0)? ≤ 0\)/],
    ['high below low', {high: 1, low: 2}, /line 12: impossible candle \(high-below-body/],
    ['a negative volume', {volume: -3}, /line 12: impossible candle \(negative-volume: volume -3(\.0)?\)/],
  ])('refuses %s at import with the file and line, storing nothing', async (_what, patch, message) => {
    const bars = BARS.slice(0, 30).map((b, i) => (i === 10 ? {...b, ...patch} : b));
    await refused(writeCandleCsv(dir, 'bad.csv', bars), new RegExp(`^bad\\.csv ${message.source}.*nothing was imported`));
  });

  it('flags implausible jumps (1e-8 and 1e308 bars in a 60,000 series) in a check, and in the store', async () => {
    const bars = BARS.slice(0, 200).map((b, i) =>
      i === 100 ? {...b, open: 1e-8, high: 1e-8, low: 1e-8, close: 1e-8} : i === 150 ? {...b, open: 1e308, high: 1e308, low: 1e308, close: 1e308} : b);
    const file = writeCandleCsv(dir, 'jumps.csv', bars);
    const report = await importFile(store.db, candles(file, {dryRun: true, jumpFactor: 100}));
    const jumps = report.quality!.issues.filter((i) => i.kind === 'jump');
    // Into and out of each bad bar.
    expect(jumps.map((j) => j.at)).toEqual(['jumps.csv line 102', 'jumps.csv line 103', 'jumps.csv line 152', 'jumps.csv line 153']);
    expect(jumps[0].detail).toMatch(/× the median range/);
    // The untouched series has none.
    const clean = await importFile(store.db, candles(writeCandleCsv(dir, 'clean.csv', BARS), {dryRun: true, jumpFactor: 100}));
    expect(clean.quality!.counts.jump).toBe(0);

    const key = {...KEY, symbol: 'JUMP/USDT:USDT'};
    await store.marketData.appendBars(key, barColumnsFromBars(bars));
    const stored = await storedSeriesQuality(store.db, 'candles', key, {jumpFactor: 100});
    expect(stored.counts.jump).toBe(4);
    expect(stored.issues.find((i) => i.kind === 'jump')?.at).toBe(new Date(bars[100].openTime).toISOString());
  });

  it('says a 1h file imported as 1m looks like 1h candles, and a 1m file as 1h looks like 1m', async () => {
    const hourly = writeCandleCsv(dir, 'hourly.csv', BARS.slice(0, 60));
    await refused(hourly, /^hourly\.csv: this file looks like 1h candles, not 1m \(100 % of consecutive rows are 1h apart\); import it with --timeframe 1h$/, {timeframe: '1m'});
    const minutes = writeCandleCsv(dir, 'minutes.csv', makeBars(60, {stepMs: MINUTE}));
    await refused(minutes, /^minutes\.csv: this file looks like 1m candles, not 1h .*--timeframe 1m$/);
  });

  it('says when times look like seconds rather than milliseconds', async () => {
    const lines = BARS.slice(0, 3).map((b) => row({...b, openTime: b.openTime / 1000}));
    await refused(writeText(dir, 'seconds.csv', csvText(lines, CANDLE_HEADER)),
      /^seconds\.csv line 2: time 1735689600 looks like seconds since the epoch \(1735689600 s = 2025-01-01T00:00:00Z\)/);
  });

  it('refuses a directory as "is a directory", binary content without printing it, and a ZIP archive', async () => {
    const folder = join(dir, 'a-folder.csv');
    mkdirSync(folder);
    await refused(folder, /a-folder\.csv: is a directory, not a file$/);
    const binary = join(dir, 'picture.csv');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]));
    const error = await caught(importFile(store.db, candles(binary)));
    expect(error.message).toBe('picture.csv: not a text file (binary content); expected CSV, CSV.gz or Parquet');
    const zip = join(dir, 'BTCUSDT-1h-2024-01.zip');
    writeFileSync(zip, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), deflateRawSync('x')]));
    await refused(zip, /is a ZIP archive; unzip it first/);
    const gzippedBinary = join(dir, 'binary.csv.gz');
    writeFileSync(gzippedBinary, gzipSync(Buffer.alloc(64, 0)));
    await refused(gzippedBinary, /^binary\.csv\.gz: not a text file/);
  });

  it('reads a file by its content, not its name: gzip without .gz, Parquet without .parquet', async () => {
    const later = BARS.slice(10, 20);
    const file = join(dir, 'gzipped.csv');
    writeFileSync(file, gzipSync(csvText(candleLines(later), CANDLE_HEADER)));
    expect(await importFile(store.db, candles(file))).toMatchObject({rows: 10, inserted: 10});
    const parquet = join(dir, 'export.bin');
    await store.db.run(`COPY (SELECT open_time_ms, open, high, low, close, volume FROM candles ORDER BY 1) TO '${parquet}' (FORMAT parquet)`);
    expect(readFileSync(parquet).subarray(0, 4).toString()).toBe('PAR1');
    expect(await importFile(store.db, candles(parquet))).toMatchObject({rows: 20, inserted: 0, skipped: 20});
    expect((await store.marketData.readBars(KEY, {fromMs: T0, toMs: T0 + 20 * HOUR})).length).toBe(20);
  });
});
