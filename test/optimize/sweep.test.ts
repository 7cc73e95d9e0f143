import {describe, expect, it} from 'vitest';
import {RandomSampler} from '../../src/optimize/sampler.js';
import {parseSpace} from '../../src/optimize/space.js';
import {runFoldSweep, type StoredTrial, type SweepLog, type TrialExecutor} from '../../src/optimize/sweep.js';

describe('runFoldSweep', () => {
  it('reports as saved only trials its log holds, in step with each committed write, through to the last', async () => {
    const space = parseSpace({params: {x: {type: 'int', min: 0, max: 999}}});
    const held: StoredTrial[] = [];
    // A slow log: each write takes a while, so results finish well before they are durable.
    const log: SweepLog = {
      stored: async () => held,
      save: async (trials) => {
        await new Promise((r) => setTimeout(r, 20));
        held.push(...trials);
      },
    };
    const executor: TrialExecutor = {
      run: async (requests, onResult) => {
        for (const r of requests) {
          await new Promise((done) => setImmediate(done));
          onResult({...r, status: 'done', error: null, runId: null, configHash: null, dataHash: null, metrics: null, returns: null, worker: null, seconds: null});
        }
      },
    };
    const reports: Array<{saved: number; held: number; done: number}> = [];
    let done = 0;
    const progress = {start() {}, update: (n: number) => (done = n), saved: (n: number) => reports.push({saved: n, held: held.length, done}), stop() {}};
    const trials = await runFoldSweep({fold: 0, space, sampler: new RandomSampler(space, 3, () => true), trials: 200, batch: 1, objective: () => null, configOf: () => ({}), executor, log, progress});
    expect(trials).toHaveLength(200);
    expect(reports.length).toBeGreaterThan(1);
    for (const r of reports) expect(r.saved).toBe(r.held);
    expect(reports.some((r) => r.done > r.saved)).toBe(true);
    expect(reports.at(-1)!.saved).toBe(200);
  });
});
