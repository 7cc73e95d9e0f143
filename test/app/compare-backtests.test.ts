import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {compareBacktests} from '../../src/app/compare-backtests.js';
import {trainModel} from '../../src/app/train.js';
import {BUSY_ENSEMBLE} from '../support/ensemble-params.js';
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
      {a: 'tiny@1', b: 'tiny@2', backtest: {symbol: 'BTC/USDT:USDT', timeframe: '1h', toMs: day(2024, 4, 1), params: BUSY_ENSEMBLE, ...extra}, resamples: 300, blockBars: 24, seed: 5},
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
    const m = c.mlHits.test;
    expect(c.mlHits.horizonBars).toBeGreaterThan(0);
    expect(c.mlHits.bars).toBeGreaterThan(500);
    expect(m.aOnly + m.bOnly + m.bothRight + m.bothWrong).toBe(c.mlHits.bars);
    expect(c.mlHits.hitRateA).toBeCloseTo((m.aOnly + m.bothRight) / c.mlHits.bars, 12);
    expect(c.mlHits.hitRateB).toBeCloseTo((m.bOnly + m.bothRight) / c.mlHits.bars, 12);
    // The hits overlap (12-bar moves) and persist: the HAR test allows for it, McNemar would not.
    expect(m).toMatchObject({method: 'EWC HAR t-test', horizonBars: 12, aOnly: 39, bOnly: 27});
    expect(m.lag1Autocorrelation).toBeGreaterThan(0.1);
    expect(m.varianceInflation).toBeGreaterThan(1.4);
    expect(m.naivePValue).toBeGreaterThan(0.1);
    expect(m.naivePValue).toBeLessThan(0.25);
    expect(m.pValue).toBeGreaterThan(0.25);
    expect(m.pValue).toBeLessThan(0.4);
    // Sharpe as run.json defines it (sample σ of the per-bar equity returns).
    const s = c.equitySharpe;
    for (const [side, sharpe] of [[c.a, s.a], [c.b, s.b]] as const) expect(sharpe.estimate).toBeCloseTo(side.metrics.sharpe!, 10);
    expect(s.difference.low).toBeLessThan(s.difference.estimate);
    expect(s.difference.high).toBeGreaterThan(s.difference.estimate);
    expect(s.resamples).toBe(300);
    expect(s.pValue).toBeGreaterThan(0.15);
    expect(s.pValue).toBeLessThan(0.3);
    // Two equally plausible tiny models: neither test survives Holm.
    expect(c.verdict).toBe('no significant difference');
    expect(c.verdictReason).toMatch(/^neither test below 0.05 after Holm: ML hits p = 0\.3\d{3} \(Holm 0\.4\d{3}\), A-only 39, B-only 27; Sharpe difference p = 0\.2\d{3} \(Holm 0\.4\d{3}\)/);
    expect(c.verdictMethod).toMatch(/^Holm across two tests at 5 %: ML hits by EWC HAR t-test, ν = 32, moves over 12 bars; Sharpe difference by Ledoit–Wolf delta method/);
    expect(c.verdictTests.map((t) => [t.name, t.favours, t.rejected])).toEqual([['ML hits', 'A', false], ['Sharpe difference', 'B', false]]);

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
    expect(html).toContain('Method: Holm across two tests at 5 %');
    expect(html).toContain('EWC HAR t-test (ν = 32, moves over 12 bars overlap');
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
    await expect(compare({strategy: 'sma-cross', params: {}, fromMs: day(2024, 3, 1)})).rejects.toThrow(/strategy sma-cross has no (parameter )?'model'/);
    await expect(
      compareBacktests(sample.store(), {a: 'tiny@1', b: 'tiny@1'}, {modelsDir: join(dir, 'models'), reportsDir: join(dir, 'reports')}),
    ).rejects.toThrow(/both tiny@1/);
  });
});
