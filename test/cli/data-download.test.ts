import {execFile} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterEach, describe, expect, it} from 'vitest';
import {startBinanceUsdmServer} from '../support/binance-usdm-server.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const HOUR = 3_600_000;
const FROM = Date.UTC(2024, 0, 1);

describe('iftb data download', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('downloads through a 429 and a 502 into the store, then resumes with nothing new', async () => {
    const server = await startBinanceUsdmServer({
      generate: {seed: 7, fromMs: FROM, toMs: FROM + 2_500 * HOUR},
      faults: {rateLimitAt: [2], retryAfterSeconds: 0, serverErrorAt: [3], serverErrorStatus: 502},
    });
    closers.push(() => server.close());
    const db = join(mkdtempSync(join(tmpdir(), 'iftb-dl-')), 'store.duckdb');
    const args = ['data', 'download', '--symbol', 'BTC/USDT:USDT', '--timeframe', '1h', '--since', '2024-01-01',
      '--until', String(FROM + 2_500 * HOUR), '--api-url', server.url, '--db', db, '--no-seed'];

    const first = await run('node', [CLI, ...args]);
    expect(first.stdout).toMatch(/2,500 new candles, 0 already stored/);
    expect(first.stdout).toMatch(/2 retries/);

    const second = await run('node', [CLI, ...args]);
    expect(second.stdout).toMatch(/0 new candles/);

    const list = await run('node', [CLI, 'data', 'list', '--json', '--db', db, '--no-seed']);
    const rows = JSON.parse(list.stdout);
    expect(rows).toEqual([expect.objectContaining({symbol: 'BTC/USDT:USDT', timeframe: '1h', rows: 2_500, gaps: 0, firstMs: FROM})]);
  });

  it('fails fast with a clear message when nothing listens at the API URL', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'iftb-dl-')), 'store.duckdb');
    const result = await run('node', [CLI, 'data', 'download', '--symbol', 'BTC/USDT:USDT', '--timeframe', '1h',
      '--since', '2024-01-01', '--api-url', 'http://127.0.0.1:9', '--retries', '1', '--timeout-ms', '500', '--db', db, '--no-seed'])
      .then(() => ({code: 0, stderr: ''}), (error: {code: number; stderr: string}) => error);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: binanceusdm: .*failed after 1 retr/m);
  });
});
