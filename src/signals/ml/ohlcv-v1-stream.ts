/**
 * ohlcv-v1 one bar at a time: for live, where each closed candle arrives on its own. It keeps its
 * own ring of the last 256 bars (enough for every window of the set) and the recursive states
 * (EMAs, Wilder averages), reads only the bar it is given and the funding settled by that bar's
 * close, and writes the row the columnar path (ohlcv-v1-columns.ts) computes for the same bar —
 * bit for bit, when both start at the same first bar.
 */
import {type BarColumns, ErrorCode, IftbError} from '../../core/index.js';
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

const RING = 256;
const MASK = RING - 1;

export class FeatureStream {
  readonly names = OHLCV_V1.names;
  readonly width = OHLCV_V1.names.length;
  readonly #tf: number;
  // Ring buffers indexed by stream position n (0 = first bar fed) & MASK.
  readonly #t = new Float64Array(RING);
  readonly #c = new Float64Array(RING);
  readonly #v = new Float64Array(RING);
  readonly #lr = new Float64Array(RING);
  readonly #last: Float64Array;
  #n = 0;
  #nextIndex = -1;
  // Recursive states.
  #sumGain = 0;
  #sumLoss = 0;
  #avgGain = Number.NaN;
  #avgLoss = Number.NaN;
  #macdFast = Number.NaN;
  #macdSlow = Number.NaN;
  #macdSignal = Number.NaN;
  #trSum = 0;
  #atr = Number.NaN;
  readonly #ema = new Float64Array(EMA_PERIODS.length);
  #fundingIndex = -1;

  constructor(timeframeMs: number) {
    this.#tf = timeframeMs;
    this.#last = new Float64Array(this.width).fill(NaN);
  }

  /** Index of the bar the next update expects (−1 before the first). */
  get nextIndex(): number {
    return this.#nextIndex;
  }

