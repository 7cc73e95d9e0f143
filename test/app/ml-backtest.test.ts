import {appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {trainModel} from '../../src/app/train.js';
import {trainWalkForward} from '../../src/app/walk-forward.js';
import {ErrorCode, isIftbError, barViewAt} from '../../src/core/index.js';
import {ModelRegistry} from '../../src/ml/index.js';
import {createStrategyKit, type MlAnalyzer} from '../../src/app/strategy-kit.js';
import {createModelAnalyzer} from '../../src/signals/ml/index.js';
import {OnnxModel} from '../../src/ml/onnx-model.js';
import {useSampleStore} from '../support/sample-store.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const TRAIN = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}};
const backtest = (fromMs: number, toMs: number, model = 'tiny@live') => ({
  strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs, toMs, params: {model},
});

async function errorOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('backtests with a trained model', () => {
  const sample = useSampleStore();
  let models = '';
  beforeAll(async () => {
    models = mkdtempSync(join(tmpdir(), 'iftb-ml-bt-'));
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 1}, {modelsDir: models});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2}, {modelsDir: models});
    new ModelRegistry(models).pin('tiny', '1', 'live');
  });
  afterAll(() => rmSync(models, {recursive: true, force: true}));

  it('uses the pinned model as the ML source and records it in run.json', async () => {
    const run = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 5, 1)), {modelsDir: models});
    const summary = summarizeRun(run);
    const ml = summary.sources.find((s) => s.source === 'ml')!;
    expect(ml).toMatchObject({id: 'ml.tiny@1', status: 'active'});
    expect(ml.activeBars).toBeGreaterThan(1_000);
    expect(summary.ml).toMatchObject({model: 'tiny@1', inSample: false});
    expect(summary.ml!.models[0]).toMatchObject({ref: 'tiny@live', channel: 'live', featureSet: 'ohlcv-v1', inSampleBars: 0});
  });

  it('flags a decision range that overlaps the training window, and --strict refuses it', async () => {
    const run = await runBacktest(sample.store(), backtest(day(2024, 2, 1), day(2024, 4, 1)), {modelsDir: models});
    expect(run.ml).toMatchObject({model: 'tiny@1', inSample: true});
    expect(run.ml!.models[0].inSampleBars).toBe(29 * 24); // Feb 2024 has 29 days
    const error = await errorOf(runBacktest(sample.store(), backtest(day(2024, 2, 1), day(2024, 4, 1)), {modelsDir: models, strict: true}));
    expect(isIftbError(error, ErrorCode.IN_SAMPLE)).toBe(true);
    expect((error as Error).message).toMatch(/overlaps tiny@1's training\/validation window .* on 696 bars/);
    // Out of sample: --strict lets it run.
    const ok = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1)), {modelsDir: models, strict: true});
    expect(ok.ml!.inSample).toBe(false);
  });

  it('makes the model part of the run identity', async () => {
    const a = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1), 'tiny@1'), {modelsDir: models});
    const b = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1), 'tiny@2'), {modelsDir: models});
    expect(a.runId).not.toBe(b.runId);
    expect(a.dataHash).toBe(b.dataHash);
  });

  it('abstains with the reason when the reference does not resolve', async () => {
    const run = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1), 'tiny@staging'), {modelsDir: models});
    const ml = summarizeRun(run).sources.find((s) => s.source === 'ml')!;
    expect(ml).toMatchObject({status: 'abstained', note: expect.stringMatching(/tiny has no 'staging' pin.*the XGBoost source abstains/)});
    expect(run.ml).toBeNull();
  });

  it('refuses to run with a tampered model', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'iftb-ml-tamper-'));
    try {
      cpSync(models, copy, {recursive: true});
      appendFileSync(join(copy, 'tiny', '1', 'model.onnx'), Buffer.from([0]));
      const error = await errorOf(runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1)), {modelsDir: copy}));
      expect(isIftbError(error, ErrorCode.MODEL_INTEGRITY)).toBe(true);
    } finally {
      rmSync(copy, {recursive: true, force: true});
    }
  });

  it('reads funding for the features even with funding payments off', async () => {
    const run = await runBacktest(sample.store(), {...backtest(day(2024, 3, 1), day(2024, 4, 1)), funding: false}, {modelsDir: models});
    const ml = summarizeRun(run).sources.find((s) => s.source === 'ml')!;
    expect(ml.activeBars).toBe(31 * 24);
  });

  it('walks forward: rolling folds scored out of sample, then the model of the last training span', async () => {
    const DAY = 86_400_000;
    const {walkForward, model} = await trainWalkForward(
      sample.store(),
      {...TRAIN, name: 'wf', fromMs: day(2024, 1, 1), toMs: day(2024, 4, 1), seed: 3},
      {trainMs: 30 * DAY, testMs: 15 * DAY},
      {modelsDir: models},
    );
    expect(walkForward).toMatchObject({trainBars: 720, testBars: 360});
    expect(walkForward.folds.map((f) => [f.train.from.slice(0, 10), f.test.from.slice(0, 10), f.test.to.slice(0, 10)])).toEqual([
      ['2024-01-01', '2024-01-31', '2024-02-15'],
      ['2024-01-16', '2024-02-15', '2024-03-01'],
      ['2024-01-31', '2024-03-01', '2024-03-16'],
      ['2024-02-15', '2024-03-16', '2024-03-31'],
      ['2024-03-01', '2024-03-31', '2024-04-01'],
    ]);
    // Purged: a fold trains on 720 bars less the 12 whose label reaches its test span.
    expect(walkForward.folds[1].train.rows).toBe(720 - 12);
    expect(walkForward.folds[1].test.rows).toBe(360 - 12);
    expect(walkForward.outOfSample.rows).toBe(walkForward.folds.reduce((s, f) => s + f.test.rows, 0));
    const m = model.manifest;
    expect(m.walkForward).toEqual(walkForward);
    expect(m.windows.train.fromMs).toBe(day(2024, 4, 1) - 30 * DAY);
    expect(m.windows.validation.toMs).toBe(day(2024, 4, 1));
    expect(new ModelRegistry(models).verify('wf@1')[0].ok).toBe(true);
  });

  it('backtests a walk-forward series (name@wf): each bar scored by the fold covering it, never in sample', async () => {
    // Relies on wf@1 from the walk-forward test above.
    const registry = new ModelRegistry(models);
    const m = registry.manifest('wf', '1');
    expect(m.walkForward!.folds.map((f) => f.model!.file)).toEqual(['fold-01.onnx', 'fold-02.onnx', 'fold-03.onnx', 'fold-04.onnx', 'fold-05.onnx']);
    expect(Object.keys(m.files)).toContain('fold-03.onnx');

    const store = sample.store();
    const key = {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' as const};
    const bars = await store.marketData.readBars(key, {fromMs: day(2023, 12, 1), toMs: day(2024, 4, 10)});
    const funding = await store.marketData.readFunding('binanceusdm', 'BTC/USDT:USDT', {fromMs: day(2023, 11, 25), toMs: day(2024, 4, 11)});
    const context = {timeframeMs: 3_600_000, funding};
    const series = createStrategyKit({modelsDir: models}).ml.model('wf@wf') as MlAnalyzer;
    expect(series.id).toBe('ml.wf@1/wf');
    await series.prepare!(bars, 0, bars.length, context);

    // The expected fold per bar from the manifest: fold k's test span, then the final model after its window.
    const spans = [...m.walkForward!.folds.map((f) => [f.test.fromMs, f.test.toMs]), [m.windows.validation.toMs, Infinity]];
    const files = [...m.walkForward!.folds.map((f) => f.model!.file), 'model.onnx'];
    const scales = [...m.walkForward!.folds.map((f) => f.model!.scoreScale), m.serving.scoreScale];
    const counts = new Array(files.length).fill(0);
    for (let i = 0; i < bars.length; i++) {
      const t = bars.openTime[i];
      const expected = spans.findIndex(([a, b]) => t >= a && t < b);
      expect(series.segmentOfBar[i], new Date(t).toISOString()).toBe(Number.isNaN(series.probabilities[i]) ? -1 : expected);
      if (expected < 0) expect(series.probabilities[i]).toBeNaN();
      else counts[expected]++;
    }
    expect(counts).toEqual([15 * 24, 15 * 24, 15 * 24, 15 * 24, 24, 9 * 24]);
    // Each fold's bars carry exactly that fold model's probabilities (and its own score scale).
    for (let k = 0; k < files.length; k++) {
      const bytes = readFileSync(join(models, 'wf', '1', files[k]));
      const single = createModelAnalyzer({
        id: `fold-${k}`, featureSet: m.features.set, featureNames: m.features.names, timeframeMs: 3_600_000, scoreScale: scales[k],
        load: () => OnnxModel.load(bytes, {id: `fold-${k}`, featureSet: m.features.set, featureNames: m.features.names}),
      });
      await single.prepare!(bars, 0, bars.length, context);
      const slotA = {score: 0, confidence: 0, active: false}, slotB = {score: 0, confidence: 0, active: false};
      for (let i = 0; i < bars.length; i++) {
        if (series.segmentOfBar[i] !== k) continue;
        expect(series.probabilities[i]).toBe(single.probabilities[i]);
        series.update(barViewAt(bars, i), slotA as never);
        single.update(barViewAt(bars, i), slotB as never);
        expect(slotA).toEqual(slotB);
      }
    }

    // In a backtest that starts inside the first fold's test span: out of sample, every bar scored.
    const run = await runBacktest(store, backtest(day(2024, 2, 1), day(2024, 4, 10), 'wf@wf'), {modelsDir: models, strict: true});
    const summary = summarizeRun(run);
    expect(summary.ml).toMatchObject({model: 'wf@1/wf', inSample: false});
    expect(summary.ml!.models[0]).toMatchObject({inSampleBars: 0, walkForward: {segments: expect.any(Array)}});
    expect(summary.ml!.models[0].walkForward!.segments.map((x) => x.file)).toEqual(files);
    const ml = summary.sources.find((x) => x.source === 'ml')!;
    expect(ml).toMatchObject({id: 'ml.wf@1/wf', status: 'active', activeBars: summary.bars});
    // The plain deployed model on the same range is in sample, and --strict refuses it.
    expect((await runBacktest(store, backtest(day(2024, 2, 1), day(2024, 4, 10), 'wf@1'), {modelsDir: models})).ml!.inSample).toBe(true);
  });

  it('abstains on name@wf when no version has walk-forward fold models', async () => {
    const run = await runBacktest(sample.store(), backtest(day(2024, 3, 1), day(2024, 4, 1), 'tiny@wf'), {modelsDir: models});
    expect(summarizeRun(run).sources.find((s) => s.source === 'ml')!.note).toMatch(/no version of tiny .* has walk-forward fold models/);
  });
});
