/**
 * The sweep page of `iftb optimize`: best trials, overfitting statistics with what they mean,
 * objective against each parameter, a heatmap of the first two numeric parameters, parallel
 * coordinates, equity of the top trials and, for a walk-forward optimisation, the stitched
 * out-of-sample curve and the per-fold table. Pure: plain numbers in, HTML out.
 */
import {escapeHtml, fixed, int, pct, raw, time} from './format.js';
import {chartDiv, renderPage} from './page.js';
import type {VegaRuntime} from './runtime.js';
import {chart, PANEL_WIDTH, timeX, type VlSpec, WIDTH} from './spec-common.js';

export interface SweepReportTrial {
  readonly fold: number;
  readonly trial: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly status: string;
  readonly objective: number | null;
  readonly sharpe: number | null;
  readonly totalReturn: number | null;
  readonly maxDrawdown: number | null;
  readonly trades: number | null;
  readonly runId: string | null;
  readonly kept: boolean;
}

export interface EquityLine {
  readonly label: string;
  /** Day starts (UTC ms) and equity / starting cash at each day's last close. */
  readonly timeMs: readonly number[];
  readonly growth: readonly number[];
}

export interface SweepStat {
  readonly name: string;
  readonly value: string;
  /** What the figure means, in a sentence. */
  readonly meaning: string;
}

export interface SweepFoldRow {
  readonly fold: number;
  readonly trainFromMs: number;
  readonly testFromMs: number;
  readonly testToMs: number;
  readonly params: Readonly<Record<string, unknown>> | null;
  readonly inSampleObjective: number | null;
  readonly outOfSampleObjective: number | null;
  readonly outOfSampleReturn: number | null;
  readonly trades: number | null;
  readonly pbo: number | null;
}

export interface SweepReportInput {
  readonly sweepId: string;
  readonly title: string;
  /** Lines under the title (strategy, market, window, sampler, objective). */
  readonly facts: ReadonlyArray<readonly [string, string]>;
  readonly objectiveName: string;
  readonly paramKeys: readonly string[];
  readonly trials: readonly SweepReportTrial[];
  readonly stats: readonly SweepStat[];
  readonly topEquity: readonly EquityLine[];
  readonly walkForward?: {readonly folds: readonly SweepFoldRow[]; readonly outOfSample: EquityLine; readonly stats: readonly SweepStat[]};
}

const num = (v: unknown) => typeof v === 'number';

