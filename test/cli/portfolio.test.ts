import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-pf-'));
const common = ['--db', join(dir, 'store.duckdb'), '--reports-dir', join(dir, 'reports')];
const window = ['--from', '2025-01-01', '--to', '2025-03-01'];
const fail = (error: {code: number; stdout: string; stderr: string}) => error;

describe('iftb backtest --symbols', () => {
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  let runId = '';

  it('backtests BTC and ETH on one account: the summary per symbol, run.json with the per-symbol breakdown', async () => {
    const {stdout} = await run('node', [CLI, 'backtest', ...common, '--symbols', 'BTC/USDT:USDT,ETH/USDT:USDT', '--strategy', 'sma-cross', ...window]);
    expect(stdout).toMatch(/sma-cross@1\.0\.0, BTC\/USDT:USDT, ETH\/USDT:USDT 1h/);
    expect(stdout).toMatch(/^ETH\/USDT:USDT\s+[\d,]+\s+0\s+-?[\d,.]+/m);
    expect(stdout).toMatch(/return correlation/);
    expect(stdout).toMatch(/account: in the market/);
    const path = /run\.json: (.*)/.exec(stdout)![1].trim();
    const text = readFileSync(path, 'utf8');
    const summary = JSON.parse(text);
    runId = summary.runId;
    expect(summary.market).toMatchObject({symbol: 'BTC/USDT:USDT', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT']});
    expect(summary.portfolio.symbols.map((s: {symbol: string}) => s.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
    const pnl = summary.portfolio.symbols.reduce((sum: number, s: {pnl: number}) => sum + s.pnl, 0);
    expect(pnl).toBeCloseTo(summary.finalEquity - 100_000, 6);
    expect(summary.portfolio.correlation.matrix[0][1]).toBeGreaterThan(0.3);
    expect(summary.portfolio.symbols[1].funding).not.toBe(0);
    // The same portfolio through the config file's `symbols` is the same run, byte for byte.
    const file = join(dir, 'portfolio.json');
    writeFileSync(file, JSON.stringify({strategy: 'sma-cross', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT']}));
    const again = (await run('node', [CLI, 'backtest', ...common, '--config', file, ...window, '--json'])).stdout;
    expect(`${again.trim()}\n`).toBe(text);
  });

  it('rebuilds, lists and compares portfolio runs', async () => {
    const bars = join(dir, 'reports', runId, 'bars.parquet');
    rmSync(bars);
    // Without bars.parquet the stored config is replayed and must give the same run id.
    const {stdout: html} = await run('node', [CLI, 'report', runId, ...common]);
    expect(existsSync(bars)).toBe(true);
    expect(readFileSync(html.trim(), 'utf8')).toContain('data-checks="ok"');
    const {stdout: list} = await run('node', [CLI, 'runs', 'list', '--db', join(dir, 'store.duckdb')]);
    expect(list).toMatch(new RegExp(`${runId} .*BTC\\+ETH 1h`));
    const single = JSON.parse((await run('node', [CLI, 'backtest', ...common, '--strategy', 'sma-cross', ...window, '--json'])).stdout);
    const {stdout: page} = await run('node', [CLI, 'runs', 'compare', runId, single.runId, ...common]);
    expect(readFileSync(page.trim(), 'utf8')).toContain('BTC/USDT:USDT, ETH/USDT:USDT 1h');
  });

  it('refuses a conflicting or repeated symbol list with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--symbols', 'BTC/USDT:USDT,BTC/USDT:USDT'], /--symbols lists BTC\/USDT:USDT twice/],
      [['--symbols', 'BTC/USDT:USDT,ETH/USDT:USDT', '--symbol', 'ETH/USDT:USDT'], /--symbol and --symbols cannot be combined/],
      [['--symbols', 'BTC/USDT:USDT,DOGE/USDT:USDT'], /no DOGE\/USDT:USDT 1h candles stored/],
      [['--symbols', 'BTC'], /unknown symbol 'BTC'/],
    ];
    for (const [args, message] of cases) {
      const result = await run('node', [CLI, 'backtest', ...common, '--strategy', 'sma-cross', ...args]).then(() => ({code: 0, stdout: '', stderr: ''}), fail);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
