import {randomUUID} from 'node:crypto';
import {copyFileSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {runSweep} from '../../src/app/optimize.js';
import {queueExecutor, serveTrials} from '../../src/app/optimize-queue.js';
import {dropPrefix, REDIS, startWorker as startWorkerOn, type WorkerProcess} from '../support/queue-workers.js';

const STRATEGY = resolve(import.meta.dirname, '../../dist/strategies/sma-cross.js');
const dir = mkdtempSync(join(tmpdir(), 'iftb-queue-'));
const seeded = join(dir, 'seeded.duckdb');
const base = {strategy: STRATEGY, fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2025, 0, 1)};

/** A real `iftb worker` process on its own copy of the store. */
function startWorker(name: string, prefix: string): WorkerProcess {
  const db = join(dir, `${name}.duckdb`);
  copyFileSync(seeded, db);
  return startWorkerOn(db, prefix);
}

describe('trials over a BullMQ queue on the real Redis', () => {
  let store: DuckDbStore;
  const prefixes: string[] = [];
  beforeAll(async () => {
    (await DuckDbStore.open(seeded)).close();
    copyFileSync(seeded, join(dir, 'coordinator.duckdb'));
    store = await DuckDbStore.open(join(dir, 'coordinator.duckdb'), {seed: false});
  });
  afterAll(async () => {
    store.close();
    rmSync(dir, {recursive: true, force: true});
    for (const prefix of prefixes) await dropPrefix(prefix);
  });

  it('two worker processes run one sweep; one killed with SIGKILL mid-way: no trial lost, each trial stored once', async () => {
    const prefix = `iftb-optimize-test-${randomUUID()}`;
    prefixes.push(prefix);
    const a = startWorker('a', prefix);
    const b = startWorker('b', prefix);
    try {
      await Promise.all([a.ready, b.ready]);
      let killed = false;
      const watch = setInterval(() => {
        if (!killed && a.done.length >= 5) {
          killed = true;
          a.child.kill('SIGKILL');
        }
      }, 5);
      const out = await runSweep(store, {base, sampler: 'random', seed: 8, trials: 60, keep: 0}, {executor: queueExecutor(REDIS, {prefix}), reportsDir: join(dir, 'reports')});
      clearInterval(watch);
      expect(killed).toBe(true);
      expect(out.trials).toHaveLength(60);
      expect(out.trials.every((t) => t.status === 'done')).toBe(true);
      const rows = await store.sweeps.trials(out.sweepId, {withReturns: false});
      expect(rows.map((r) => r.trial)).toEqual(Array.from({length: 60}, (_, i) => i));
      // Every trial finished, by one of the two workers; the survivor took over. Delivery is
      // at-least-once: a worker killed after finishing a trial but before the queue recorded it
      // has that one trial run again elsewhere (the coordinator above stored each trial once).
      const finished = [...a.done, ...b.done];
      expect(new Set(finished).size).toBe(60);
      const repeated = finished.filter((trial, i) => finished.indexOf(trial) !== i);
      expect(repeated.length).toBeLessThanOrEqual(1);
      if (repeated.length === 1) expect(repeated[0]).toBe(a.done.at(-1));
      expect(b.done.length).toBeGreaterThan(a.done.length);
      expect(new Set(out.trials.map((t) => t.worker?.split(':')[1])).size).toBe(2);
      // The results equal the same sweep run in worker threads on this machine.
      const local = await runSweep(store, {base: {...base, cash: 100_000}, sampler: 'random', seed: 8, trials: 60, keep: 0}, {workers: 2, reportsDir: join(dir, 'reports')});
      expect(local.trials.map((t) => [t.point, t.runId, t.metrics])).toEqual(out.trials.map((t) => [t.point, t.runId, t.metrics]));
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  });

  it('a worker whose store holds other data refuses the trial with the two data hashes', async () => {
    const prefix = `iftb-optimize-test-${randomUUID()}`;
    prefixes.push(prefix);
    const other = await DuckDbStore.open(join(dir, 'other.duckdb'), {seed: false});
    const btc = await store.marketData.readBars({exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'}, {fromMs: -Infinity, toMs: Date.UTC(2024, 11, 1)});
    await other.marketData.appendBars(btc.key, btc);
    const funding = await store.marketData.readFunding('binanceusdm', 'BTC/USDT:USDT', {fromMs: -Infinity, toMs: Infinity});
    await other.marketData.appendFunding('binanceusdm', 'BTC/USDT:USDT', funding);
    const server = await serveTrials(other, REDIS, {prefix, lockMs: 1500});
    try {
      const out = await runSweep(store, {base, sampler: 'random', seed: 1, trials: 2, keep: 0}, {executor: queueExecutor(REDIS, {prefix}), reportsDir: join(dir, 'reports')});
      expect(out.trials.every((t) => t.status === 'failed')).toBe(true);
      expect(out.trials[0].error).toMatch(/queue: worker .*: its store's data for sweep \w+ has hash \w{12}, the coordinator's \w{12}/);
    } finally {
      await server.close();
      other.close();
    }
  });
});
