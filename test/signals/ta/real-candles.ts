import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';
import {allocateBarColumns, type BarColumns} from '../../../src/core/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Real Binance USDⓈ-M candles from the shared folder beside the repo (../shared/data). */
export function sharedDataPath(file: string): string {
  return resolve(repoRoot, '..', 'shared', 'data', file);
}

/** `count` rows of a `open_time_ms,open,high,low,close,volume` CSV.gz, starting after `skip` data rows. */
export function loadCandles(file: string, skip: number, count: number): BarColumns {
  const lines = gunzipSync(readFileSync(sharedDataPath(file))).toString('utf8').split('\n');
  const rows = lines.slice(1 + skip, 1 + skip + count).filter((l) => l.length > 0);
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
