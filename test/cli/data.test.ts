import {execFile} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {
  CANDLE_HEADER,
  candleLines,
  CLI,
  csvText,
  HOUR,
  makeBars,
  T0,
  tempDir,
  writeCandleCsv,
  writeText,
} from '../support/candle-files.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI; never rejects, so tests can assert on the exit code. */
function iftb(args: readonly string[]): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile('node', [CLI, ...args], {env: {...process.env, IFTB_DB: undefined}}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({code, stdout, stderr});
    });
  });
}

interface CoverageJson {
  kind: string;
  symbol: string;
  timeframe: string;
  rows: number;
  firstMs: number;
  lastMs: number;
  gaps: number;
}

async function coverage(db: string): Promise<CoverageJson[]> {
  const run = await iftb(['data', 'list', '--json', '--db', db, '--no-seed']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

const BTC = ['--symbol', 'BTC/USDT:USDT'];

describe('iftb data (built CLI)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = tempDir('iftb-cli-');
    dirs.push(dir);
    return {dir, db: join(dir, 'store.duckdb')};
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
  });

  it('is built: dist/src/cli/main.js exists', () => {
    expect(existsSync(CLI), `${CLI} is missing; run npm run build`).toBe(true);
  });

  it('lists the shipped sample in a fresh store: BTC and ETH 1h candles with 38,336 rows each', async () => {
    const {db} = scratch();
    const run = await iftb(['data', 'list', '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`note: ${db} does not exist: creating a new store, seeded with the shipped sample (datasets/)\n`);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^exchange\s+symbol\s+kind\s+tf\s+first \(UTC\)\s+last \(UTC\)\s+rows\s+gaps\s+missing$/);
    for (const symbol of ['BTC/USDT:USDT', 'ETH/USDT:USDT']) {
      const row = lines.find((l) => l.includes(symbol) && /\bcandles\b/.test(l));
      expect(row, `no candles row for ${symbol}`).toBeDefined();
      expect(row).toMatch(new RegExp(`^binanceusdm\\s+${symbol.replace('/', '\\/')}\\s+candles\\s+1h\\s+2022-01-01 00:00\\s+\\S+ \\S+\\s+38,336\\s+0\\s+0$`));
    }
    expect(lines.some((l) => /BTC\/USDT:USDT\s+mark\s+1h/.test(l))).toBe(true);
    expect(lines.some((l) => /ETH\/USDT:USDT\s+funding\s+8h/.test(l))).toBe(true);
  });

  it('says the store is empty when opened with --no-seed', async () => {
    const {db} = scratch();
    const run = await iftb(['data', 'list', '--db', db, '--no-seed']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/store is empty/);
    expect(await coverage(db)).toEqual([]);
  });

  it('imports a file, reports new and already-stored rows, and re-imports as a no-op', async () => {
    const {dir, db} = scratch();
    const file = writeCandleCsv(dir, 'btc.csv.gz', makeBars(48));
    const args = ['data', 'import', file, ...BTC, '--timeframe', '1h', '--db', db, '--no-seed'];
    const first = await iftb(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^imported .*btc\.csv\.gz: 48 rows, 48 new, 0 already stored/);
    const second = await iftb([...args, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({rows: 48, inserted: 0, skipped: 48});
    expect(await coverage(db)).toEqual([expect.objectContaining({kind: 'candles', symbol: 'BTC/USDT:USDT', timeframe: '1h', rows: 48, firstMs: T0})]);
  });

  it('refuses a bad file with exit code 2 and one error line naming the file and line, leaving counts unchanged', async () => {
    const {dir, db} = scratch();
    const good = makeBars(24);
    expect((await iftb(['data', 'import', writeCandleCsv(dir, 'good.csv', good), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed'])).code).toBe(0);
    const before = await coverage(db);

    const more = makeBars(5, {fromMs: T0 + 24 * HOUR, seed: 8});
    const lines = candleLines(more);
    lines[3] = lines[3].replace(/^(\d+),([^,]+),[^,]+,/, '$1,$2,3x,');
    const bad = writeText(dir, 'bad.csv', csvText(lines, CANDLE_HEADER));
    const run = await iftb(['data', 'import', bad, ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual(["error: bad.csv line 5: cannot read high from '3x'"]);
    expect(await coverage(db)).toEqual(before);
  });

  it('refuses a file that contradicts stored candles with a non-zero exit and a conflict message', async () => {
    const {dir, db} = scratch();
    const bars = makeBars(10);
    await iftb(['data', 'import', writeCandleCsv(dir, 'good.csv', bars), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    const before = await coverage(db);
    const changed = writeCandleCsv(dir, 'changed.csv', [bars[3], {...bars[4], close: bars[4].close + 1, high: bars[4].high + 1}]);
    const run = await iftb(['data', 'import', changed, ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^error: changed\.csv line 3: candle 2025-01-01T04:00:00\.000Z differs from the one stored/);
    expect(await coverage(db)).toEqual(before);
  });

  it('checks a clean seeded store and exits 0', async () => {
    const {db} = scratch();
    const run = await iftb(['data', 'check', '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/BTC\/USDT:USDT 1h candles: 38,336 rows, .*0 gaps .*no other issues/);
    expect(run.stdout).toMatch(/ETH\/USDT:USDT 1h candles: 38,336 rows/);
  });

  it('checks a file with negative volume: exit 3, naming the line, and writes nothing', async () => {
    const {dir, db} = scratch();
    const bars = makeBars(8);
    bars[5] = {...bars[5], volume: -0.5};
    const file = writeCandleCsv(dir, 'negative.csv', bars);
    const run = await iftb(['data', 'check', file, '--timeframe', '1h', '--db', db, '--no-seed']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/negative-volume 1/);
    expect(run.stdout).toMatch(/negative-volume\s+negative\.csv line 7: volume -0\.5/);
    expect(await coverage(db)).toEqual([]);

    const json = await iftb(['data', 'check', file, '--timeframe', '1h', '--json', '--db', db, '--no-seed']);
    expect(json.code).toBe(3);
    const [result] = JSON.parse(json.stdout);
    expect(result.quality.counts['negative-volume']).toBe(1);
    expect(result.quality.issues).toEqual([expect.objectContaining({kind: 'negative-volume', at: 'negative.csv line 7', timeMs: T0 + 5 * HOUR})]);
  });

  it('checks a file only with --timeframe', async () => {
    const {dir, db} = scratch();
    const file = writeCandleCsv(dir, 'btc.csv', makeBars(3));
    const run = await iftb(['data', 'check', file, '--db', db, '--no-seed']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*needs --timeframe/);
  });

  it('exports candles to Parquet and CSV that import back into a fresh store unchanged', async () => {
    const {dir, db} = scratch();
    const bars = makeBars(100);
    await iftb(['data', 'import', writeCandleCsv(dir, 'btc.csv', bars), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    for (const format of ['parquet', 'csv']) {
      const out = join(dir, 'out', `btc.${format}`);
      const exported = await iftb(['data', 'export', ...BTC, '--timeframe', '1h', '--format', format, '--out', out,
        '--from', '2025-01-01T10:00', '--to', '2025-01-03', '--db', db, '--no-seed']);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(/exported 38 rows/);

      const fresh = join(dir, `fresh-${format}.duckdb`);
      const imported = await iftb(['data', 'import', out, ...BTC, '--timeframe', '1h', '--json', '--db', fresh, '--no-seed']);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({rows: 38, inserted: 38});
      const back = await iftb(['data', 'export', ...BTC, '--timeframe', '1h', '--format', 'csv', '--out', join(dir, `back-${format}.csv`), '--db', fresh, '--no-seed']);
      expect(back.code).toBe(0);
      const again = readFileSync(join(dir, `back-${format}.csv`), 'utf8').trim().split('\n').slice(1);
      const expected = bars.slice(10, 48).map((b) => [b.openTime, b.open, b.high, b.low, b.close, b.volume].map(Number));
      expect(again.map((l) => l.split(',').map(Number))).toEqual(expected);
    }
  });

  it('resamples stored candles into a larger timeframe', async () => {
    const {dir, db} = scratch();
    await iftb(['data', 'import', writeCandleCsv(dir, 'btc.csv', makeBars(50)), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    const run = await iftb(['data', 'resample', ...BTC, '--from-timeframe', '1h', '--to', '4h', '--db', db, '--no-seed']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/13 buckets, 12 new, 0 already stored, 1 incomplete left out/);
    const refused = await iftb(['data', 'resample', ...BTC, '--from-timeframe', '1h', '--to', '1m', '--db', db, '--no-seed']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: cannot resample 1h into 1m/);
  });

  it('rejects a malformed symbol or an unknown timeframe with a non-zero exit and a clear message', async () => {
    const {dir, db} = scratch();
    const file = writeCandleCsv(dir, 'btc.csv', makeBars(3));
    const symbol = await iftb(['data', 'import', file, '--symbol', 'btcusdt', '--timeframe', '1h', '--db', db, '--no-seed']);
    expect(symbol.code).not.toBe(0);
    expect(symbol.stderr).toMatch(/unknown symbol 'btcusdt'/);
    const timeframe = await iftb(['data', 'import', file, ...BTC, '--timeframe', '7m', '--db', db, '--no-seed']);
    expect(timeframe.code).not.toBe(0);
    expect(timeframe.stderr).toMatch(/unknown timeframe '7m' \(expected one of 1m, .*1d\)/);
    const kind = await iftb(['data', 'import', file, ...BTC, '--timeframe', '1h', '--kind', 'trades', '--db', db, '--no-seed']);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toMatch(/expected one of candles, mark, funding, news, got 'trades'/);
    // Nothing was written by any of them.
    expect(await coverage(db)).toEqual([]);
  });

  it('reports a well-formed symbol or timeframe that is not stored, for export and check', async () => {
    const {dir, db} = scratch();
    await iftb(['data', 'import', writeCandleCsv(dir, 'btc.csv', makeBars(3)), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    const exportDoge = await iftb(['data', 'export', '--symbol', 'DOGE/USDT:USDT', '--timeframe', '1h', '--out', join(dir, 'x.parquet'), '--db', db, '--no-seed']);
    expect(exportDoge.code).not.toBe(0);
    expect(exportDoge.stderr).toMatch(/^error: nothing stored for DOGE\/USDT:USDT 1h/);
    expect(existsSync(join(dir, 'x.parquet'))).toBe(false);
    const check4h = await iftb(['data', 'check', ...BTC, '--timeframe', '4h', '--db', db, '--no-seed']);
    expect(check4h.code).not.toBe(0);
    expect(check4h.stderr).toMatch(/^error: no stored series matches/);
    const exportNoTf = await iftb(['data', 'export', ...BTC, '--out', join(dir, 'y.parquet'), '--db', db, '--no-seed']);
    expect(exportNoTf.code).toBe(2);
    expect(exportNoTf.stderr).toMatch(/needs --timeframe/);
  });

  it('refuses a missing file with exit code 2', async () => {
    const {dir, db} = scratch();
    const run = await iftb(['data', 'import', join(dir, 'nope.csv'), ...BTC, '--timeframe', '1h', '--db', db, '--no-seed']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([`error: ${join(dir, 'nope.csv')}: no such file`]);
  });
});
