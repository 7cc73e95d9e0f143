/**
 * Run metrics from the equity curve and the closed trades. Pure and deterministic: loops run in a
 * fixed order with plain sums, so the same input gives bit-identical numbers. Every field is a
 * finite number or null (where the quantity is undefined or infinite), so the object is JSON-safe.
 *
 * Conventions
 * - The curve starts at `initialEquity` one bar before the first close; the per-bar return series
 *   has one return per bar, the first against `initialEquity` (see `barReturns`).
 * - Annualisation: each bar is 1/barsPerYear of a year. Sharpe = mean(r) / std(r) · √barsPerYear
 *   (sample std, risk-free 0); Sortino = mean(r) / √(Σ min(r,0)² / n) · √barsPerYear;
 *   CAGR = (final / initial)^(barsPerYear / bars) − 1 (−1 once equity reaches 0).
 * - Drawdowns are measured from the running peak, which starts at `initialEquity`; maxDrawdown is
 *   the largest 1 − equity / peak (0 when equity never falls). A drawdown lasts from the close at
 *   which its peak was set (the first close for the initial equity) to the first close back at or
 *   above the peak, or to the last close if it never recovers.
 * - Trades: a win has netPnl > 0, a loss netPnl < 0; a break-even trade counts in tradeCount and
 *   winRate's denominator only. avgLoss is negative (mean netPnl of losses).
 */
import {type ClosedTrade, ErrorCode, IftbError} from '../core/index.js';
import {barReturns, downsideDeviation, mean, sampleStd} from './returns.js';

export interface MetricsInput {
  /** Close time of each bar of the run (ms), ascending. */
  readonly timeMs: Float64Array;
  /** Equity at each bar's close (same length as timeMs). */
  readonly equity: Float64Array;
  readonly initialEquity: number;
  readonly trades: readonly ClosedTrade[];
  readonly totalFees: number;
  readonly totalFunding: number;
  readonly totalLiquidationFees: number;
  readonly totalSlippage: number;
  readonly liquidations: number;
  /** Bars that closed with a position open. */
  readonly exposureBars: number;
  /** Bars per year of the timeframe (8760 for 1h on a 365-day year). */
  readonly barsPerYear: number;
}

export interface Metrics {
  /** final / initial − 1. */
  readonly totalReturn: number;
  readonly cagr: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** cagr / maxDrawdown; null without a drawdown. */
  readonly calmar: number | null;
  /** Largest peak-to-trough fall as a fraction of the peak (0.25 = 25 %). */
  readonly maxDrawdown: number;
  readonly maxDrawdownDurationMs: number;
  readonly winRate: number | null;
  /** Gross profit of wins / gross loss of losses; null when there are no losses. */
  readonly profitFactor: number | null;
  /** Mean net PnL per trade (quote). */
  readonly expectancy: number | null;
  readonly avgWin: number | null;
  readonly avgLoss: number | null;
  /** Fraction of bars with a position. */
  readonly exposure: number | null;
  readonly tradeCount: number;
  readonly fees: number;
  /** Signed: negative when the account paid funding overall. */
  readonly funding: number;
  readonly liquidationFees: number;
  readonly slippage: number;
  readonly liquidations: number;
  readonly finalEquity: number;
  readonly bars: number;
}

function orNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function requireFinite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new IftbError(ErrorCode.INPUT_INVALID, `metrics: ${name} must be finite, got ${value}`);
  return value;
}

/** Drawdown at each close as a positive fraction of the running peak (starting at initialEquity if given). */
export function drawdownSeries(equity: Float64Array, initialEquity?: number): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let peak = initialEquity ?? -Infinity;
  for (let t = 0; t < n; t++) {
    const e = equity[t];
    if (e > peak) peak = e;
    out[t] = peak > 0 ? 1 - e / peak : 0;
  }
  return out;
}

interface DrawdownStats {
  maxDrawdown: number;
  maxDurationMs: number;
}

