import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {allocateBarColumns, type BarColumns} from '../../../src/core/index.js';
import {FIXTURE_DATA} from '../../support/candle-files.js';

/**
 * Real Binance USDⓈ-M candles, from the slices shipped in test/fixtures/data: `NAME@K.csv.gz` holds
 * rows K, K+1, … of `NAME.csv.gz` in ../shared/data (same header, values untouched; see its README).
 */
export function fixtureSlicePath(file: string, skip: number, count: number): {path: string; offset: number} {
  const base = file.replace(/\.csv\.gz$/, '');
  for (const name of readdirSync(FIXTURE_DATA)) {
    const m = new RegExp(`^${base}@(\\d+)\\.csv\\.gz$`).exec(name);
    if (!m) continue;
    const first = Number(m[1]);
    const path = join(FIXTURE_DATA, name);
    const rows = gunzipSync(readFileSync(path)).toString('utf8').trimEnd().split('\n').length - 1;
    if (first <= skip && skip + count <= first + rows) return {path, offset: skip - first};
  }
  throw new Error(`no slice of ${file} in ${FIXTURE_DATA} covers rows ${skip}…${skip + count - 1}; add one (see its README)`);
}

/** `count` rows of a `open_time_ms,open,high,low,close,volume` CSV.gz, starting after `skip` data rows. */
export function loadCandles(file: string, skip: number, count: number): BarColumns {
  const {path, offset} = fixtureSlicePath(file, skip, count);
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
  const rows = lines.slice(1 + offset, 1 + offset + count).filter((l) => l.length > 0);
  const n = rows.length;
  const bars = allocateBarColumns(n);
  rows.forEach((row, i) => {
    const f = row.split(',');
    bars.openTime[i] = Number(f[0]);
    bars.open[i] = Number(f[1]);
    bars.high[i] = Number(f[2]);
    bars.low[i] = Number(f[3]);
    bars.close[i] = Number(f[4]);
    bars.volume[i] = Number(f[5]);
  });
  return bars;
}

/** The first `length` bars of `bars`, as if later candles did not exist yet (copies). */
export function truncateBars(bars: BarColumns, length: number): BarColumns {
  return {
    length,
    openTime: bars.openTime.slice(0, length),
    open: bars.open.slice(0, length),
    high: bars.high.slice(0, length),
    low: bars.low.slice(0, length),
    close: bars.close.slice(0, length),
    volume: bars.volume.slice(0, length),
  };
}
