import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {startBinanceUsdmServer} from '../support/binance-usdm-server.js';
import {makeBars, writeCandleCsv} from '../support/candle-files.js';
import {EXCHANGE_INFO_JAN, EXCHANGE_INFO_MAR, JAN, LEVERAGE_BRACKETS} from '../support/instrument-fixtures.js';

const exec = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-instr-'));
const common = ['--db', join(dir, 'store.duckdb'), '--no-seed', '--reports-dir', join(dir, 'reports')];
const dbOnly = ['--db', join(dir, 'store.duckdb'), '--no-seed'];
const NO_KEYS = {...process.env, BINANCE_API_KEY: '', BINANCE_API_SECRET: ''};
type Result = {code: number; stdout: string; stderr: string};
const run = (args: string[], env: NodeJS.ProcessEnv = NO_KEYS): Promise<Result> =>
  exec('node', [CLI, ...args], {env}).then((r) => ({code: 0, ...r}), (error: Result) => error);

describe('iftb data instruments and a backtest of a new symbol', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('imports candles from a CSV, refuses to backtest without a spec in one line, then backtests after an offline import', async () => {
    const csv = writeCandleCsv(dir, 'sol-1h.csv', makeBars(24 * 100, {fromMs: JAN, price: 150.123456, seed: 11}));
    expect((await run(['data', 'import', csv, '--symbol', 'SOL/USDT:USDT', '--timeframe', '1h', ...dbOnly])).code).toBe(0);
    const backtest = ['backtest', '--strategy', 'sma-cross', '--symbol', 'SOL/USDT:USDT', '--param', 'qty=12.345', '--from', '2025-03-10',
      '--funding', 'off', ...common];

    const missing = await run(backtest);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'error: no instrument spec for SOL/USDT:USDT on binanceusdm: run `iftb data instruments sync --symbols SOL/USDT:USDT` (offline: `iftb data instruments import exchangeInfo.json`)',
    ]);

    const jan = await run(['data', 'instruments', 'import', EXCHANGE_INFO_JAN, ...dbOnly]);
    expect(jan.stdout).toMatch(/^imported instrument specs for 3 symbols from .*exchange-info-2025-01-01\.json as of 2025-01-01 00:00: 3 new versions, 0 unchanged/);
    const mar = await run(['data', 'instruments', 'import', EXCHANGE_INFO_MAR, '--symbols', 'SOL/USDT:USDT', ...dbOnly]);
    expect(mar.stdout).toMatch(/for 1 symbols .* 1 new version, 0 unchanged/);

    const ok = await run(backtest);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/instrument: SOL\/USDT:USDT tick 0\.001, step 0\.1, min notional 5, fees 0\.0002\/0\.0005; spec file exchange-info-2025-03-01\.json sha256:[0-9a-f]{12} as of 2025-03-01 00:00:00 \([0-9a-f]{12}\); brackets DEFAULT conservative schedule/);
    expect(ok.stdout).toMatch(/note: no leverage brackets stored for SOL\/USDT:USDT: using IFTB's conservative default schedule/);

    const brackets = await run(['data', 'instruments', 'import', LEVERAGE_BRACKETS, '--kind', 'brackets', '--as-of', '2025-03-01', ...dbOnly]);
    expect(brackets.stdout).toMatch(/leverage brackets for 1 symbols .* 1 new version, 0 unchanged; skipped 1 Binance ids no stored spec names .*: XRPUSDT/);
    const json = JSON.parse((await run([...backtest, '--json'])).stdout);
    expect(json.instrument).toMatchObject({defaultBrackets: false, brackets: {asOf: '2025-03-01T00:00:00.000Z'}, spec: {tickSize: 0.001}});

    const list = JSON.parse((await run(['data', 'instruments', 'list', '--json', ...dbOnly])).stdout);
    expect(list.specs.filter((v: {symbol: string}) => v.symbol === 'SOL/USDT:USDT').map((v: {rules: {tickSize: number}}) => v.rules.tickSize)).toEqual([0.01, 0.001]);
    expect(list.brackets.map((v: {symbol: string}) => v.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT']);
    const text = (await run(['data', 'instruments', 'list', '--symbols', 'SOL/USDT:USDT', ...dbOnly])).stdout;
    expect(text).toMatch(/SOL\/USDT:USDT\s+2025-01-01 00:00\s+0\.01\s+0\.1/);
    expect(text).toMatch(/SOL\/USDT:USDT\s+2025-03-01 00:00\s+5\s+75x → 5x/);
  });

  it('syncs through ccxt, with leverage brackets when BINANCE_API_KEY and BINANCE_API_SECRET are set', async () => {
    const keys = {apiKey: 'cli-key', secret: 'cli-secret'};
    const server = await startBinanceUsdmServer({symbols: ['BTCUSDT', 'SOLUSDT'], credentials: keys, instruments: {SOLUSDT: {tickSize: '0.0010', stepSize: '1', minQty: '1', minNotional: '5'}}});
    closers.push(() => server.close());
    const db = ['--db', join(dir, 'sync.duckdb'), '--no-seed'];
    const plain = await run(['data', 'instruments', 'sync', '--symbols', 'SOL/USDT:USDT', '--api-url', server.url, ...db]);
    expect(plain.stdout).toMatch(/^synced 1 of 2 listed instrument specs as of .*: 1 new version, 0 unchanged; leverage brackets not fetched \(set BINANCE_API_KEY and BINANCE_API_SECRET/);
    const signed = await run(['data', 'instruments', 'sync', '--symbols', 'SOL/USDT:USDT', '--api-url', server.url, ...db],
      {...process.env, BINANCE_API_KEY: keys.apiKey, BINANCE_API_SECRET: keys.secret});
    expect(signed.stdout).toMatch(/leverage brackets: 1 new version, 0 unchanged \(2 requests\)/);
    const half = await run(['data', 'instruments', 'sync', '--api-url', server.url, ...db], {...process.env, BINANCE_API_KEY: 'x', BINANCE_API_SECRET: ''});
    expect([half.code, half.stderr.trim()]).toEqual([2, 'error: set both BINANCE_API_KEY and BINANCE_API_SECRET, or neither']);
  });
});
