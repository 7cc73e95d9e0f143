/**
 * The report recomputes run.json's figures from the stored evidence (per-bar equity and
 * positions, the journal's fills, funding and liquidations, the closed trades) with the same
 * portfolio functions, and shows any disagreement instead of hiding it.
 */
import {parseTimeframe, timeframeMs} from '../core/index.js';
import {computeMetrics, type Metrics} from '../portfolio/metrics.js';
import {accuracyOf} from './accuracy.js';
import type {CostTotals} from './journal-views.js';
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
  let exposureBars = 0;
  for (let i = 0; i < bars.length; i++) if (bars.position[i] !== 0) exposureBars++;
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
