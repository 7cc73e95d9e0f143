/**
 * ohlcv-v1 in columns: for replay and training. Each feature is one loop over the candle
 * columns (feature-major), from bar 0 (the smoothed readings need the whole history) up to `to`,
 * writing rows [from, to). `FeatureStream` (ohlcv-v1-stream.ts) computes the same rows one bar
 * at a time for live; both do the same arithmetic in the same order, and a test holds them
 * bit-identical.
 */
import type {BarColumns} from '../../core/index.js';
import {
  ATR_PERIOD,
  BB_K,
  BB_PERIOD,
  EMA_PERIODS,
  F,
  FUNDING_AVG,
  FUNDING_MAX_AGE_MS,
  type FundingRates,
  hourAngle,
  MACD_FAST,
  MACD_SIGNAL,
  MACD_SLOW,
  OHLCV_V1,
  percentB,
  RET_HORIZONS,
  RSI_PERIOD,
  rsiFraction,
  trueRange,
  VOL_WINDOWS,
  VOLUME_WINDOWS,
  weekAngle,
  zScore,
} from './feature-set.js';

/** Feature rows for bars [from, from + rows), stored feature-major. */
export interface FeatureMatrix {
  readonly set: string;
  readonly names: readonly string[];
  /** Index of the bar of row 0. */
  readonly from: number;
  readonly rows: number;
  /** Feature k of row r is data[k * rows + r]. */
  readonly data: Float64Array;
}

export function featureColumn(matrix: FeatureMatrix, k: number): Float64Array {
  return matrix.data.subarray(k * matrix.rows, (k + 1) * matrix.rows);
}

/** Row r as a new Float64Array (tests, debugging). */
export function featureRow(matrix: FeatureMatrix, r: number): Float64Array {
  const row = new Float64Array(matrix.names.length);
  for (let k = 0; k < row.length; k++) row[k] = matrix.data[k * matrix.rows + r];
  return row;
}

/**
 * Row-major float32 rows (the model's input: XGBoost and ONNX both read float32). `rows` picks
 * rows of the matrix (default: all, in order).
 */
export function toFloat32Rows(matrix: FeatureMatrix, rows?: ArrayLike<number>): Float32Array {
  const width = matrix.names.length;
  const n = rows ? rows.length : matrix.rows;
  const out = new Float32Array(n * width);
  for (let k = 0; k < width; k++) {
    const base = k * matrix.rows;
    for (let r = 0; r < n; r++) out[r * width + k] = matrix.data[base + (rows ? rows[r] : r)];
  }
  return out;
}

