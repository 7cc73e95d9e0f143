/** Series derived from the per-bar columns: buy-and-hold, rolling Sharpe, calendar returns. */
import {barReturns} from '../portfolio/returns.js';

const YEAR_MS = 365 * 86_400_000;
const DAY_MS = 86_400_000;

export function barsPerYear(timeframeMs: number): number {
  return YEAR_MS / timeframeMs;
}

/** The starting cash put in the coin at the first close, unleveraged and without costs. */
export function buyAndHold(close: Float64Array, cash: number): Float64Array {
  const out = new Float64Array(close.length);
  const first = close[0];
  for (let i = 0; i < close.length; i++) out[i] = (cash * close[i]) / first;
  return out;
}

/** Bars in the rolling-Sharpe window: 30 days, or a quarter of a short run (at least 10 bars). */
export function rollingWindowBars(bars: number, timeframeMs: number): number {
  const month = Math.max(2, Math.round((30 * DAY_MS) / timeframeMs));
  return bars >= 2 * month ? month : Math.max(10, Math.floor(bars / 4));
}

/**
 * Annualised Sharpe of the last `window` bar returns at each bar (NaN before the window is full
 * or when the returns do not vary), with the same return and annualisation conventions as the
 * run's metrics (sample std, risk-free 0).
 */
export function rollingSharpe(equity: Float64Array, initialEquity: number, window: number, perYear: number): Float64Array {
  const r = barReturns(equity, initialEquity);
  const out = new Float64Array(r.length).fill(NaN);
  if (window < 2 || r.length < window) return out;
  const scale = Math.sqrt(perYear);
  let sum = 0;
  let sum2 = 0;
  // Counted exactly, so a flat window (no position) is recognised however the sums have rounded.
  let moving = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] !== 0) moving++;
    if (i >= window && r[i - window] !== 0) moving--;
    // Sliding sums, recomputed from scratch once per window so rounding cannot build up.
    if (i >= window && i % window === 0) {
      sum = 0;
      sum2 = 0;
      for (let k = i - window + 1; k <= i; k++) {
        sum += r[k];
        sum2 += r[k] * r[k];
      }
    } else {
      sum += r[i];
      sum2 += r[i] * r[i];
      if (i >= window) {
        sum -= r[i - window];
        sum2 -= r[i - window] * r[i - window];
      }
    }
    if (i < window - 1 || moving === 0) continue;
    const mean = sum / window;
    const variance = (sum2 - sum * mean) / (window - 1);
    if (variance > 0) out[i] = (mean / Math.sqrt(variance)) * scale;
  }
  return out;
}

export interface PeriodReturn {
  readonly year: number;
  /** 1–12, or 0 for the whole year. */
  readonly month: number;
  readonly ret: number;
}

/**
 * Calendar-month (UTC) returns of the equity curve, then whole-year returns (month 0). A bar
 * belongs to the month its close falls in, a close at exactly midnight of the 1st to the month
 * before (it is that month's last close). Each period compounds from the previous period's last
 * close, the first from the initial equity, so the months of a year multiply to the year.
 */
export function calendarReturns(timeMs: Float64Array, equity: Float64Array, initialEquity: number): PeriodReturn[] {
  const months: PeriodReturn[] = [];
  const years: PeriodReturn[] = [];
  let monthStart = initialEquity;
  let yearStart = initialEquity;
  for (let i = 0; i < equity.length; i++) {
    const d = new Date(timeMs[i] - 1);
    const last = i === equity.length - 1;
    const next = last ? null : new Date(timeMs[i + 1] - 1);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    if (last || next!.getUTCMonth() + 1 !== month || next!.getUTCFullYear() !== year) {
      months.push({year, month, ret: monthStart > 0 ? equity[i] / monthStart - 1 : 0});
      monthStart = equity[i];
    }
    if (last || next!.getUTCFullYear() !== year) {
      years.push({year, month: 0, ret: yearStart > 0 ? equity[i] / yearStart - 1 : 0});
      yearStart = equity[i];
    }
  }
  return [...months, ...years];
}

export interface Histogram {
  readonly step: number;
  readonly bins: ReadonlyArray<{readonly from: number; readonly to: number; readonly count: number}>;
}

/** Equal-width bins on a "nice" step with 0 as an edge, so wins and losses never share a bin. */
export function histogram(values: readonly number[], targetBins = 40): Histogram {
  if (values.length === 0) return {step: 0, bins: []};
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const step = niceStep(Math.max(max - min, Math.abs(max), 1e-9) / targetBins);
  const first = Math.floor(min / step);
  const last = Math.max(first + 1, Math.floor(max / step) + 1);
  const counts = new Array<number>(last - first).fill(0);
  for (const v of values) counts[Math.min(counts.length - 1, Math.floor(v / step) - first)]++;
  return {step, bins: counts.map((count, k) => ({from: (first + k) * step, to: (first + k + 1) * step, count}))};
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / magnitude;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
  return nice * magnitude;
}
