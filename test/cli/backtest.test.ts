import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-bt-'));
const common = ['--db', join(dir, 'store.duckdb'), '--reports-dir', join(dir, 'reports')];
const fail = (error: {code: number; stdout: string; stderr: string}) => error;

describe('iftb backtest', () => {
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('runs the default ensemble on the shipped sample and writes run.json equal to --json output', async () => {
    const {stdout} = await run('node', [CLI, 'backtest', ...common, '--from', '2025-01-01', '--json']);
    const summary = JSON.parse(stdout);
    expect(summary.strategy.name).toBe('ensemble');
    expect(summary.market).toMatchObject({symbol: 'BTC/USDT:USDT', timeframe: '1h', firstBarMs: Date.UTC(2025, 0, 1)});
    expect(readFileSync(join(dir, 'reports', summary.runId, 'run.json'), 'utf8')).toBe(`${JSON.stringify(summary, null, 2)}\n`);
    expect(summary.sources.find((s: {source: string}) => s.source === 'llm').note).toMatch(/no LLM endpoint configured/);
  });

  it('prints a summary table that says which sources abstained', async () => {
    const {stdout} = await run('node', [CLI, 'backtest', ...common, '--strategy', 'sma-cross', '--param', 'fast=10', '--param', 'slow=40',
      '--from', '2025-01-01', '--to', '2025-03-01', '--funding', 'off', '--slippage-bps', '0']);
    expect(stdout).toMatch(/final equity\s+[\d,]+\.\d\d/);
    expect(stdout).toMatch(/sma-cross@1\.0\.0/);
    expect(stdout).toMatch(/run\.json: .*run\.json/);
  });

  it('reads a config file and lets flags override it', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({strategy: 'rsi-bollinger', cash: 50_000, params: {oversold: 25}}));
    const {stdout} = await run('node', [CLI, 'backtest', ...common, '--config', file, '--cash', '20000', '--from', '2025-01-01', '--json']);
    const summary = JSON.parse(stdout);
    expect(summary.strategy).toMatchObject({name: 'rsi-bollinger', params: expect.objectContaining({oversold: 25})});
    expect(summary.config.cash).toBe(20_000);
  });

  it('refuses bad input with one clear line and a non-zero exit code', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--strategy', 'nope'], /unknown strategy 'nope'/],
      [['--strategy', 'sma-cross', '--param', 'fast=100', '--param', 'slow=10'], /fast must be shorter than slow/],
      [['--leverage', 'abc'], /--leverage must be a number, got 'abc'/],
      [['--from', '2030-01-01'], /no BTC\/USDT:USDT 1h candles stored in the requested range/],
      [['--config', join(dir, 'missing.json')], /config file .* not found/],
      [['--symbol', 'DOGE/USDT:USDT'], /no DOGE\/USDT:USDT 1h candles stored/],
    ];
    for (const [args, message] of cases) {
      const result = await run('node', [CLI, 'backtest', ...common, ...args]).then(() => ({code: 0, stdout: '', stderr: ''}), fail);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
