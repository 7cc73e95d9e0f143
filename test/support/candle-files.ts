/**
 * Fixture files for importer tests: candles and funding as CSV or CSV.gz, in the layouts the
 * importer accepts (6-column OHLCV, Binance 12-column kline, funding), plus paths to real Binance
 * data: small slices shipped in test/fixtures/data (always there), and the full developer sample.
 */
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {gzipSync} from 'node:zlib';
import type {Bar} from '../../src/core/index.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/**
 * The full real-data sample (../shared/data, or $IFTB_REAL_DATA): tests over whole histories read it
 * and skip, saying why, where a plain clone has nothing beside it. Everything else uses FIXTURE_DATA.
 */
export const REAL_DATA = resolve(process.env.IFTB_REAL_DATA ?? resolve(REPO_ROOT, '..', 'shared', 'data'));
/** Real slices shipped with the repo (test/fixtures/data/README.md: provenance and how they were cut). */
export const FIXTURE_DATA = resolve(REPO_ROOT, 'test', 'fixtures', 'data');
/** The built CLI (`npm test` builds first). */
export const CLI = resolve(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** 2025-01-01T00:00Z, a round start for synthetic series. */
export const T0 = Date.UTC(2025, 0, 1);

export const CANDLE_HEADER = 'open_time_ms,open,high,low,close,volume';
export const KLINE_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
export const FUNDING_HEADER = 'funding_time_ms,funding_rate,source_time_ms';

/** A fresh directory under the OS temp dir. */
export function tempDir(prefix = 'iftb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Path of a shipped real-data fixture; fails loudly when it is missing. */
export function fixtureDataFile(name: string): string {
  const file = join(FIXTURE_DATA, name);
  if (!existsSync(file)) throw new Error(`fixture ${file} not found`);
  return file;
}

/** A file of the full real-data sample, or null when that sample is not beside the repo. */
export function realDataFile(name: string): string | null {
  const file = join(REAL_DATA, name);
  return existsSync(file) ? file : null;
}

/** Why a full-history test did not run, for `it.skipIf(...)` titles and logs. */
export const NO_REAL_DATA = `needs the full real-data sample in ${REAL_DATA} (set IFTB_REAL_DATA); the shipped slices are tested instead`;

/** Deterministic PRNG in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` valid candles (low <= open, close <= high; volume > 0) starting at `fromMs`, `stepMs`
 * apart. Prices are full-precision doubles, so a lossy round trip shows up.
 */
export function makeBars(count: number, options: {fromMs?: number; stepMs?: number; seed?: number; price?: number} = {}): Bar[] {
  const {fromMs = T0, stepMs = HOUR, seed = 1, price = 100} = options;
  const next = random(seed);
  const bars: Bar[] = [];
  let close = price;
  for (let i = 0; i < count; i++) {
    const open = close;
    close = open * (1 + (next() - 0.5) * 0.02);
    const high = Math.max(open, close) * (1 + next() * 0.005);
    const low = Math.min(open, close) * (1 - next() * 0.005);
    bars.push({openTime: fromMs + i * stepMs, open, high, low, close, volume: next() * 1000 + 0.001});
  }
  return bars;
}

/** `open_time_ms,open,high,low,close,volume` rows (no header). */
export function candleLines(bars: readonly Bar[]): string[] {
  return bars.map((b) => [b.openTime, b.open, b.high, b.low, b.close, b.volume].map(String).join(','));
}

/**
 * Binance kline rows (12 columns, no header). With `micros`, open and close times are in
 * microseconds, as Binance spot has written them since 2025.
 */
export function klineLines(bars: readonly Bar[], stepMs: number, options: {micros?: boolean} = {}): string[] {
  const unit = options.micros ? 1000 : 1;
  return bars.map((b) => {
    const openTime = b.openTime * unit;
    const closeTime = (b.openTime + stepMs) * unit - 1;
    return [openTime, b.open, b.high, b.low, b.close, b.volume, closeTime, b.volume * b.close, 42, b.volume / 2, (b.volume / 2) * b.close, 0]
      .map(String)
      .join(',');
  });
}

/** Lines joined into file text, with an optional header line and a final newline. */
export function csvText(lines: readonly string[], header?: string): string {
  return [...(header === undefined ? [] : [header]), ...lines].map((line) => `${line}\n`).join('');
}

/** Writes `text` to dir/name, gzip-compressed when the name ends in .gz; returns the path. */
export function writeText(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

/** Writes bars as a 6-column candle CSV (or CSV.gz), with the header unless `header: false`. */
export function writeCandleCsv(dir: string, name: string, bars: readonly Bar[], options: {header?: boolean} = {}): string {
  return writeText(dir, name, csvText(candleLines(bars), options.header === false ? undefined : CANDLE_HEADER));
}

/** One funding settlement as written in shared/data: `funding_time_ms,funding_rate,source_time_ms`. */
export interface FundingRow {
  readonly time: number;
  readonly rate: number;
}

export function writeFundingCsv(dir: string, name: string, rows: readonly FundingRow[]): string {
  return writeText(dir, name, csvText(rows.map((r) => `${r.time},${r.rate},${r.time}`), FUNDING_HEADER));
}