export function sweepSpecs(input: SweepReportInput): Record<string, VlSpec> {
  const scored = input.trials.filter((t) => t.objective !== null && t.fold === (input.walkForward ? t.fold : 0));
  const values = scored.map((t) => ({...flatten(t.params), objective: t.objective, trial: t.trial, fold: t.fold}));
  const numeric = input.paramKeys.filter((k) => scored.some((t) => num(t.params[k])));
  const specs: Record<string, VlSpec> = {};
  const tip = [{field: 'trial', type: 'quantitative'}, ...input.paramKeys.map((k) => ({field: field(k), type: num(scored[0]?.params[k]) ? 'quantitative' : 'nominal', title: k})), {field: 'objective', type: 'quantitative', format: '.3f'}];
  specs.byParam = chart(`${input.objectiveName} against each parameter`, {
    data: {values},
    hconcat: input.paramKeys.map((k) => ({
      width: PANEL_WIDTH, height: 200, mark: {type: 'point', filled: true, opacity: 0.6, size: 28},
      encoding: {x: {field: field(k), type: numeric.includes(k) ? 'quantitative' : 'nominal', title: k, scale: {zero: false}}, y: {field: 'objective', type: 'quantitative', title: input.objectiveName}, tooltip: tip},
    })),
  });
  if (numeric.length >= 2) {
    const [a, b] = numeric;
    specs.heatmap = chart(`Best ${input.objectiveName} by ${a} and ${b}`, {
      width: 420, height: 320, data: {values},
      mark: 'rect',
      encoding: {
        x: {field: field(a), type: 'quantitative', bin: {maxbins: 20}, title: a},
        y: {field: field(b), type: 'quantitative', bin: {maxbins: 20}, title: b},
        color: {aggregate: 'max', field: 'objective', type: 'quantitative', title: `max ${input.objectiveName}`, scale: {scheme: 'viridis'}},
        tooltip: [{aggregate: 'max', field: 'objective', type: 'quantitative', format: '.3f', title: `max ${input.objectiveName}`}, {aggregate: 'count', type: 'quantitative', title: 'trials'}],
      },
    }, 'cells show the best trial in each bin; empty cells were not tried or broke a constraint');
  }
  if (numeric.length >= 2) {
    specs.parallel = chart('Parallel coordinates (each line a trial, scaled to its range; colour: objective)', {
      width: WIDTH, height: 260, data: {values},
      transform: [
        {window: [{op: 'count', as: 'index'}]},
        {fold: [...numeric.map(field), 'objective']},
        {joinaggregate: [{op: 'min', field: 'value', as: 'lo'}, {op: 'max', field: 'value', as: 'hi'}], groupby: ['key']},
        {calculate: '(datum.value - datum.lo) / (datum.hi - datum.lo || 1)', as: 'scaled'},
        {joinaggregate: [{op: 'max', field: 'objective', as: 'score'}], groupby: ['index']},
      ],
      mark: {type: 'line', opacity: 0.35, strokeWidth: 1},
      encoding: {
        x: {field: 'key', type: 'nominal', sort: [...numeric.map(field), 'objective'], title: null, axis: {labelAngle: 0}},
        y: {field: 'scaled', type: 'quantitative', title: 'scaled to each axis range', axis: {format: '.0%'}},
        detail: {field: 'index', type: 'nominal'},
        color: {field: 'score', type: 'quantitative', scale: {scheme: 'viridis'}, title: input.objectiveName},
      },
    });
  }
  const lines = (set: readonly EquityLine[]) => set.flatMap((l) => l.timeMs.map((t, k) => ({t, v: l.growth[k], r: l.label})));
  if (input.topEquity.length > 0) {
    specs.topEquity = chart('Equity of the top trials (daily closes, / starting cash)', {
      width: WIDTH, height: 280, data: {values: lines(input.topEquity)}, mark: {type: 'line', strokeWidth: 1.2},
      encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'equity / starting cash', scale: {zero: false}}, color: {field: 'r', type: 'nominal', title: null}},
    });
  }
  if (input.walkForward) {
    specs.outOfSample = chart('Walk-forward: stitched out-of-sample equity', {
      width: WIDTH, height: 280, data: {values: lines([input.walkForward.outOfSample])}, mark: {type: 'line', strokeWidth: 1.4, color: '#1f5aa6'},
      encoding: {x: timeX(), y: {field: 'v', type: 'quantitative', title: 'equity / starting cash', scale: {zero: false}}},
    }, 'each test span traded with the parameters chosen on the training window before it');
  }
  return specs;
}

/** Vega field names cannot hold dots unescaped (dotted keys such as weights.ta). */
function field(key: string): string {
  return key.replaceAll('.', '_');
}

function flatten(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [field(k), v]));
}

