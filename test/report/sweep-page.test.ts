import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import {describe, expect, it} from 'vitest';
import {loadVegaRuntime, renderSweepReport, type SweepReportInput, sweepSpecs} from '../../src/report/index.js';

function input(walkForward: boolean): SweepReportInput {
  const trials = Array.from({length: 30}, (_, k) => ({
    fold: walkForward ? k % 3 : 0, trial: k, params: {fast: 5 + (k % 6) * 5, slow: 50 + Math.floor(k / 6) * 20, 'weights.ta': 0.1 * (k % 4)}, status: 'done',
    objective: k === 7 ? null : Math.sin(k) + 1, sharpe: Math.sin(k) + 1, totalReturn: 0.01 * k, maxDrawdown: 0.05, trades: 10 + k, runId: `run${String(k).padStart(9, '0')}`, kept: k === 3,
  }));
  const line = (label: string) => ({label, timeMs: [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)], growth: [1, 1.01]});
  return {
    sweepId: 'abc123abc123', title: 'Sweep abc123abc123: sma-cross', facts: [['sampler', 'tpe (seed 1)']], objectiveName: 'sharpe',
    paramKeys: ['fast', 'slow', 'weights.ta'], trials,
    stats: [{name: 'deflated Sharpe ratio', value: '0.612', meaning: 'probability that <the best> beats SR₀'}],
    topEquity: walkForward ? [] : [line('trial 3'), line('trial 4')],
    ...(walkForward ? {walkForward: {
      folds: [{fold: 0, trainFromMs: 0, testFromMs: Date.UTC(2024, 0, 1), testToMs: Date.UTC(2024, 1, 1), params: {fast: 10}, inSampleObjective: 1, outOfSampleObjective: -0.5, outOfSampleReturn: -0.01, trades: 4, pbo: 0.5}],
      outOfSample: line('out of sample'), stats: [{name: 'walk-forward efficiency', value: '-0.15', meaning: 'OOS / IS'}],
    }} : {}),
  };
}

async function render(spec: Record<string, unknown>): Promise<string> {
  const warnings: string[] = [];
  const logger = {level: () => logger, error: (...a: unknown[]) => warnings.push(a.join(' ')), warn: (...a: unknown[]) => warnings.push(a.join(' ')), info: () => logger, debug: () => logger};
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, {logger: logger as never});
  const view = new vega.View(vega.parse(compiled.spec), {renderer: 'none', logLevel: vega.Warn});
  const svg = await view.toSVG();
  view.finalize();
  expect(warnings).toEqual([]);
  return svg;
}

describe('sweep report page', () => {
  it('has objective-by-parameter, heatmap, parallel coordinates and top-equity charts that compile and render without warnings', async () => {
    const specs = sweepSpecs(input(false));
    expect(Object.keys(specs).sort()).toEqual(['byParam', 'heatmap', 'parallel', 'topEquity']);
    for (const spec of Object.values(specs)) expect(await render(spec)).toMatch(/<svg/);
  });

  it('shows every trial, the statistics with their meaning escaped, links kept runs, and the walk-forward section', async () => {
    const html = renderSweepReport(input(false), loadVegaRuntime());
    expect((html.match(/<tr><td class="n" data-v="0">0<\/td><td class="n" data-v="\d+">/g) ?? []).length).toBe(30);
    expect(html).toContain('probability that &lt;the best&gt; beats SR₀');
    expect(html).toContain('<a href="../run000000003/index.html">');
    expect(html).not.toContain('id="walk-forward"');
    const wf = renderSweepReport(input(true), loadVegaRuntime());
    expect(wf).toContain('id="walk-forward"');
    expect(wf).toContain('walk-forward efficiency');
    for (const spec of Object.values(sweepSpecs(input(true)))) expect(await render(spec)).toMatch(/<svg/);
  });
});
