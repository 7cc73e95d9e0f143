import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {compareBacktests, decide} from '../../src/app/compare-backtests.js';
import {trainModel} from '../../src/app/train.js';
import type {McNemarResult, SharpeComparison} from '../../src/ml/compare.js';
import {useSampleStore} from '../support/sample-store.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const TRAIN = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: day(2024, 1, 1), toMs: day(2024, 3, 1), params: {rounds: 12, max_depth: 3}};

describe('iftb compare: two backtests identical except the model', () => {
  const sample = useSampleStore();
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-cmp-bt-'));
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 1}, {modelsDir: join(dir, 'models')});
    await trainModel(sample.store(), {...TRAIN, name: 'tiny', seed: 2, params: {rounds: 20, max_depth: 2}}, {modelsDir: join(dir, 'models')});
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const compare = (extra: Record<string, unknown> = {}, out?: string) =>
    compareBacktests(
      sample.store(),
      {a: 'tiny@1', b: 'tiny@2', backtest: {symbol: 'BTC/USDT:USDT', timeframe: '1h', toMs: day(2024, 4, 1), ...extra}, resamples: 300, blockBars: 24, seed: 5},
      {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'reports'), out},
    );

  it('runs both, proves the configs differ only in the model, tests ML hits and the Sharpe difference, writes HTML and JSON', async () => {
    const c = await compare();
    // Default start: after both models' windows, so both runs are out of sample.
    expect(c.window.from).toBe('2024-03-01T00:00:00.000Z');
    expect(c.window.bars).toBe(31 * 24);
    expect(c.configsDifferOnlyInModel).toBe(true);
    expect(c.a.configHash).not.toBe(c.b.configHash);
    expect(c.a.runId).not.toBe(c.b.runId);
    expect(c.a.dataHash).toBe(c.b.dataHash);
    expect(c.a).toMatchObject({ref: 'tiny@1', inSample: false, mlSource: {id: 'ml.tiny@1', status: 'active'}});
    expect(c.b).toMatchObject({ref: 'tiny@2', inSample: false, mlSource: {id: 'ml.tiny@2', status: 'active'}});

    // Each run.json carries its own model in params and the ML source's accuracy the comparison quotes.
    for (const side of [c.a, c.b]) {
      const run = JSON.parse(readFileSync(side.runJson, 'utf8'));
      expect(run.strategy.params.model).toBe(side.ref);
      expect(run.configHash).toBe(side.configHash);
      expect(run.sources.find((s: {source: string}) => s.source === 'ml').accuracy).toEqual(side.mlSource!.accuracy);
    }

    // Paired bars: both sources read, horizon inside the window.
    const m = c.mlHits.mcnemar;
    expect(c.mlHits.horizonBars).toBeGreaterThan(0);
    expect(c.mlHits.bars).toBeGreaterThan(500);
    expect(m.aOnly + m.bOnly + m.bothRight + m.bothWrong).toBe(c.mlHits.bars);
    expect(c.mlHits.hitRateA).toBeCloseTo((m.aOnly + m.bothRight) / c.mlHits.bars, 12);
    expect(c.mlHits.hitRateB).toBeCloseTo((m.bOnly + m.bothRight) / c.mlHits.bars, 12);
    expect(m.pValue).toBeGreaterThanOrEqual(0);
    expect(m.pValue).toBeLessThanOrEqual(1);
    const d = c.equitySharpe.difference;
    expect(d.low).toBeLessThanOrEqual(d.high);
    expect(c.equitySharpe.resamples).toBe(300);
    expect(['A better', 'B better', 'no significant difference']).toContain(c.verdict);
    expect(c.verdictReason).toMatch(/McNemar p = [\d.]+ .*Sharpe A − B 95% CI|Sharpe A − B 95% CI .*McNemar p =/);

    // The model-level comparison on rows, same window, kept as a section.
    expect('error' in c.rows).toBe(false);
    if (!('error' in c.rows)) {
      expect(c.rows.window.from).toBe('2024-03-01T00:00:00.000Z');
      expect(c.rows.a.model).toBe('tiny@1');
    }

    expect(c.html).toBe(join(dir, 'reports', 'compare-tiny@1-tiny@2.html'));
    const html = readFileSync(c.html, 'utf8');
    expect(html).toContain('A vs B: tests');
    expect(html).toContain('Models on rows');
    expect(html).toContain('Equity and drawdown');
    expect(html).toContain(`verdict: ${c.verdict}`);
    const json = JSON.parse(readFileSync(c.json, 'utf8'));
    expect(json).toMatchObject({configsDifferOnlyInModel: true, verdict: c.verdict, a: {configHash: c.a.configHash}, b: {configHash: c.b.configHash}});

    // Seeded: the same comparison gives the same statistics.
    const again = await compare({}, join(dir, 'again.html'));
    expect(again.equitySharpe).toEqual(c.equitySharpe);
    expect(again.mlHits).toEqual(c.mlHits);
    expect(existsSync(join(dir, 'again.json'))).toBe(true);
  });

  it('says when a run is in sample', async () => {
    const c = await compare({fromMs: day(2024, 2, 15)}, join(dir, 'in-sample.html'));
    expect(c.a.inSample).toBe(true);
    expect(c.verdictReason).toMatch(/caution: A and B IN SAMPLE on part of the window/);
  });

  it('refuses a strategy that does not read params.model, and the same model twice', async () => {
    await expect(compare({strategy: 'sma-cross', fromMs: day(2024, 3, 1)})).rejects.toThrow(/strategy sma-cross has no (parameter )?'model'/);
    await expect(
      compareBacktests(sample.store(), {a: 'tiny@1', b: 'tiny@1'}, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'reports')}),
    ).rejects.toThrow(/both tiny@1/);
  });
});

describe('compare verdict', () => {
  const test = (aOnly: number, bOnly: number, pValue: number): McNemarResult => ({aOnly, bOnly, bothRight: 0, bothWrong: 0, method: 'chi2-continuity', statistic: 0, pValue});
  const sharpe = (low: number, high: number): SharpeComparison => {
    const i = {estimate: (low + high) / 2, low, high};
    return {a: i, b: i, difference: i, aBetterShare: 0.5, resamples: 100, blockBars: 24, confidence: 0.95};
  };
  it('names the test that decided', () => {
    expect(decide(test(60, 30, 0.001), sharpe(-0.5, 0.5))).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^by McNemar/)});
    expect(decide(test(30, 60, 0.001), sharpe(-0.5, 0.5)).verdict).toBe('B better');
    expect(decide(test(40, 45, 0.6), sharpe(0.2, 1.1))).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^by the Sharpe-difference CI/)});
    expect(decide(test(40, 45, 0.6), sharpe(-1.1, -0.2)).verdict).toBe('B better');
    expect(decide(test(60, 30, 0.001), sharpe(0.1, 0.9))).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^both/)});
    expect(decide(test(60, 30, 0.001), sharpe(-0.9, -0.1))).toMatchObject({verdict: 'no significant difference', reason: expect.stringMatching(/disagree/)});
    expect(decide(test(40, 45, 0.6), sharpe(-0.5, 0.5)).verdict).toBe('no significant difference');
  });
});