  /**
   * Computes the row of bar `index` into `out` (length = number of features). Bars must come in
   * order, each once; asking again for the bar just computed copies the same row. `funding` is
   * the settlements known so far, oldest first (it may grow between calls, never change).
   */
  update(bars: BarColumns, index: number, funding: FundingRates | null, out: Float64Array): void {
    if (this.#nextIndex >= 0 && index === this.#nextIndex - 1) {
      out.set(this.#last);
      return;
    }
    if ((this.#nextIndex >= 0 && index !== this.#nextIndex) || !Number.isInteger(index) || index < 0 || index >= bars.length) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `${OHLCV_V1.id} features: bar ${index} fed out of order (expected ${this.#nextIndex})`);
    }
    this.#nextIndex = index + 1;
    this.#step(bars.openTime[index], bars.open[index], bars.high[index], bars.low[index], bars.close[index], bars.volume[index], funding, out);
    this.#last.set(out);
  }

  #step(time: number, open: number, high: number, low: number, close: number, volume: number, funding: FundingRates | null, out: Float64Array): void {
    const i = this.#n++;
    const tf = this.#tf;
    const t = this.#t, c = this.#c, v = this.#v, lr = this.#lr;
    const at = i & MASK;
    const prevClose = i > 0 ? c[(i - 1) & MASK] : NaN;
    t[at] = time;
    c[at] = close;
    v[at] = volume;
    lr[at] = i > 0 && time - t[(i - 1) & MASK] === tf ? Math.log(close / prevClose) : NaN;
    out.fill(NaN);

    for (const k of RET_HORIZONS) {
      if (i >= k && time - t[(i - k) & MASK] === k * tf) out[F[`ret_${k}`]] = Math.log(close / c[(i - k) & MASK]);
    }
    for (const n of VOL_WINDOWS) {
      if (i < n - 1) continue;
      let sum = 0;
      for (let j = i - n + 1; j <= i; j++) sum += lr[j & MASK];
      const mean = sum / n;
      let ss = 0;
      for (let j = i - n + 1; j <= i; j++) {
        const d = lr[j & MASK] - mean;
        ss += d * d;
      }
      out[F[`vol_${n}`]] = Math.sqrt(ss / (n - 1));
    }

    out[F.range_hl] = (high - low) / close;
    out[F.body] = Math.log(close / open);
    out[F.upper_wick] = (high - Math.max(open, close)) / close;
    out[F.lower_wick] = (Math.min(open, close) - low) / close;

    if (i >= 1) {
      const P = RSI_PERIOD;
      const d = close - prevClose;
      const gain = d > 0 ? d : 0;
      const loss = d < 0 ? -d : 0;
      if (i <= P) {
        this.#sumGain += gain;
        this.#sumLoss += loss;
        if (i === P) {
          this.#avgGain = this.#sumGain / P;
          this.#avgLoss = this.#sumLoss / P;
        }
      } else {
        this.#avgGain = (this.#avgGain * (P - 1) + gain) / P;
        this.#avgLoss = (this.#avgLoss * (P - 1) + loss) / P;
      }
      if (i >= P) out[F[`rsi_${RSI_PERIOD}`]] = rsiFraction(this.#avgGain, this.#avgLoss);
    }

    if (i === 0) {
      this.#macdFast = close;
      this.#macdSlow = close;
    } else {
      this.#macdFast += (2 / (MACD_FAST + 1)) * (close - this.#macdFast);
      this.#macdSlow += (2 / (MACD_SLOW + 1)) * (close - this.#macdSlow);
    }
    if (i >= MACD_SLOW - 1) {
      const macd = this.#macdFast - this.#macdSlow;
      if (i === MACD_SLOW - 1) this.#macdSignal = macd;
      else this.#macdSignal += (2 / (MACD_SIGNAL + 1)) * (macd - this.#macdSignal);
      if (i >= MACD_SLOW + MACD_SIGNAL - 2) out[F.macd_hist] = (macd - this.#macdSignal) / close;
    }

    {
      const P = ATR_PERIOD;
      const tr = i === 0 ? high - low : trueRange(high, low, prevClose);
      if (i < P) {
        this.#trSum += tr;
        if (i === P - 1) this.#atr = this.#trSum / P;
      } else {
        this.#atr = (this.#atr * (P - 1) + tr) / P;
      }
      if (i >= P - 1) out[F[`atr_${ATR_PERIOD}`]] = this.#atr / close;
    }

    if (i >= BB_PERIOD - 1) {
      const P = BB_PERIOD;
      let sum = 0;
      for (let j = i - P + 1; j <= i; j++) sum += c[j & MASK];
      const mean = sum / P;
      let ss = 0;
      for (let j = i - P + 1; j <= i; j++) {
        const d = c[j & MASK] - mean;
        ss += d * d;
      }
      const sigma = Math.sqrt(ss / P);
      out[F[`bb_pctb_${BB_PERIOD}`]] = percentB(close, mean, sigma);
      out[F[`bb_width_${BB_PERIOD}`]] = (2 * BB_K * sigma) / mean;
    }

    for (let e = 0; e < EMA_PERIODS.length; e++) {
      const n = EMA_PERIODS[e];
      if (i === 0) this.#ema[e] = close;
      else this.#ema[e] += (2 / (n + 1)) * (close - this.#ema[e]);
      if (i >= n - 1) out[F[`ema_dist_${n}`]] = close / this.#ema[e] - 1;
    }

    for (const n of VOLUME_WINDOWS) {
      if (i < n - 1) continue;
      let sum = 0;
      for (let j = i - n + 1; j <= i; j++) sum += v[j & MASK];
      const mean = sum / n;
      let ss = 0;
      for (let j = i - n + 1; j <= i; j++) {
        const d = v[j & MASK] - mean;
        ss += d * d;
      }
      out[F[`volz_${n}`]] = zScore(volume, mean, Math.sqrt(ss / (n - 1)));
    }

    const closeMs = time + tf;
    if (funding) {
      let p = this.#fundingIndex;
      while (p + 1 < funding.length && funding.time[p + 1] <= closeMs) p++;
      this.#fundingIndex = p;
      if (p >= 0 && closeMs - funding.time[p] <= FUNDING_MAX_AGE_MS) {
        const r = funding.rate;
        out[F.funding_rate] = r[p];
        if (p >= FUNDING_AVG - 1) out[F[`funding_avg_${FUNDING_AVG}`]] = (r[p - 2] + r[p - 1] + r[p]) / FUNDING_AVG;
      }
    }

    const ha = hourAngle(closeMs), wa = weekAngle(closeMs);
    out[F.hour_sin] = Math.sin(ha);
    out[F.hour_cos] = Math.cos(ha);
    out[F.dow_sin] = Math.sin(wa);
    out[F.dow_cos] = Math.cos(wa);
  }
}
