import {randomUUID} from 'node:crypto';
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {type BacktestComparison, compareBacktests} from '../../src/app/compare-backtests.js';
import {queueBacktests, serveCompareBacktests} from '../../src/app/compare-queue.js';
import {trainModel} from '../../src/app/train.js';
import {BUSY_ENSEMBLE} from '../support/ensemble-params.js';
import {dropPrefix, REDIS} from '../support/queue-workers.js';
import {useSampleStore} from '../support/sample-store.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const TRAIN = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}};
const CONFIG = {a: 'tiny@1', b: 'tiny@2', backtest: {symbol: 'BTC/USDT:USDT', timeframe: '1h', toMs: day(2024, 4, 1), params: BUSY_ENSEMBLE}, resamples: 300, blockBars: 24, seed: 5};

/** The comparison without the files' paths (each side writes into its own reports dir). */
function withoutPaths(c: BacktestComparison): unknown {
  const side = ({runJson: _j, report: _r, ...rest}: BacktestComparison['a']) => rest;
  const {html: _h, json: _j, ...rest} = c;
  return {...rest, a: side(c.a), b: side(c.b)};
}

describe('iftb compare over the BullMQ queue on the real Redis', () => {
  const sample = useSampleStore();
  const prefixes: string[] = [];
  let dir = '';
  let worker: DuckDbStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-compare-queue-'));
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 1}, {modelsDir: join(dir, 'models')});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2, params: {rounds: 20, max_depth: 2}}, {modelsDir: join(dir, 'models')});
    // The worker's own store (the shipped sample, as the coordinator's) and its own copy of the registry.
    worker = await DuckDbStore.open(join(dir, 'worker.duckdb'));
    cpSync(join(dir, 'models'), join(dir, 'worker-models'), {recursive: true});
  });
  afterAll(async () => {
    worker?.close();
    rmSync(dir, {recursive: true, force: true});
    for (const prefix of prefixes) await dropPrefix(prefix);
  });

  const newPrefix = () => {
    const prefix = `iftb-compare-test-${randomUUID()}`;
    prefixes.push(prefix);
    return prefix;
  };

  it('the comparison from backtests run by a worker is the local one; both runs are saved in the coordinator\'s store', async () => {
    const local = await compareBacktests(sample.store(), CONFIG, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'local')});
    const prefix = newPrefix();
    const done: string[] = [];
    const server = await serveCompareBacktests(worker, REDIS, {prefix, modelsDir: join(dir, 'worker-models'), lockMs: 1500, log: (line) => done.push(line)});
    const coordinator = await DuckDbStore.open(join(dir, 'coordinator.duckdb'));
    try {
      const queued = await compareBacktests(coordinator, CONFIG, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'queued'), runner: queueBacktests(REDIS, {prefix})});
      // Both backtests ran on the worker (this store ran none).
      expect(done.filter((l) => l.startsWith('compare '))).toHaveLength(2);
      expect(done.join('\n')).toContain(`run ${local.a.runId}`);
      expect(withoutPaths(queued)).toEqual(withoutPaths(local));
      expect(JSON.parse(readFileSync(queued.json, 'utf8')).verdictTests).toEqual(local.verdictTests);
      for (const [q, l] of [[queued.a, local.a], [queued.b, local.b]] as const) {
        expect(q.runJson.startsWith(join(dir, 'queued'))).toBe(true);
        expect(readFileSync(q.runJson, 'utf8')).toBe(readFileSync(l.runJson, 'utf8'));
        expect(existsSync(q.report)).toBe(true);
        // The run is in the coordinator's store with its journal and trades, as a local run is.
        const stored = await coordinator.runs.get(q.runId);
        expect(stored).toMatchObject({runId: l.runId, configHash: l.configHash, dataHash: l.dataHash});
        const here = await sample.store().runs.get(l.runId);
        expect(stored!.metrics).toEqual(here!.metrics);
        expect(await coordinator.runs.trades(q.runId, 'BTC/USDT:USDT')).toEqual(await sample.store().runs.trades(l.runId, 'BTC/USDT:USDT'));
      }
    } finally {
      coordinator.close();
      await server.close();
    }
  });

  it('a worker whose registry holds another tiny@1 refuses the job at once (no retry, no result)', async () => {
    const prefix = newPrefix();
    const other = join(dir, 'other-models');
    cpSync(join(dir, 'models'), other, {recursive: true});
    rmSync(join(other, 'tiny'), {recursive: true, force: true});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 9}, {modelsDir: other});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2, params: {rounds: 20, max_depth: 2}}, {modelsDir: other});
    const lines: string[] = [];
    const server = await serveCompareBacktests(worker, REDIS, {prefix, modelsDir: other, lockMs: 1500, log: (line) => lines.push(line)});
    try {
      await expect(compareBacktests(sample.store(), CONFIG, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'refused'), runner: queueBacktests(REDIS, {prefix})}))
        .rejects.toThrow(/compare on the queue failed: tiny@1: worker [^:]+:\d+: its registry resolves tiny@1 → tiny@1 sha256 .*the coordinator's tiny@1 → tiny@1 sha256 .*refused/);
      // Permanent: refused once, not retried; B (the same tiny@2 on both) ran.
      const ofA = lines.filter((l) => l.includes('(tiny@1'));
      expect(ofA).toHaveLength(1);
      expect(ofA[0]).toMatch(/^compare compare_\w+ refused \(tiny@1\): its registry resolves/);
      expect(lines.filter((l) => / done \(tiny@2, run /.test(l))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('a worker whose candles differ refuses the job with both data hashes', async () => {
    const prefix = newPrefix();
    const edited = await DuckDbStore.open(join(dir, 'edited.duckdb'));
    await edited.db.run(`UPDATE candles SET close = close * 1.001 WHERE timeframe = '1h' AND open_time_ms = ${day(2024, 3, 15)}`);
    const server = await serveCompareBacktests(edited, REDIS, {prefix, modelsDir: join(dir, 'worker-models'), lockMs: 1500});
    try {
      await expect(compareBacktests(sample.store(), CONFIG, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'refused-data'), runner: queueBacktests(REDIS, {prefix})}))
        .rejects.toThrow(/compare on the queue failed: tiny@1: worker .*its store's market data has hash [0-9a-f]{12}…, the coordinator's [0-9a-f]{12}….*refused/);
    } finally {
      await server.close();
      edited.close();
    }
    // The same comparison again once a worker with the coordinator's data serves the queue: the refused jobs run now.
    const good = await serveCompareBacktests(worker, REDIS, {prefix, modelsDir: join(dir, 'worker-models'), lockMs: 1500});
    try {
      const c = await compareBacktests(sample.store(), CONFIG, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'after-fix'), runner: queueBacktests(REDIS, {prefix})});
      expect(c.a.dataHash).toBe(c.b.dataHash);
      expect(c.verdictTests.length).toBe(2);
    } finally {
      await good.close();
    }
  });
});
