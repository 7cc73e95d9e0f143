import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-report-'));
const reports = join(dir, 'reports');
const common = ['--db', join(dir, 'store.duckdb'), '--reports-dir', reports];
const fail = (error: {code: number; stdout: string; stderr: string}) => error;
const FILES = ['run.json', 'index.html', 'bars.parquet', 'trades.csv', 'trades.parquet', 'equity.csv', 'equity.parquet'];

describe('iftb report', () => {
  let runId = '';
  let original = '';
  beforeAll(async () => {
    const {stdout} = await run('node', [CLI, 'backtest', ...common, '--strategy', 'rsi-bollinger', '--from', '2024-06-01', '--to', '2025-01-01', '--json']);
    runId = JSON.parse(stdout).runId;
    original = readFileSync(join(reports, runId, 'index.html'), 'utf8');
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('iftb backtest writes the report and its exports next to run.json', () => {
    for (const file of FILES) expect(statSync(join(reports, runId, file)).size, file).toBeGreaterThan(0);
    expect(original).toContain(`data-metric="sharpe"`);
  });

  it('rebuilds a byte-identical index.html and exports from the store, run.json and bars.parquet', async () => {
    for (const file of ['index.html', 'trades.csv', 'equity.parquet']) rmSync(join(reports, runId, file));
    const {stdout} = await run('node', [CLI, 'report', runId, ...common]);
    expect(stdout.trim()).toBe(join(reports, runId, 'index.html'));
    expect(readFileSync(join(reports, runId, 'index.html'), 'utf8')).toBe(original);
    expect(existsSync(join(reports, runId, 'trades.csv'))).toBe(true);
    expect(existsSync(join(reports, runId, 'equity.parquet'))).toBe(true);
  });

  it('replays the stored config when bars.parquet is gone, and gets the same page', async () => {
    rmSync(join(reports, runId, 'bars.parquet'));
    rmSync(join(reports, runId, 'index.html'));
    await run('node', [CLI, 'report', runId, ...common]);
    expect(readFileSync(join(reports, runId, 'index.html'), 'utf8')).toBe(original);
    expect(existsSync(join(reports, runId, 'bars.parquet'))).toBe(true);
  });

  it('refuses an unknown run or a missing run.json with one clear line', async () => {
    const unknown = await run('node', [CLI, 'report', 'feedbeefcafe', ...common]).then(() => ({code: 0, stdout: '', stderr: ''}), fail);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("error: no run 'feedbeefcafe' in the store (see `iftb runs list`)");
    const elsewhere = ['--db', join(dir, 'store.duckdb'), '--reports-dir', join(dir, 'nowhere')];
    rmSync(join(reports, runId, 'run.json'));
    const missing = await run('node', [CLI, 'report', runId, ...elsewhere]).then(() => ({code: 0, stdout: '', stderr: ''}), fail);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/run\.json of run \w+ not found/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
