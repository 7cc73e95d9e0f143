/** Several runs side by side: growth of equity, drawdown, and the metrics table. */
import {drawdownSeries} from '../portfolio/metrics.js';
import {downsample} from './downsample.js';
import {escapeHtml, int, time} from './format.js';
import {chartDiv, renderPage} from './page.js';
import type {VegaRuntime} from './runtime.js';
import {chart, timeX, type VlSpec, WIDTH} from './spec-common.js';
import {COST_FIGURES, figure, HEADLINE_FIGURES} from './tables.js';
import {reportConfig, type ReportSummary} from './types.js';

export interface CompareRun {
  readonly summary: ReportSummary;
  /** Close time and equity of each bar of the decision window. */
  readonly timeMs: Float64Array;
  readonly equity: Float64Array;
  /** Link to the run's own report, relative to the comparison page. */
  readonly href?: string;
}

const BUCKETS = 600;

function label(s: ReportSummary): string {
  return `${s.runId} ${s.strategy.name}`;
}

export function compareSpecs(runs: readonly CompareRun[]): Record<string, VlSpec> {
  const growth: Array<{t: number; v: number; r: string}> = [];
  const underwater: Array<{t: number; v: number; r: string}> = [];
  for (const run of runs) {
    const cash = reportConfig(run.summary.config).cash;
    const g = run.equity.map((e) => e / cash);
    for (const p of downsample(run.timeMs, g, BUCKETS, 6)) growth.push({...p, r: label(run.summary)});
    const dd = drawdownSeries(run.equity, cash).map((d) => -d);
    for (const p of downsample(run.timeMs, dd, BUCKETS, 5)) underwater.push({...p, r: label(run.summary)});
  }
  const color = {field: 'r', type: 'nominal', title: null, legend: {orient: 'top', columns: 2}};
  return {
    growth: chart('Growth of 1 USDT (equity / starting cash)', {
      width: WIDTH, height: 300, data: {values: growth}, mark: {type: 'line', strokeWidth: 1.3},
      encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'equity / starting cash', scale: {zero: false}}, color},
    }),
    drawdown: chart('Drawdown from the running peak', {
      width: WIDTH, height: 220, data: {values: underwater}, mark: {type: 'line', strokeWidth: 1.1},
      encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'drawdown', axis: {format: '.0%'}}, color},
    }),
  };
}

/** An extra section of the comparison page (already-escaped HTML), e.g. `iftb compare`'s test results. */
export interface CompareSection {
  readonly id: string;
  readonly title: string;
  readonly html: string;
}

export function renderComparePage(runs: readonly CompareRun[], runtime: VegaRuntime, extra: {title?: string; header?: string; sections?: readonly CompareSection[]} = {}): string {
  const heads = runs.map((r) => `<th class="n"><code>${escapeHtml(r.summary.runId)}</code></th>`).join('');
  const info = (name: string, cell: (s: ReportSummary) => string) =>
    `<tr><th>${name}</th>${runs.map((r) => `<td class="n">${cell(r.summary)}</td>`).join('')}</tr>`;
  const metricRows = [...HEADLINE_FIGURES, ...COST_FIGURES].map(([key, name, format, signed]) =>
    `<tr><th>${escapeHtml(name)}</th>${runs.map((r) => figure(`${r.summary.runId}.${key}`, r.summary.metrics[key], format, signed)).join('')}</tr>`);
  const body = `
<section id="runs"><h2>Runs</h2><table><thead><tr><th></th>${heads}</tr></thead><tbody>
${info('strategy', (s) => `${escapeHtml(s.strategy.name)}@${escapeHtml(s.strategy.version)}`)}
${info('market', (s) => `${escapeHtml(s.market.symbols?.join(', ') ?? s.market.symbol)} ${escapeHtml(s.market.timeframe)}`)}
${info('from', (s) => time(s.market.firstBarMs))}
${info('to', (s) => time(s.market.lastBarMs))}
${info('starting cash', (s) => int(reportConfig(s.config).cash))}
${info('config hash', (s) => `<code>${escapeHtml(s.configHash.slice(0, 16))}…</code>`)}
${info('data hash', (s) => `<code>${escapeHtml(s.dataHash.slice(0, 16))}…</code>`)}
<tr><th>report</th>${runs.map((r) => `<td class="n">${r.href ? `<a href="${escapeHtml(r.href)}">index.html</a>` : '–'}</td>`).join('')}</tr>
</tbody></table></section>
<section id="charts"><h2>Equity and drawdown</h2>${chartDiv('growth')}${chartDiv('drawdown')}
<p class="note">Equity is divided by each run's starting cash so runs of different sizes compare; lines keep each time bucket's minimum and maximum.</p></section>
<section id="metrics"><h2>Metrics</h2><table><thead><tr><th>metric</th>${heads}</tr></thead><tbody>
${metricRows.join('\n')}
</tbody></table></section>${(extra.sections ?? []).map((x) => `\n<section id="${escapeHtml(x.id)}"><h2>${escapeHtml(x.title)}</h2>${x.html}</section>`).join('')}`;
  return renderPage({
    title: extra.title ?? `IFTB compare ${runs.map((r) => r.summary.runId).join(' ')}`,
    header: `<h1>Comparing ${runs.length} runs</h1><p>${runs.map((r) => escapeHtml(label(r.summary))).join(' · ')}</p>${extra.header ?? ''}`,
    nav: [['runs', 'Runs'], ['charts', 'Charts'], ['metrics', 'Metrics'], ...(extra.sections ?? []).map((x): [string, string] => [x.id, x.title])],
    body,
    specs: compareSpecs(runs),
  }, runtime);
}
