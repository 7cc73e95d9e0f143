import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {prepareSweep} from '../../src/app/optimize.js';
import {inlineExecutor} from '../../src/app/optimize-executors.js';
import {TrialPool} from '../../src/app/optimize-pool.js';
import {trialConfig} from '../../src/app/optimize-spec.js';
import {RandomSampler} from '../../src/optimize/sampler.js';
import type {TrialRequest, TrialResult} from '../../src/optimize/sweep.js';
import {useSampleStore} from '../support/sample-store.js';

// Worker threads run the built code: the strategy is loaded from the same compiled file in both
// places, so its source hash (part of every run id) agrees.
const STRATEGY = resolve(import.meta.dirname, '../../dist/strategies/sma-cross.js');
const base = {strategy: STRATEGY, fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 4, 1)};

async function collect(run: (onResult: (r: TrialResult) => void) => Promise<void>): Promise<TrialResult[]> {
  const out: TrialResult[] = [];
  await run((r) => out.push(r));
  return out.sort((a, b) => a.trial - b.trial);
}

const comparable = (r: TrialResult) => ({trial: r.trial, point: r.point, runId: r.runId, metrics: r.metrics, returns: Array.from(r.returns!.values)});

describe('worker-thread trial pool', () => {
  const sample = useSampleStore();

  it('gives the same results as this thread, and a worker killed mid-sweep loses no trial', async () => {
    const p = await prepareSweep(sample.store(), {base, sampler: 'random', seed: 3, trials: 16});
    const requests: TrialRequest[] = new RandomSampler(p.space, 3, p.filter).propose(0, 16)
      .map((point, trial) => ({fold: 0, trial, point, config: trialConfig(p.spec, point, null)}));
    const inline = await collect((on) => inlineExecutor(p.market, p.strategy).run(requests, on));
    const pool = await TrialPool.start({market: p.market, strategy: p.strategyRef}, 2);
    try {
      expect(pool.size).toBe(2);
      const pooled = await collect((on) => pool.run(requests, on));
      expect(pooled.map(comparable)).toEqual(inline.map(comparable));
      expect(new Set(pooled.map((r) => r.worker)).size).toBe(2);
      // Kill one thread after the first result: its trial goes to a fresh thread; every trial arrives once.
      let killed = false;
      const again = await collect((on) => pool.run(requests, (r) => {
        on(r);
        if (!killed) {
          killed = true;
          void pool.threads[0].terminate();
        }
      }));
      expect(killed).toBe(true);
      expect(again.map((r) => r.trial)).toEqual(requests.map((r) => r.trial));
      expect(again.map(comparable)).toEqual(inline.map(comparable));
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('refuses to start when a worker cannot load the strategy', async () => {
    const p = await prepareSweep(sample.store(), {base, sampler: 'random', trials: 2});
    await expect(TrialPool.start({market: p.market, strategy: '/nowhere/strategy.js'}, 1)).rejects.toThrow(/refused the sweep: strategy file/);
  });
});