function statsTable(stats: readonly SweepStat[]): string {
  return `<table><thead><tr><th>statistic</th><th class="n">value</th><th>what it means</th></tr></thead><tbody>
${stats.map((s) => `<tr><th>${escapeHtml(s.name)}</th><td class="n">${escapeHtml(s.value)}</td><td>${escapeHtml(s.meaning)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function paramText(params: Readonly<Record<string, unknown>> | null): string {
  return params ? Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ') : '–';
}

function trialsTable(input: SweepReportInput): string {
  const keys = input.paramKeys;
  const head = ['fold', 'trial', ...keys, input.objectiveName, 'Sharpe', 'return', 'max DD', 'trades', 'status', 'run'];
  const numCol = (i: number) => i < 2 + keys.length ? i < 2 || input.trials.some((t) => num(t.params[keys[i - 2]])) : i < head.length - 2;
  const rows = input.trials.map((t) => {
    const cells = [
      `<td class="n" data-v="${t.fold}">${t.fold}</td>`, `<td class="n" data-v="${t.trial}">${t.trial}</td>`,
      ...keys.map((k) => `<td class="n" data-v="${escapeHtml(String(t.params[k]))}">${escapeHtml(String(t.params[k]))}</td>`),
      `<td class="n" data-v="${raw(t.objective)}">${fixed(t.objective, 3)}</td>`, `<td class="n" data-v="${raw(t.sharpe)}">${fixed(t.sharpe, 2)}</td>`,
      `<td class="n" data-v="${raw(t.totalReturn)}">${pct(t.totalReturn)}</td>`, `<td class="n" data-v="${raw(t.maxDrawdown)}">${pct(t.maxDrawdown)}</td>`,
      `<td class="n" data-v="${raw(t.trades)}">${int(t.trades)}</td>`, `<td>${escapeHtml(t.status)}</td>`,
      `<td>${t.runId ? (t.kept ? `<a href="../${escapeHtml(t.runId)}/index.html"><code>${escapeHtml(t.runId)}</code></a>` : `<code>${escapeHtml(t.runId)}</code>`) : '–'}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="sortable"><thead><tr>${head.map((h, i) => `<th${numCol(i) ? ' data-type="num" class="n"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function foldsTable(folds: readonly SweepFoldRow[]): string {
  return `<table><thead><tr><th class="n">fold</th><th>train from</th><th>test</th><th>chosen parameters</th><th class="n">IS objective</th><th class="n">OOS objective</th><th class="n">OOS return</th><th class="n">OOS trades</th><th class="n">PBO</th></tr></thead><tbody>
${folds.map((f) => `<tr><td class="n">${f.fold}</td><td>${time(f.trainFromMs).slice(0, 10)}</td><td>${time(f.testFromMs).slice(0, 10)} → ${time(f.testToMs).slice(0, 10)}</td><td><code>${escapeHtml(paramText(f.params))}</code></td><td class="n">${fixed(f.inSampleObjective, 3)}</td><td class="n">${fixed(f.outOfSampleObjective, 3)}</td><td class="n">${pct(f.outOfSampleReturn)}</td><td class="n">${int(f.trades)}</td><td class="n">${fixed(f.pbo, 2)}</td></tr>`).join('\n')}
</tbody></table>`;
}

export function renderSweepReport(input: SweepReportInput, runtime: VegaRuntime): string {
  const specs = sweepSpecs(input);
  const wf = input.walkForward;
  const sections = [
    ...(wf ? [`<section id="walk-forward"><h2>Walk-forward result (out of sample)</h2>${chartDiv('outOfSample')}${statsTable(wf.stats)}<h3>Folds</h3>${foldsTable(wf.folds)}</section>`] : []),
    `<section id="overfitting"><h2>Overfitting statistics</h2>${statsTable(input.stats)}
<p class="note">The best of many trials looks good by luck alone. The deflated Sharpe ratio (Bailey &amp; López de Prado, 2014) asks whether the best trial beats the Sharpe ratio the best of that many unskilled trials would show; PBO (Bailey, Borwein, López de Prado &amp; Zhu, 2015) splits the daily returns into 16 blocks and, over every way of taking half of them as in-sample, counts how often the in-sample winner ranks at or below the median out of sample. Both read daily returns of every stored trial.</p></section>`,
    `<section id="parameters"><h2>Objective and parameters</h2>${specs.byParam ? chartDiv('byParam') : ''}${specs.heatmap ? chartDiv('heatmap') : ''}${specs.parallel ? chartDiv('parallel') : ''}</section>`,
    ...(specs.topEquity ? [`<section id="equity"><h2>Top trials</h2>${chartDiv('topEquity')}</section>`] : []),
    `<section id="trials"><h2>Every trial (${input.trials.length})</h2>${trialsTable(input)}<p class="note">Click a column to sort. Kept trials link to their full run report.</p></section>`,
  ];
  const facts = input.facts.map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join(' · ');
  return renderPage({
    title: `IFTB sweep ${input.sweepId}`,
    header: `<h1>${escapeHtml(input.title)}</h1><p>${facts}</p>`,
    nav: [...(wf ? [['walk-forward', 'Walk-forward'] as [string, string]] : []), ['overfitting', 'Overfitting'], ['parameters', 'Parameters'], ...(specs.topEquity ? [['equity', 'Top trials'] as [string, string]] : []), ['trials', 'Trials']],
    body: sections.join('\n'),
    specs,
  }, runtime);
}