function drawdownStats(timeMs: Float64Array, equity: Float64Array, initialEquity: number): DrawdownStats {
  const n = equity.length;
  let peak = initialEquity;
  let peakTime = n > 0 ? timeMs[0] : 0;
  let underwater = false;
  let maxDrawdown = 0;
  let maxDurationMs = 0;
  for (let t = 0; t < n; t++) {
    const e = equity[t];
    if (e >= peak) {
      if (underwater) {
        const duration = timeMs[t] - peakTime;
        if (duration > maxDurationMs) maxDurationMs = duration;
        underwater = false;
      }
      peak = e;
      peakTime = timeMs[t];
    } else {
      underwater = true;
      const dd = peak > 0 ? 1 - e / peak : 0;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
  }
  if (underwater) {
    const duration = timeMs[n - 1] - peakTime;
    if (duration > maxDurationMs) maxDurationMs = duration;
  }
  return {maxDrawdown, maxDurationMs};
}

export function computeMetrics(input: MetricsInput): Metrics {
  const {timeMs, equity, trades} = input;
  const n = equity.length;
  if (timeMs.length !== n) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `metrics: timeMs has ${timeMs.length} values but equity has ${n}`);
  }
  const initialEquity = requireFinite('initialEquity', input.initialEquity);
  if (initialEquity <= 0) throw new IftbError(ErrorCode.INPUT_INVALID, `metrics: initialEquity must be > 0, got ${initialEquity}`);
  const barsPerYear = requireFinite('barsPerYear', input.barsPerYear);
  if (barsPerYear <= 0) throw new IftbError(ErrorCode.INPUT_INVALID, `metrics: barsPerYear must be > 0, got ${barsPerYear}`);

  const finalEquity = n > 0 ? equity[n - 1] : initialEquity;
  const totalReturn = finalEquity / initialEquity - 1;

  let cagr: number | null = null;
  if (n > 0) {
    cagr = finalEquity <= 0 ? -1 : orNull(Math.pow(finalEquity / initialEquity, barsPerYear / n) - 1);
  }

  const returns = barReturns(equity, initialEquity);
  const avg = mean(returns);
  const std = sampleStd(returns, avg);
  const sqrtYear = Math.sqrt(barsPerYear);
  const sharpe = std > 0 ? orNull((avg / std) * sqrtYear) : null;
  const downside = downsideDeviation(returns);
  const sortino = downside > 0 ? orNull((avg / downside) * sqrtYear) : null;

  const {maxDrawdown, maxDurationMs} = drawdownStats(timeMs, equity, initialEquity);
  const calmar = cagr !== null && maxDrawdown > 0 ? orNull(cagr / maxDrawdown) : null;

  let wins = 0;
  let losses = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let net = 0;
  for (let k = 0; k < trades.length; k++) {
    const pnl = trades[k].netPnl;
    net += pnl;
    if (pnl > 0) {
      wins++;
      grossWin += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLoss += pnl;
    }
  }
  const tradeCount = trades.length;

  return {
    totalReturn,
    cagr,
    sharpe,
    sortino,
    calmar,
    maxDrawdown,
    maxDrawdownDurationMs: maxDurationMs,
    winRate: tradeCount > 0 ? wins / tradeCount : null,
    profitFactor: grossLoss < 0 ? grossWin / -grossLoss : null,
    expectancy: tradeCount > 0 ? orNull(net / tradeCount) : null,
    avgWin: wins > 0 ? grossWin / wins : null,
    avgLoss: losses > 0 ? grossLoss / losses : null,
    exposure: n > 0 ? input.exposureBars / n : null,
    tradeCount,
    fees: input.totalFees,
    funding: input.totalFunding,
    liquidationFees: input.totalLiquidationFees,
    slippage: input.totalSlippage,
    liquidations: input.liquidations,
    finalEquity,
    bars: n,
  };
}
