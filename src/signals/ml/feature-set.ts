/**
 * Versioned feature sets shared by training and serving. A feature set's id names an exact list
 * of columns and an exact arithmetic: a model's manifest records the id and the names, and a
 * change to either is a new id (ohlcv-v2 …), never an edit of ohlcv-v1.
 *
 * ohlcv-v1, per bar i (c/o/h/l/v = close/open/high/low/volume, t = open time, tf = timeframe):
 *   ret_k         ln(c[i] / c[i−k]) for k ∈ 1,3,6,12,24,72; NaN when i < k or when the k bars
 *                 do not span exactly k·tf (a gap in the candles)
 *   vol_n         sample standard deviation of ret_1 over the last n bars (n ∈ 24, 96); NaN
 *                 while any of those returns is NaN (warm-up, gaps)
 *   range_hl      (h − l) / c            body        ln(c / o)
 *   upper_wick    (h − max(o, c)) / c    lower_wick  (min(o, c) − l) / c
 *   rsi_14        Wilder RSI as a fraction: avgGain / (avgGain + avgLoss), 0.5 when both are 0;
 *                 seeded with the plain mean of the first 14 changes
 *   macd_hist     (MACD(12,26) − signal EMA(9)) / c; EMAs seeded at their first input
 *   atr_14        Wilder ATR / c (first true range = h − l; seeded with the mean of 14 TRs)
 *   bb_pctb_20    Bollinger %B (20 bars, ±2 population σ), 0.5 when σ ≤ 1e-12·mean (flat)
 *   bb_width_20   4σ / mean
 *   ema_dist_n    c / EMA(n) − 1 for n ∈ 20, 50
 *   volz_n        (v − mean) / sample σ of volume over the last n bars (n ∈ 24, 168); NaN if σ ≈ 0
 *   funding_rate  the latest settled funding rate at or before the bar's close (t + tf); NaN if
 *                 none is stored or the latest is older than 24 h
 *   funding_avg_3 mean of the last three settled rates (same staleness rule)
 *   hour_sin/cos, dow_sin/cos  UTC hour of day and day of week (Monday = 0) of the bar's close
 *
 * Causal: row i reads bars ≤ i and funding settled by bar i's close. The EMA/Wilder readings
 * depend on the whole history, but a bar more than 500 bars back weighs < 1e-8 in them, so
 * `warmupBars` = 500: rows after the warm-up do not depend on where the loaded history starts
 * beyond float noise, and rows inside it are not used for training or trading.
 * Missing values are NaN, never zero.
 */
import {ErrorCode, IftbError} from '../../core/index.js';

export const RET_HORIZONS = [1, 3, 6, 12, 24, 72] as const;
export const VOL_WINDOWS = [24, 96] as const;
export const RSI_PERIOD = 14;
export const MACD_FAST = 12;
export const MACD_SLOW = 26;
export const MACD_SIGNAL = 9;
export const ATR_PERIOD = 14;
export const BB_PERIOD = 20;
export const BB_K = 2;
export const EMA_PERIODS = [20, 50] as const;
export const VOLUME_WINDOWS = [24, 168] as const;
export const FUNDING_MAX_AGE_MS = 24 * 3_600_000;
export const FUNDING_AVG = 3;

export const OHLCV_V1_NAMES: readonly string[] = Object.freeze([
  ...RET_HORIZONS.map((k) => `ret_${k}`),
  ...VOL_WINDOWS.map((n) => `vol_${n}`),
  'range_hl',
  'body',
  'upper_wick',
  'lower_wick',
  `rsi_${RSI_PERIOD}`,
  'macd_hist',
  `atr_${ATR_PERIOD}`,
  `bb_pctb_${BB_PERIOD}`,
  `bb_width_${BB_PERIOD}`,
  ...EMA_PERIODS.map((n) => `ema_dist_${n}`),
  ...VOLUME_WINDOWS.map((n) => `volz_${n}`),
  'funding_rate',
  `funding_avg_${FUNDING_AVG}`,
  'hour_sin',
  'hour_cos',
  'dow_sin',
  'dow_cos',
]);

/** Column positions, so both implementations write the same feature to the same slot. */
export const F = Object.freeze(Object.fromEntries(OHLCV_V1_NAMES.map((name, k) => [name, k])) as Record<string, number>);

export interface FeatureSetSpec {
  readonly id: string;
  readonly description: string;
  readonly names: readonly string[];
  /** Rows before this index (from the first loaded bar) are warm-up: not trained on, not traded on. */
  readonly warmupBars: number;
  /** Whether funding rates are an input (the runner passes them to the analyzer). */
  readonly usesFunding: boolean;
}

export const OHLCV_V1: FeatureSetSpec = Object.freeze({
  id: 'ohlcv-v1',
  description: 'returns, volatility, candle shape, RSI/MACD/ATR/Bollinger/EMA readings, volume z-scores, funding, time of day/week',
  names: OHLCV_V1_NAMES,
  warmupBars: 500,
  usesFunding: true,
});

const SETS: Readonly<Record<string, FeatureSetSpec>> = Object.freeze({[OHLCV_V1.id]: OHLCV_V1});

export const FEATURE_SET_IDS: readonly string[] = Object.freeze(Object.keys(SETS));

export function featureSet(id: string): FeatureSetSpec {
  const set = SETS[id];
  if (!set) throw new IftbError(ErrorCode.INPUT_INVALID, `unknown feature set '${id}' (known: ${FEATURE_SET_IDS.join(', ')})`);
  return set;
}

/** Funding settlements as the feature code reads them (a FundingSeries fits). */
export interface FundingRates {
  readonly length: number;
  readonly time: Float64Array;
  readonly rate: Float64Array;
}

/** Shared scalar formulas: both implementations call these so their arithmetic is the same. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const TWO_PI = 2 * Math.PI;

/** Angle of the UTC time of day, 0 … 2π. */
export function hourAngle(closeMs: number): number {
  const msOfDay = ((closeMs % DAY_MS) + DAY_MS) % DAY_MS;
  return (TWO_PI * (msOfDay / HOUR_MS)) / 24;
}

/** Angle of the UTC time of week (Monday 00:00 = 0), 0 … 2π. */
export function weekAngle(closeMs: number): number {
  const msOfDay = ((closeMs % DAY_MS) + DAY_MS) % DAY_MS;
  const day = Math.floor(closeMs / DAY_MS);
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  const dow = (((day + 3) % 7) + 7) % 7;
  return (TWO_PI * (dow + msOfDay / DAY_MS)) / 7;
}

/** RSI fraction from Wilder averages. */
export function rsiFraction(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  return total === 0 ? 0.5 : avgGain / total;
}

export function trueRange(high: number, low: number, prevClose: number): number {
  return Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/** %B; 0.5 when the bands collapse (σ at float-noise level of the mean, e.g. a flat window). */
export function percentB(close: number, mean: number, sigma: number): number {
  return sigma <= 1e-12 * Math.abs(mean) ? 0.5 : (close - (mean - BB_K * sigma)) / (2 * BB_K * sigma);
}

/** z-score; NaN when σ is 0 or at float-noise level of the mean (a constant window). */
export function zScore(value: number, mean: number, sd: number): number {
  return sd > 1e-12 * Math.abs(mean) ? (value - mean) / sd : NaN;
}
