import {execFile, spawn} from 'node:child_process';
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-cli-opt-'));
const seeded = join(dir, 'seeded.duckdb');
const SWEEP = ['--strategy', 'sma-cross', '--from', '2024-01-01', '--to', '2025-01-01', '--sampler', 'random', '--seed', '4', '--trials', '120', '--workers', '1', '--keep', '1'];

/** A fresh copy of a seeded store, so each process starts from the same data. */
function storeCopy(name: string): string {
  const path = join(dir, `${name}.duckdb`);
  copyFileSync(seeded, path);
  return path;
}

async function trialsOf(db: string): Promise<Array<{fold: number; trial: number; params: unknown; metrics: unknown; runId: string | null}>> {
  const store = await DuckDbStore.open(db, {seed: false});
  try {
    const [sweep] = await store.sweeps.list();
    return (await store.sweeps.trials(sweep.sweepId, {withReturns: false})).map((t) => ({fold: t.fold, trial: t.trial, params: t.params, metrics: t.metrics, runId: t.runId}));
  } finally {
    store.close();
  }
}

describe('iftb optimize (built CLI)', () => {
  beforeAll(async () => {
    (await DuckDbStore.open(seeded)).close();
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('resumes a sweep killed with SIGKILL mid-way and ends with the same result set as an uninterrupted sweep', async () => {
    const whole = storeCopy('whole');
    const {stdout} = await run('node', [CLI, 'optimize', ...SWEEP, '--db', whole, '--reports-dir', join(dir, 'r1'), '--json']);
    const uninterrupted = JSON.parse(stdout) as {sweepId: string};

    const killed = storeCopy('killed');
    const child = spawn('node', [CLI, 'optimize', ...SWEEP, '--db', killed, '--reports-dir', join(dir, 'r2')], {stdio: ['ignore', 'ignore', 'pipe']});
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
    // Without a terminal the CLI logs each save it has committed; on the first, kill it without warning.
    const committed = await new Promise<number>((done, fail) => {
      let text = '';
      const timer = setTimeout(() => fail(new Error(`the sweep saved nothing within 2 minutes: ${text}`)), 120_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const saved = /: (\d+)\/120 saved\n/.exec(text);
        if (saved) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          done(Number(saved[1]));
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    expect(committed).toBeGreaterThan(0);
    const partial = await trialsOf(killed);
    expect(partial.length).toBeGreaterThanOrEqual(committed);
    expect(partial.length).toBeLessThan(120);

    const resumed = await run('node', [CLI, 'optimize', ...SWEEP, '--db', killed, '--reports-dir', join(dir, 'r2'), '--json']);
    expect(resumed.stderr).toMatch(new RegExp(`resuming sweep ${uninterrupted.sweepId}: ${partial.length} trials already stored`));
    expect(JSON.parse(resumed.stdout).sweepId).toBe(uninterrupted.sweepId);
    expect(await trialsOf(killed)).toEqual(await trialsOf(whole));
    expect(JSON.parse(resumed.stdout).summary).toEqual(JSON.parse(stdout).summary);
  });

  it('shows a sweep, re-runs a trial to the same run.json bytes, and lists sweeps', async () => {
    const db = storeCopy('show');
    const reports = join(dir, 'r3');
    const args = ['--db', db, '--reports-dir', reports];
    const first = JSON.parse((await run('node', [CLI, 'optimize', '--strategy', 'sma-cross', '--range', 'fast=5..30:5', '--range', 'slow=40..120:20',
      '--constraint', 'fast < slow', '--sampler', 'grid', '--from', '2024-06-01', '--to', '2024-09-01', '--keep', '2', '--workers', '2', '--json', ...args])).stdout);
    expect(first.summary.trials).toBe(30);
    const keptRun = first.kept[0] as string;
    const best = first.summary.best;
    expect(best.runId).toBe(keptRun);
    const before = readFileSync(join(reports, keptRun, 'run.json'));
    const shown = await run('node', [CLI, 'optimize', 'show', first.sweepId, '--trial', String(best.trial), ...args]);
    expect(shown.stdout).toMatch(new RegExp(`run\\s+${keptRun}: same run id, config hash and metrics as stored`));
    expect(readFileSync(join(reports, keptRun, 'run.json')).equals(before)).toBe(true);
    const table = (await run('node', [CLI, 'optimize', 'show', first.sweepId, ...args])).stdout;
    expect(table).toMatch(/every trial:/);
    expect(table.split('\n').filter((l) => /^\s+0\s+\d+\s+\d+\s+\d+/.test(l))).toHaveLength(30);
    expect(table).toMatch(/probability of backtest overfitting \(PBO\)\s+\d\.\d{3}/);
    expect((await run('node', [CLI, 'optimize', 'list', ...args.slice(0, 2)])).stdout).toMatch(new RegExp(`${first.sweepId} .* sma-cross\\s+grid\\s+100\\s+complete`));
    const bad = await run('node', [CLI, 'optimize', '--strategy', 'sma-cross', '--range', 'fast=9..3', ...args]).catch((e: {code: number; stderr: string}) => e);
    expect(bad).toMatchObject({code: 2});
    expect((bad as {stderr: string}).stderr).toMatch(/^error: search space: fast: min 9 is above max 3\n$/);
  });
});
