/**
 * Two iftb commands on one store, as real processes: readers share it, a writer is told who holds
 * it (and may wait), and a running backtest leaves the store readable.
 */
import {pathToFileURL} from 'node:url';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {REPO_ROOT, tempDir, writeCandleCsv, makeBars} from '../support/candle-files.js';
import {iftb, nodeProcess, stopProcess} from '../support/cli.js';

const ADAPTER = pathToFileURL(resolve(REPO_ROOT, 'dist', 'src', 'adapters', 'duckdb', 'index.js')).href;

/** A process holding the store (read-only or read-write) until killed, or for `holdMs`. */
function holder(db: string, readOnly: boolean, holdMs = 60_000) {
  return nodeProcess(`
    const {DuckDbStore} = await import(${JSON.stringify(ADAPTER)});
    const store = await DuckDbStore.open(${JSON.stringify(db)}, {readOnly: ${readOnly}, seed: false});
    console.log('ready');
    setTimeout(() => { store.close(); process.exit(0); }, ${holdMs});`);
}

describe('two commands on one store', () => {
  const dir = tempDir('iftb-lock-');
  const db = join(dir, 'store.duckdb');

  beforeAll(async () => {
    // A seeded store, made once.
    expect((await iftb(['data', 'list', '--db', db])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    const {rmSync} = await import('node:fs');
    rmSync(dir, {recursive: true, force: true});
  });

  it('lets read-only commands share the store with another reader', async () => {
    const reader = await holder(db, true);
    try {
      const [list, runs] = await Promise.all([iftb(['data', 'list', '--db', db]), iftb(['runs', 'list', '--db', db])]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/BTC\/USDT:USDT/);
      expect(runs.code, runs.stderr).toBe(0);
    } finally {
      await stopProcess(reader);
    }
  });

  it('tells a writer which process holds the store, exits 75, and can --wait for it', async () => {
    const file = writeCandleCsv(dir, 'x.csv', makeBars(5));
    const importArgs = ['data', 'import', file, '--symbol', 'SOL/USDT:USDT', '--timeframe', '1h', '--db', db];
    const reader = await holder(db, true);
    try {
      const refused = await iftb(importArgs);
      expect(refused.code).toBe(75);
      expect(refused.stderr.trim()).toBe(`error: another iftb process (PID ${reader.pid}) is using ${db}; wait for it (--wait SECONDS) or use another store (--db)`);
    } finally {
      await stopProcess(reader);
    }
    // A reader that lets go after 6 s: the import waits for it, then goes ahead.
    const brief = await holder(db, true, 6_000);
    const waited = await iftb([...importArgs, '--wait', '30']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(new RegExp(`waiting up to 30 s for PID ${brief.pid} to release`));
    expect(waited.stdout).toMatch(/5 new/);
    await stopProcess(brief);
  });

  it('tells a reader when a writer holds the store', async () => {
    const writer = await holder(db, false);
    try {
      const list = await iftb(['data', 'list', '--db', db]);
      expect(list.code).toBe(75);
      expect(list.stderr).toMatch(new RegExp(`^error: another iftb process \\(PID ${writer.pid}\\) is using `));
      expect(list.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await stopProcess(writer);
    }
  });

  it('keeps the store readable while a backtest runs, and the backtest still records its run', async () => {
    const reports = join(dir, 'reports');
    // The ensemble (TA + ONNX over the whole sample): long enough that the reader below runs while it does.
    const backtest = iftb(['backtest', '--strategy', 'ensemble', '--db', db, '--reports-dir', reports, '--json']);
    let backtestDone = false;
    void backtest.then(() => (backtestDone = true));
    await new Promise((r) => setTimeout(r, 1_000));
    const list = await iftb(['data', 'list', '--db', db, '--wait', '5']);
    expect(list.code, list.stderr).toBe(0);
    expect(backtestDone, 'data list finished while the backtest was still running').toBe(false);
    const done = await backtest;
    expect(done.code, done.stderr).toBe(0);
    const runId = JSON.parse(done.stdout).runId;
    expect((await iftb(['runs', 'list', '--db', db])).stdout).toContain(runId);
  });
});