/** ohlcv-v1 rows for bars [from, to) of `bars`, with funding aligned to each bar's close. */
export function computeOhlcvV1(bars: BarColumns, funding: FundingRates | null, timeframeMs: number, from = 0, to = bars.length): FeatureMatrix {
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= bars.length)) {
    throw new RangeError(`feature rows [${from}, ${to}) are outside the ${bars.length} bars given`);
  }
  const rows = to - from;
  const names = OHLCV_V1.names;
  const data = new Float64Array(names.length * rows).fill(NaN);
  const col = (k: number) => data.subarray(k * rows, (k + 1) * rows);
  const {openTime: t, open: o, high: h, low: l, close: c, volume: v} = bars;

  for (const k of RET_HORIZONS) {
    const out = col(F[`ret_${k}`]);
    const span = k * timeframeMs;
    for (let i = Math.max(from, k); i < to; i++) if (t[i] - t[i - k] === span) out[i - from] = Math.log(c[i] / c[i - k]);
  }

  // One-bar log returns for the volatility windows (NaN at bar 0 and across gaps).
  const maxVol = Math.max(...VOL_WINDOWS);
  const lrFrom = Math.max(0, from - maxVol);
  const lr = new Float64Array(to - lrFrom).fill(NaN);
  for (let j = Math.max(1, lrFrom); j < to; j++) if (t[j] - t[j - 1] === timeframeMs) lr[j - lrFrom] = Math.log(c[j] / c[j - 1]);
  for (const n of VOL_WINDOWS) {
    const out = col(F[`vol_${n}`]);
    for (let i = Math.max(from, n - 1); i < to; i++) {
      let sum = 0;
      for (let j = i - n + 1; j <= i; j++) sum += lr[j - lrFrom];
      const mean = sum / n;
      let ss = 0;
      for (let j = i - n + 1; j <= i; j++) {
        const d = lr[j - lrFrom] - mean;
        ss += d * d;
      }
      out[i - from] = Math.sqrt(ss / (n - 1));
    }
  }

  {
    const range = col(F.range_hl), body = col(F.body), upper = col(F.upper_wick), lower = col(F.lower_wick);
    for (let i = from; i < to; i++) {
      const r = i - from;
      range[r] = (h[i] - l[i]) / c[i];
      body[r] = Math.log(c[i] / o[i]);
      upper[r] = (h[i] - Math.max(o[i], c[i])) / c[i];
      lower[r] = (Math.min(o[i], c[i]) - l[i]) / c[i];
    }
  }

  {
    const out = col(F[`rsi_${RSI_PERIOD}`]);
    const P = RSI_PERIOD;
    let sumGain = 0, sumLoss = 0, avgGain = NaN, avgLoss = NaN;
    for (let i = 1; i < to; i++) {
      const d = c[i] - c[i - 1];
      const gain = d > 0 ? d : 0;
      const loss = d < 0 ? -d : 0;
      if (i <= P) {
        sumGain += gain;
        sumLoss += loss;
        if (i === P) {
          avgGain = sumGain / P;
          avgLoss = sumLoss / P;
        }
      } else {
        avgGain = (avgGain * (P - 1) + gain) / P;
        avgLoss = (avgLoss * (P - 1) + loss) / P;
      }
      if (i >= P && i >= from) out[i - from] = rsiFraction(avgGain, avgLoss);
    }
  }

  if (to > 0) {
    const out = col(F.macd_hist);
    const af = 2 / (MACD_FAST + 1), as = 2 / (MACD_SLOW + 1), ag = 2 / (MACD_SIGNAL + 1);
    let fast = c[0], slow = c[0], signal = NaN;
    for (let i = 0; i < to; i++) {
      if (i > 0) {
        fast += af * (c[i] - fast);
        slow += as * (c[i] - slow);
      }
      if (i < MACD_SLOW - 1) continue;
      const macd = fast - slow;
      if (i === MACD_SLOW - 1) signal = macd;
      else signal += ag * (macd - signal);
      if (i >= MACD_SLOW + MACD_SIGNAL - 2 && i >= from) out[i - from] = (macd - signal) / c[i];
    }
  }

  {
    const out = col(F[`atr_${ATR_PERIOD}`]);
    const P = ATR_PERIOD;
    let sum = 0, atr = NaN;
    for (let i = 0; i < to; i++) {
      const tr = i === 0 ? h[0] - l[0] : trueRange(h[i], l[i], c[i - 1]);
      if (i < P) {
        sum += tr;
        if (i === P - 1) atr = sum / P;
      } else {
        atr = (atr * (P - 1) + tr) / P;
      }
      if (i >= P - 1 && i >= from) out[i - from] = atr / c[i];
    }
  }

  {
    const pctb = col(F[`bb_pctb_${BB_PERIOD}`]), width = col(F[`bb_width_${BB_PERIOD}`]);
    const P = BB_PERIOD;
    for (let i = Math.max(from, P - 1); i < to; i++) {
      let sum = 0;
      for (let j = i - P + 1; j <= i; j++) sum += c[j];
      const mean = sum / P;
      let ss = 0;
      for (let j = i - P + 1; j <= i; j++) {
        const d = c[j] - mean;
        ss += d * d;
      }
      const sigma = Math.sqrt(ss / P);
      pctb[i - from] = percentB(c[i], mean, sigma);
      width[i - from] = (2 * BB_K * sigma) / mean;
    }
  }

  for (const n of EMA_PERIODS) {
    if (to === 0) break;
    const out = col(F[`ema_dist_${n}`]);
    const a = 2 / (n + 1);
    let ema = c[0];
    for (let i = 0; i < to; i++) {
      if (i > 0) ema += a * (c[i] - ema);
      if (i >= n - 1 && i >= from) out[i - from] = c[i] / ema - 1;
    }
  }

  for (const n of VOLUME_WINDOWS) {
    const out = col(F[`volz_${n}`]);
    for (let i = Math.max(from, n - 1); i < to; i++) {
      let sum = 0;
      for (let j = i - n + 1; j <= i; j++) sum += v[j];
      const mean = sum / n;
      let ss = 0;
      for (let j = i - n + 1; j <= i; j++) {
        const d = v[j] - mean;
        ss += d * d;
      }
      out[i - from] = zScore(v[i], mean, Math.sqrt(ss / (n - 1)));
    }
  }

  {
    const rate = col(F.funding_rate), avg = col(F[`funding_avg_${FUNDING_AVG}`]);
    const ft = funding?.time, fr = funding?.rate, fl = funding?.length ?? 0;
    let p = -1;
    for (let i = from; i < to; i++) {
      const close = t[i] + timeframeMs;
      while (p + 1 < fl && ft![p + 1] <= close) p++;
      if (p < 0 || close - ft![p] > FUNDING_MAX_AGE_MS) continue;
      rate[i - from] = fr![p];
      if (p >= FUNDING_AVG - 1) avg[i - from] = (fr![p - 2] + fr![p - 1] + fr![p]) / FUNDING_AVG;
    }
  }

  {
    const hs = col(F.hour_sin), hc = col(F.hour_cos), ws = col(F.dow_sin), wc = col(F.dow_cos);
    for (let i = from; i < to; i++) {
      const close = t[i] + timeframeMs;
      const ha = hourAngle(close), wa = weekAngle(close);
      hs[i - from] = Math.sin(ha);
      hc[i - from] = Math.cos(ha);
      ws[i - from] = Math.sin(wa);
      wc[i - from] = Math.cos(wa);
    }
  }

  return {set: OHLCV_V1.id, names, from, rows, data};
}
