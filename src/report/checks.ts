/**
 * The report's Checks section, two kinds of evidence that the figures are what they claim:
 *   - reconciliations (reconcile.ts) between records kept apart — the cash ledger, the trades
 *     table and the journal's fills, funding and liquidations — each shown with its formula;
 *   - run.json's figures recomputed from the stored evidence (per-bar equity and positions, the
 *     journal's costs, the closed trades) with the same portfolio functions.
 * Any disagreement is shown, never hidden: the lead line says how many failed.
 */
import {parseTimeframe, timeframeMs} from '../core/index.js';
import {computeMetrics, type Metrics} from '../portfolio/metrics.js';
import {accuracyOf} from './accuracy.js';
import {escapeHtml, raw} from './format.js';
import type {CostTotals} from './journal-views.js';
import {portfolioChecks, symbolMarks} from './portfolio-checks.js';
import {exposureSlots} from './portfolio-views.js';
import {reconcile, type Reconciliation} from './reconcile.js';
import {barsPerYear} from './series.js';
import {reportConfig, type ReportInput} from './types.js';

export interface Check {
  readonly figure: string;
  readonly reported: number | null;
  readonly recomputed: number | null;
  readonly from: string;
  readonly ok: boolean;
}

function same(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const EVIDENCE: Partial<Record<keyof Metrics, string>> = {
  fees: 'journal fills',
  slippage: 'journal fills',
  funding: 'journal funding payments',
  liquidationFees: 'journal liquidations',
  liquidations: 'journal liquidations',
  tradeCount: 'closed trades',
  winRate: 'closed trades',
  profitFactor: 'closed trades',
  expectancy: 'closed trades',
  avgWin: 'closed trades',
  avgLoss: 'closed trades',
  exposure: 'per-bar positions',
};

/** Metrics recomputed from the bars, journal totals and trades. */
export function recomputeMetrics(input: ReportInput, costs: CostTotals): Metrics {
  const {bars, trades, summary} = input;
  const exposureBars = exposureSlots(bars);
  return computeMetrics({
    timeMs: bars.timeMs,
    equity: bars.equity,
    initialEquity: reportConfig(summary.config).cash,
    trades,
    totalFees: costs.fees,
    totalFunding: costs.funding,
    totalLiquidationFees: costs.liquidationFees,
    totalSlippage: costs.slippage,
    liquidations: costs.liquidations,
    exposureBars,
    barsPerYear: barsPerYear(timeframeMs(parseTimeframe(summary.market.timeframe))),
  });
}

export function consistencyChecks(input: ReportInput, costs: CostTotals): Check[] {
  const reported = input.summary.metrics;
  const recomputed = recomputeMetrics(input, costs);
  const checks: Check[] = (Object.keys(reported) as Array<keyof Metrics>).map((key) => ({
    figure: key,
    reported: reported[key],
    recomputed: recomputed[key],
    from: EVIDENCE[key] ?? 'per-bar equity',
    ok: same(reported[key], recomputed[key]),
  }));
  const horizon = reportConfig(input.summary.config).accuracyHorizonBars;
  const portfolio = input.summary.portfolio;
  if (portfolio !== undefined) {
    const tf = timeframeMs(parseTimeframe(input.summary.market.timeframe));
    for (const c of portfolioChecks(input, portfolio, tf, horizon)) {
      checks.push({figure: c.figure, reported: c.reported, recomputed: c.recomputed, from: c.from, ok: same(c.reported, c.recomputed) && c.samplesAgree !== false});
    }
    return checks;
  }
  input.summary.sources.forEach((source, k) => {
    const track = input.bars.signals[k];
    if (!track) return;
    const accuracy = accuracyOf(input.bars, track, horizon);
    checks.push({
      figure: `${source.id} hit rate`, reported: source.accuracy.hitRate, recomputed: accuracy.hitRate,
      from: 'per-bar scores and closes', ok: same(source.accuracy.hitRate, accuracy.hitRate) && source.accuracy.samples === accuracy.samples,
    });
  });
  return checks;
}

/** The reconciliations of a run (cash ledger, trades table, journal). */
export function reconciliations(input: ReportInput): Reconciliation[] {
  const {bars, summary} = input;
  const last = bars.length - 1;
  return reconcile({
    cash: input.cash, trades: input.trades, journal: input.journal, finalEquity: summary.metrics.finalEquity, symbol: summary.market.symbol,
    lastClose: last >= 0 ? bars.close[last] : NaN, lastPosition: last >= 0 ? bars.position[last] : 0,
    ...(bars.lanes !== undefined ? {marks: symbolMarks(bars)} : {}),
  });
}

const mark = (ok: boolean) => `<td class="${ok ? 'ok' : 'mismatch'}">${ok ? 'match' : 'MISMATCH'}</td>`;

/** The Checks section's HTML: one lead line (data-checks="ok" only when every check holds), then both tables. */
export function checksSection(input: ReportInput, costs: CostTotals): string {
  const recs = reconciliations(input);
  const checks = consistencyChecks(input, costs);
  const total = recs.length + checks.length;
  const bad = recs.filter((r) => !r.ok).length + checks.filter((c) => !c.ok).length;
  const lead = bad === 0
    ? `<p class="ok" data-checks="ok">All ${total} checks hold: the cash ledger, the trades table and the journal reconcile, and every figure recomputed from the stored bars, journal and trades matches run.json.</p>`
    : `<p class="mismatch" data-checks="mismatch">${bad} of ${total} checks fail: treat the figures with suspicion.</p>`;
  const recRows = recs.map((r, k) => `<tr data-reconcile="${k}" data-ok="${r.ok}"><td>${escapeHtml(r.check)}</td><td>${escapeHtml(r.formula)}</td>` +
    `<td class="n">${escapeHtml(raw(r.left) || '–')}</td><td class="n">${escapeHtml(raw(r.right) || '–')}</td>${mark(r.ok)}</tr>`);
  const checkRows = checks.map((c) => `<tr><td>${escapeHtml(c.figure)}</td><td class="n">${escapeHtml(raw(c.reported) || '–')}</td>` +
    `<td class="n">${escapeHtml(raw(c.recomputed) || '–')}</td><td>${escapeHtml(c.from)}</td>${mark(c.ok)}</tr>`);
  return `${lead}
<h3>Reconciliations</h3>
<p class="note">Cash ledger (every wallet change with its kind and running balance), trades table and journal (fills, funding, liquidations — replayed here at average entry price) are separate records; each line adds one up against another.</p>
<div class="scroll"><table id="reconciliations"><thead><tr><th>check</th><th>formula</th><th class="n">left</th><th class="n">right</th><th></th></tr></thead>
<tbody>${recRows.join('\n')}</tbody></table></div>
<details><summary>run.json figures recomputed (${checks.length})</summary><table><thead><tr><th>figure</th><th class="n">run.json</th><th class="n">recomputed</th><th>from</th><th></th></tr></thead>
<tbody>${checkRows.join('\n')}</tbody></table></details>`;
}
