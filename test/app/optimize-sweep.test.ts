import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {openSweep, replayTrial, runSweep} from '../../src/app/optimize.js';
import {OOS_TRIAL} from '../../src/optimize/sweep.js';
import {DAY, useSampleStore} from '../support/sample-store.js';

const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2024, 6, 1);
const base = {strategy: 'sma-cross', fromMs: FROM, toMs: TO};
const request = (extra: Record<string, unknown> = {}) => ({base, sampler: 'random', seed: 9, trials: 12, keep: 1, ...extra});

describe('iftb optimize sweeps (in this thread)', () => {
  const sample = useSampleStore();
  const reports = () => join(sample.dir(), 'reports');

  it('runs every trial as a real backtest: a trial has the run id, config hash and metrics of `iftb backtest` with its params', async () => {
    const out = await runSweep(sample.store(), request(), {workers: 0, reportsDir: reports()});
    expect(out.trials).toHaveLength(12);
    expect(out.trials.every((t) => t.status === 'done' && t.fold === 0)).toBe(true);
    for (const t of out.trials.slice(0, 3)) {
      const run = await runBacktest(sample.store(), {...base, params: t.point, llm: {mode: 'off'}});
      expect(run.runId).toBe(t.runId);
      expect(run.configHash).toBe(t.configHash);
      expect(run.dataHash).toBe(t.dataHash);
      expect(t.returns!.values.length).toBe((TO - FROM) / DAY);
    }
    // Stored: params, metrics, hashes, returns; the sweep complete with its summary.
    const rows = await sample.store().sweeps.trials(out.sweepId);
    expect(rows.map((r) => r.params)).toEqual(out.trials.map((t) => t.point));
    expect((await sample.store().sweeps.get(out.sweepId))!.status).toBe('complete');
    expect(out.summary.best!.objective).toBe(Math.max(...out.trials.map((t) => t.objective ?? -Infinity)));
    expect(out.summary.overfitting.deflatedSharpe!.trials).toBe(12);
    expect(out.summary.overfitting.pbo!.splits).toBe(12870);
    // The best trial's full record is kept: run.json, report, and the run in the run store.
    expect(out.kept).toEqual([out.summary.best!.runId]);
    expect(existsSync(join(reports(), out.kept[0], 'run.json'))).toBe(true);
    expect(await sample.store().runs.get(out.kept[0])).not.toBeNull();
    const html = readFileSync(out.report.html, 'utf8');
    expect(html).toContain('deflated Sharpe ratio');
    expect(html).toContain('probability of backtest overfitting');
    expect(readFileSync(out.report.csv, 'utf8').split('\n')[0]).toMatch(/^fold,trial,fast,slow,status,objective/);
  });

  it('is deterministic for a seed, and running the same request again resumes (nothing re-run) or extends it', async () => {
    const first = await runSweep(sample.store(), request({seed: 21}), {workers: 0, reportsDir: reports()});
    const again = await runSweep(sample.store(), request({seed: 21}), {workers: 0, reportsDir: reports()});
    expect(again.sweepId).toBe(first.sweepId);
    expect(again.resumedTrials).toBe(12);
    expect(again.trials).toEqual(first.trials);
    const more = await runSweep(sample.store(), request({seed: 21, trials: 16}), {workers: 0, reportsDir: reports()});
    expect(more.sweepId).toBe(first.sweepId);
    expect(more.trials.slice(0, 12).map((t) => t.point)).toEqual(first.trials.map((t) => t.point));
    expect(more.trials).toHaveLength(16);
    const other = await runSweep(sample.store(), request({seed: 22}), {workers: 0, reportsDir: reports()});
    expect(other.sweepId).not.toBe(first.sweepId);
  });

  it('re-runs a stored trial byte-identically (run.json of a kept trial written again with the same bytes)', async () => {
    const out = await runSweep(sample.store(), request({seed: 5, trials: 6}), {workers: 0, reportsDir: reports()});
    const kept = out.trials.find((t) => t.runId === out.kept[0])!;
    const path = join(reports(), kept.runId!, 'run.json');
    const before = readFileSync(path);
    const {prepared} = await openSweep(sample.store(), out.sweepId);
    const saved = await replayTrial(sample.store(), prepared, kept, reports());
    expect(readFileSync(saved.runJsonPath).equals(before)).toBe(true);
    // A trial that was not kept re-runs too, and matches its stored metrics.
    const other = out.trials.find((t) => t.runId !== kept.runId)!;
    expect((await replayTrial(sample.store(), prepared, other, reports())).summary.metrics).toEqual(other.metrics);
  });

  it('grid sweeps skip points that break a constraint or the strategy\'s own rules; invalid spaces get one clear line', async () => {
    const out = await runSweep(sample.store(), {
      base, sampler: 'grid', trials: 100, keep: 0,
      space: {params: {fast: {type: 'int', min: 10, max: 40, step: 10}, slow: {type: 'int', min: 20, max: 40, step: 10}}, constraints: ['fast * 2 <= slow']},
    }, {workers: 0, reportsDir: reports()});
    expect(out.trials.map((t) => t.point)).toEqual([{fast: 10, slow: 20}, {fast: 10, slow: 30}, {fast: 10, slow: 40}, {fast: 20, slow: 40}]);
    await expect(runSweep(sample.store(), {base: {...base, strategy: 'sma-cross'}, space: {params: {fast: {type: 'int', min: 9, max: 3}}}}, {workers: 0})).rejects.toThrow(/min 9 is above max 3/);
    await expect(runSweep(sample.store(), {base, space: {params: {fast: {type: 'int', min: 1, max: 5}}, constraints: ['fast < slw']}}, {workers: 0})).rejects.toThrow(/unknown name 'slw'/);
  });

  it('walk-forward: optimises each training window, trades the best on the next test window, stitches the out-of-sample result', async () => {
    const out = await runSweep(sample.store(), {
      base: {strategy: 'sma-cross', fromMs: FROM, toMs: FROM + 150 * DAY}, sampler: 'random', seed: 2, trials: 5,
      walkForward: {trainMs: 60 * DAY, testMs: 30 * DAY},
    }, {workers: 0, reportsDir: reports()});
    const wf = out.summary.walkForward!;
    expect(out.folds.map((f) => (f.testFromMs - FROM) / DAY)).toEqual([60, 90, 120]);
    expect(wf.folds).toHaveLength(3);
    for (const fold of wf.folds) {
      const oos = out.trials.find((t) => t.fold === fold.fold && t.trial === OOS_TRIAL)!;
      expect(oos.point).toEqual(fold.best!.params);
      // The OOS run is the chosen params on the test window only.
      const run = await runBacktest(sample.store(), {strategy: 'sma-cross', fromMs: fold.test.fromMs, toMs: fold.test.toMs, params: oos.point, llm: {mode: 'off'}});
      expect(run.runId).toBe(oos.runId);
    }
    const product = wf.folds.reduce((g, f) => g * (1 + f.outOfSample!.totalReturn!), 1) - 1;
    expect(wf.outOfSample.totalReturn).toBeCloseTo(product, 9);
    expect(wf.outOfSample.days).toBe(90);
    expect(out.kept).toHaveLength(3);
    expect(readFileSync(out.report.html, 'utf8')).toContain('walk-forward efficiency');
  });
});
