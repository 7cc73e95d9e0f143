/**
 * Import throughput (Parquet, CSV.gz) and columnar range-read time on synthetic 1m candles.
 * Targets (issue 2): Parquet ≥ 1 M candles/s, CSV.gz ≥ 300 k/s, 1 M-candle range read < 0.3 s.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DuckDbStore, importFile, sqlString} from '../src/adapters/duckdb/index.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000);
const START = Date.UTC(2015, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'iftb-bench-import-'));
const key = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m' as const};

// A random-walk-like price rounded to the tick, so the files compress like real candles.
const synthetic = `SELECT (${START} + i * 60000)::BIGINT AS open_time_ms, p AS open, p + 5.1 AS high, p - 4.9 AS low, p + 0.3 AS close,
  round(abs(sin(i)) * 10, 3) AS volume
  FROM (SELECT i, round(30000 + 1000 * sin(i / 5000.0) + 200 * sin(i / 77.0), 1) AS p FROM range(${ROWS}) t(i))`;

async function main(): Promise<void> {
  const scratch = await DuckDbStore.open(join(dir, 'scratch.duckdb'), {seed: false});
  const parquet = join(dir, 'candles.parquet');
  const csv = join(dir, 'candles.csv.gz');
  await scratch.db.run(`COPY (${synthetic}) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  await scratch.db.run(`COPY (${synthetic}) TO ${sqlString(csv)} (FORMAT csv, HEADER true)`);
  scratch.close();

  const figures: string[] = [];
  for (const [label, file] of [['parquet', parquet], ['csv_gz', csv]] as const) {
    const store = await DuckDbStore.open(join(dir, `${label}.duckdb`), {seed: false});
    const report = await importFile(store.db, {file, kind: 'candles', ...key});
    const perSecond = Math.round(report.inserted / report.seconds);
    console.log(`${label}: ${report.inserted} candles in ${report.seconds.toFixed(2)} s = ${perSecond.toLocaleString('en-US')} candles/s`);
    figures.push(`${label}_candles_per_s=${perSecond}`);
    if (label === 'parquet') {
      const range = {fromMs: START + 1_000_000 * 60_000, toMs: START + 2_000_000 * 60_000};
      await store.marketData.readBars(key, range); // warm the buffer pool once
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const bars = await store.marketData.readBars(key, range);
        times.push((performance.now() - t0) / 1000);
        if (bars.length !== 1_000_000) throw new Error(`expected 1,000,000 candles, read ${bars.length}`);
      }
      const best = Math.min(...times);
      const median = times.sort((a, b) => a - b)[2];
      console.log(`range read of 1,000,000 candles into Float64Arrays: best ${best.toFixed(3)} s, median ${median.toFixed(3)} s`);
      figures.push(`range_read_1m_s=${median.toFixed(3)}`);
    }
    store.close();
  }
  rmSync(dir, {recursive: true, force: true});
  console.log(figures.join(' '));
}

await main();
