/**
 * What a sweep maximises, from a trial's run metrics. Each objective is a number where higher is
 * better, or null where it is undefined (no trades below --min-trades, no volatility, …); null
 * trials rank last.
 */
import {ErrorCode, IftbError} from '../core/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import {parseExpression} from './expression.js';

export const OBJECTIVES = ['sharpe', 'sortino', 'calmar', 'profit-dd', 'return', 'custom'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

export interface ObjectiveSpec {
  readonly name: ObjectiveName;
  /** For `custom`: an expression over metric names, e.g. `sharpe * (1 - maxDrawdown)`. */
  readonly expression?: string;
  /** Trials with fewer closed trades score null (default 1: a strategy that never trades is no answer). */
  readonly minTrades?: number;
}

export type Objective = (metrics: Metrics) => number | null;

/** The floor under max drawdown in profit-dd, so a curve that never fell does not divide by zero. */
const MIN_DRAWDOWN = 0.01;

const METRIC_NAMES = [
  'totalReturn', 'cagr', 'sharpe', 'sortino', 'calmar', 'maxDrawdown', 'maxDrawdownDurationMs', 'winRate', 'profitFactor',
  'expectancy', 'avgWin', 'avgLoss', 'exposure', 'tradeCount', 'fees', 'funding', 'liquidationFees', 'slippage', 'liquidations',
  'finalEquity', 'bars',
] as const satisfies ReadonlyArray<keyof Metrics>;

export function objectiveOf(spec: ObjectiveSpec): Objective {
  const minTrades = spec.minTrades ?? 1;
  const base = baseObjective(spec);
  return (m) => {
    if (m.tradeCount < minTrades) return null;
    const v = base(m);
    return v === null || !Number.isFinite(v) ? null : v;
  };
}

function baseObjective(spec: ObjectiveSpec): Objective {
  switch (spec.name) {
    case 'sharpe': return (m) => m.sharpe;
    case 'sortino': return (m) => m.sortino;
    case 'calmar': return (m) => m.calmar;
    case 'return': return (m) => m.totalReturn;
    case 'profit-dd': return (m) => m.totalReturn / Math.max(m.maxDrawdown, MIN_DRAWDOWN);
    case 'custom': {
      if (!spec.expression) throw new IftbError(ErrorCode.INPUT_INVALID, '--objective custom needs --objective-expr, e.g. "sharpe * (1 - maxDrawdown)"');
      const expr = parseExpression(spec.expression, METRIC_NAMES);
      return (m) => {
        const v = expr.evaluate((name) => (m as unknown as Record<string, number | null>)[name] ?? null);
        return Number.isNaN(v) ? null : v;
      };
    }
  }
}
