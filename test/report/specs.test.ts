import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import {beforeAll, describe, expect, it} from 'vitest';
import {renderRunReport, type ReportInput, runReportModel} from '../../src/report/index.js';
import {configSection} from '../../src/report/sections.js';
import {accuracySpec} from '../../src/report/specs-signals.js';
import {emptyReportInput, sampleReportInput} from '../support/report-input.js';
import {useSampleStore} from '../support/sample-store.js';

/** Compiles with vega-lite and renders to SVG with vega in Node, failing on any warning. */
async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const warnings: string[] = [];
  const logger = {
    level: () => logger, error: (...a: unknown[]) => warnings.push(a.join(' ')), warn: (...a: unknown[]) => warnings.push(a.join(' ')),
    info: () => logger, debug: () => logger,
  };
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, {logger: logger as never});
  const view = new vega.View(vega.parse(compiled.spec), {renderer: 'none', logLevel: vega.Warn});
  view.logger({...logger, level: () => logger} as never);
  const svg = await view.toSVG();
  view.finalize();
  expect(warnings).toEqual([]);
  return svg;
}

/** Mark items drawn: paths, symbols, rects and text inside the marks' groups. */
function markItems(svg: string): number {
  return (svg.match(/class="mark-[a-z]+ role-mark[^"]*"[^>]*>(<(path|text|line)[^>]*>)+/g) ?? []).length;
}

describe('report specs on a real run', () => {
  const sample = useSampleStore();
  let input: ReportInput;
  beforeAll(async () => {
    input = await sampleReportInput(sample.store(), {strategy: 'ensemble', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 9, 1)});
  });

  it('builds every chart, each of which compiles and renders marks without a warning', async () => {
    const {specs} = runReportModel(input);
    const sources = input.summary.sources;
    const accuracy = sources.flatMap((s, k) => (s.status === 'active' ? [`accuracy-${k}`] : []));
    expect(Object.keys(specs).sort()).toEqual(
      ['equity', 'funding', 'monthly', 'pnl', 'price', 'risk', 'rolling-sharpe', 'underwater', ...accuracy, `accuracy-${sources.length}`].sort(),
    );
    for (const [id, spec] of Object.entries(specs)) {
      const svg = await renderSvg(spec);
      expect(markItems(svg), id).toBeGreaterThan(0);
    }
  });

  it('marks every fill on the price chart and keeps the line within 2 · 1000 + 2 points', () => {
    const {specs} = runReportModel(input);
    const layers = (specs.price as {layer: Array<{data: {values: unknown[]}}>}).layer;
    const fills = input.journal.filter((e) => e.type === 'fill').length;
    expect(layers[1].data.values).toHaveLength(fills);
    expect(layers[0].data.values.length).toBeLessThanOrEqual(2002);
    const equity = (specs.equity as {data: {values: Array<{s: string}>}}).data.values;
    expect(equity.filter((p) => p.s === 'strategy').length).toBeLessThanOrEqual(2002);
  });

  it('gives abstaining sources their reason instead of a chart', () => {
    // Which sources answer depends on the models and LLM answers available, so expectations follow run.json.
    const {sources} = runReportModel(input);
    const summary = input.summary.sources;
    expect(sources.map((s) => [s.id, s.status])).toEqual([...summary.map((s) => [s.id, s.status]), ['ensemble', 'active']]);
    expect(summary.some((s) => s.status === 'abstained')).toBe(true);
    sources.forEach((view, k) => {
      if (view.status === 'abstained') expect(view.reason).toBe(summary[k].note);
      else expect(view.chartId).toBe(`accuracy-${k}`);
    });
  });

  it('attributes all closed-trade PnL (attributed + unattributed = total)', () => {
    const {attribution} = runReportModel(input);
    const total = input.trades.reduce((s, t) => s + t.netPnl, 0);
    expect(attribution.totalPnl).toBeCloseTo(total, 8);
    expect(attribution.sources.reduce((s, x) => s + x.pnl, 0) + attribution.unattributedPnl).toBeCloseTo(total, 8);
    expect(attribution.tradesTraced).toBe(input.trades.length);
  });

  it('draws an accuracy chart whose bucket panel has one bar per confidence bucket', async () => {
    const acc = input.summary.sources[0].accuracy;
    const svg = await renderSvg(accuracySpec('TA', [{t: Date.UTC(2024, 0, 1), samples: 10, hits: 6, hitRate: 0.6}], 'month', acc, acc));
    expect(svg).toContain('hit rate by confidence bucket');
  });

  it('keeps calibration buckets with fewer than the minimum samples out of the line, drawn hollow apart', async () => {
    const acc = input.summary.sources[0].accuracy;
    const bucket = (from: number, samples: number, hitRate: number) => ({from, to: from + 0.1, samples, hits: Math.round(samples * hitRate), hitRate,
      meanConfidence: from + 0.05, meanSignedReturn: 0});
    // The picture: a 3-sample bucket at 100 % next to real ones near 50 %.
    const calibration = {...acc, byConfidence: [bucket(0, 3, 1), bucket(0.1, 400, 0.52), bucket(0.2, 250, 0.55), bucket(0.3, 29, 0.2), bucket(0.4, 0, 0)]};
    const spec = accuracySpec('TA', [{t: Date.UTC(2024, 0, 1), samples: 10, hits: 6, hitRate: 0.6}], 'month', acc, calibration as typeof acc);
    const panel = (spec.hconcat as Array<{title: string; layer: Array<{data?: {values: Array<{n: number}>}; layer?: unknown[]; mark?: {filled?: boolean}}>}>)
      .find((p) => p.title === 'calibration')!;
    const line = panel.layer.find((l) => l.layer !== undefined)!;
    expect(line.data!.values.map((b) => b.n)).toEqual([400, 250]);
    const apart = panel.layer.find((l) => l.layer === undefined && l.mark?.filled === false)!;
    expect(apart.data!.values.map((b) => b.n)).toEqual([3, 29]);
    expect(await renderSvg(spec)).toContain('hollow grey circles');
  });
});

describe('report of an empty run', () => {
  it('replaces charts that would be empty with notes, and still renders the rest', async () => {
    const input = emptyReportInput();
    const {specs, notes, sources} = runReportModel(input);
    expect(Object.keys(specs).sort()).toEqual(['equity', 'monthly', 'price', 'underwater']);
    expect(notes['rolling-sharpe']).toMatch(/never moved/);
    expect(notes.pnl).toMatch(/No closed trades/);
    expect(notes.funding).toMatch(/Funding was off/);
    expect(notes.risk).toMatch(/No circuit-breaker/);
    expect(sources.every((s) => s.status === 'abstained')).toBe(true);
    for (const spec of Object.values(specs)) await renderSvg(spec);
    const html = renderRunReport(input, {vega: '', vegaLite: ''});
    expect(html).toContain('abstained: no LLM endpoint configured');
    expect(html).toContain('data-checks="ok"');
    expect(html).toMatch(/<th>model versions<\/th><td>none yet: no trained model took part in this run \(the strategy uses no ML source\)/);
  });

  it('says why no model version is listed when the ML source abstained', () => {
    const input = emptyReportInput();
    const ml = {...input.summary.sources[0], id: 'ml.absent@1', source: 'ml' as const, note: 'no model named absent in models'};
    const html = configSection({...input.summary, sources: [ml]});
    expect(html).toMatch(/<th>model versions<\/th><td>none yet: no trained model took part in this run \(ml\.absent@1 abstained: no model named absent in models\)/);
  });
});
