/** Bad input loses nothing silently: one rule, one message and exit code 2, whether a flag, a config file or commander caught it. */
import {existsSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {tempDir} from '../support/candle-files.js';
import {iftb} from '../support/cli.js';

describe('bad input', () => {
  const dir = tempDir('iftb-input-');
  const db = join(dir, 'never-created', 'store.duckdb');
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it.concurrent.each([
    [['--cash', '-5'], 'error: backtest config: cash: must be > 0 USDT, got -5'],
    [['--cash', '0'], 'error: backtest config: cash: must be > 0 USDT, got 0'],
    [['--leverage', '0'], 'error: backtest config: leverage: must be between 1 and 125, got 0'],
    [['--leverage', '1000'], 'error: backtest config: leverage: must be between 1 and 125, got 1000'],
    [['--leverage', 'abc'], "error: option '--leverage <x>' argument 'abc' is invalid. --leverage must be a number, got 'abc'"],
    [['--bogus'], "error: unknown option '--bogus'"],
    [['--strategy', 'sma-cross', '--param', 'fsat=10'], "error: strategy sma-cross has no parameter 'fsat' (did you mean 'fast'?); its parameters: fast, slow, qty"],
  ])('backtest %j: one line, exit 2, and no store created', async (args, message) => {
    const run = await iftb(['backtest', ...args, '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(message);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses an unknown parameter in a config file the same way', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({strategy: 'sma-cross', cash: 1000, params: {slwo: 30}}));
    const run = await iftb(['backtest', '--config', config, '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe("error: strategy sma-cross has no parameter 'slwo' (did you mean 'slow'?); its parameters: fast, slow, qty");
  });

  it('says on the first line that it creates a missing store, its folder and the seed', async () => {
    const fresh = join(dir, 'nonexistent', 'dir', 'x.duckdb');
    const run = await iftb(['data', 'list', '--db', fresh, '--no-seed']);
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(`note: ${fresh} does not exist: creating a new store and its folder ${join(dir, 'nonexistent', 'dir')}, empty (--no-seed)`);
    expect(existsSync(fresh)).toBe(true);
    expect((await iftb(['data', 'list', '--db', fresh, '--no-seed'])).stderr).toBe('');
  });
});
