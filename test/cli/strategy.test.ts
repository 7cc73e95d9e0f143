/**
 * Writing your own strategy as a newcomer would, with the built CLI: scaffold it outside the repo,
 * type-check it against the shipped SDK declarations, run its test, backtest the .ts file, and get
 * one clear line when its code throws.
 */
import {execFile} from 'node:child_process';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, it} from 'vitest';
import {REPO_ROOT, tempDir} from '../support/candle-files.js';
import {iftb} from '../support/cli.js';

// The project's own TypeScript, not node_modules/.bin/tsc: that link may point at tslab's older copy.
const TSC = resolve(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('iftb strategy', () => {
  const dir = tempDir('iftb-own-strategy-');
  const mine = join(dir, 'my strategies');
  const store = ['--db', join(dir, 'store.duckdb'), '--reports-dir', join(dir, 'reports')];
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('scaffolds a strategy and its test outside the repo, and both work as written', async () => {
    const made = await iftb(['strategy', 'new', 'rsi-dip', '--dir', mine]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(`wrote ${join(mine, 'rsi-dip.ts')}`);
    expect(readFileSync(join(mine, 'rsi-dip.ts'), 'utf8')).toContain("from 'iftb/sdk'");

    // The SDK's type declarations are enough for tsc, from a folder with no node_modules of its own.
    await promisify(execFile)(process.execPath, [TSC, '-p', mine]);

    const tested = await iftb(['strategy', 'test', join(mine, 'rsi-dip.test.ts')]);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/# pass 2\b/);
    expect(tested.stdout).toMatch(/# fail 0\b/);

    const again = await iftb(['strategy', 'new', 'rsi-dip', '--dir', mine]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/rsi-dip\.ts already exists/);
  });

  it('backtests a .ts strategy by path, whatever its file is called', async () => {
    const file = join(mine, 'Copy of rsi-dip.ts');
    writeFileSync(file, readFileSync(join(mine, 'rsi-dip.ts'), 'utf8'));
    const run = await iftb(['backtest', '--strategy', file, '--param', 'period=10', '--from', '2025-01-01', '--to', '2025-04-01', '--json', ...store]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.strategy).toMatchObject({name: 'rsi-dip', version: '0.1.0', params: {period: 10, oversold: 30, overbought: 70, qty: 0.01}});
    expect(summary.trades).toBeGreaterThan(0);
  });

  it('names the strategy, the bar and the message (and the .ts line) when decide throws', async () => {
    const file = join(mine, 'boom.ts');
    writeFileSync(file, `import {defineStrategy, HOLD, z} from 'iftb/sdk';

export default defineStrategy({
  name: 'boom', version: '1.0.0', description: 'throws at its tenth decision',
  params: z.object({}),
  setup: () => ({}),
  decide(ctx) {
    if (ctx.index === ${10}) {
      const reading: {value?: {x: number}} = {};
      return {kind: 'exit', reason: String(reading.value!.x)};
    }
    return HOLD;
  },
});
`);
    const run = await iftb(['backtest', '--strategy', file, '--from', '2025-01-01T00:00', '--to', '2025-01-03', ...store]);
    expect(run.code).toBe(1);
    // Decisions start at the first bar (no indicators to warm up): bar 10 closes at 11:00.
    expect(run.stderr.trim()).toBe(
      "error: strategy boom@1.0.0 failed in decide at the bar closing 2025-01-01 11:00 UTC (bar 10): TypeError: Cannot read properties of undefined (reading 'x') (at boom.ts:10:59)",
    );
  });

  it('says where a strategy does not compile', async () => {
    const file = join(mine, 'broken.ts');
    writeFileSync(file, "import {defineStrategy} from 'iftb/sdk';\nexport default defineStrategy({name: 'broken',, version: '1.0.0'});\n");
    const run = await iftb(['backtest', '--strategy', file, ...store]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(new RegExp(`^error: cannot load strategy ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .* \\(broken\\.ts:2:\\d+\\)$`));
  });
});
