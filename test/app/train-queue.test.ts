import {randomUUID} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {JobProducer} from '../../src/adapters/queue/index.js';
import {queueFoldTrainer, serveTraining, TRAIN_QUEUE} from '../../src/app/train-queue.js';
import {trainWalkForward} from '../../src/app/walk-forward.js';
import {ModelRegistry} from '../../src/ml/index.js';
import {dropPrefix, REDIS, startWorker} from '../support/queue-workers.js';
import {DAY, useSampleStore} from '../support/sample-store.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const WF = {name: 'wfq', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}, seed: 5};
const WINDOWS = {trainMs: 20 * DAY, testMs: 10 * DAY};

describe('walk-forward training over the BullMQ queue on the real Redis', () => {
  const sample = useSampleStore();
  const prefixes: string[] = [];
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-train-queue-'));
  });
  afterAll(async () => {
    rmSync(dir, {recursive: true, force: true});
    for (const prefix of prefixes) await dropPrefix(prefix);
  });

  it('folds trained by a real `iftb worker` process give the model trained here, byte for byte', async () => {
    const prefix = `iftb-train-test-${randomUUID()}`;
    prefixes.push(prefix);
    const local = await trainWalkForward(sample.store(), WF, WINDOWS, {modelsDir: join(dir, 'local')});
    const worker = startWorker(join(dir, 'worker.duckdb'), prefix, ['--no-seed']);
    try {
      await worker.ready;
      const queued = await trainWalkForward(sample.store(), WF, WINDOWS, {modelsDir: join(dir, 'queued'), foldTrainer: queueFoldTrainer(REDIS, {prefix})});
      // Every fold went to the worker (this process serves no training jobs).
      expect(worker.trained).toHaveLength(local.walkForward.folds.length);
      expect(queued.walkForward).toEqual(local.walkForward);
      expect(queued.walkForward.folds.map((f) => f.model!.sha256)).toEqual(local.walkForward.folds.map((f) => f.model!.sha256));
      expect(new ModelRegistry(join(dir, 'queued')).verify('wfq@1')[0].ok).toBe(true);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('a job whose rows do not match its sha256 is refused at once, not trained', async () => {
    const prefix = `iftb-train-test-${randomUUID()}`;
    prefixes.push(prefix);
    const server = await serveTraining(REDIS, {prefix, lockMs: 1500});
    const producer = new JobProducer(REDIS, {prefix, name: TRAIN_QUEUE});
    try {
      const rows = Buffer.from(new Float32Array(20).buffer).toString('base64');
      const labels = Buffer.from(new Float32Array(10).buffer).toString('base64');
      const job = {sha256: '0'.repeat(64), train: {rows, nrow: 10, ncol: 2, labels}, predict: null, params: {}, seed: 1};
      const outcomes: Array<{ok: boolean; value: unknown}> = [];
      await producer.runAll([{id: `fold_${'0'.repeat(64)}`, data: job}], (o) => outcomes.push(o));
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0].ok).toBe(false);
      expect(String(outcomes[0].value)).toMatch(/does not match its sha256; refused/);
    } finally {
      await producer.close();
      await server.close();
    }
  });
});
