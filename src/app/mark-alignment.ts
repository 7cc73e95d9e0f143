import type {BarColumns} from '../core/index.js';

/** Mark-price candles re-indexed onto the trade candles' open times; NaN where no mark candle exists. */
export function alignMarkBars(bars: BarColumns, mark: BarColumns): BarColumns {
  const n = bars.length;
  const out = {
    length: n,
    openTime: Float64Array.from(bars.openTime.subarray(0, n)),
    open: new Float64Array(n).fill(NaN),
    high: new Float64Array(n).fill(NaN),
    low: new Float64Array(n).fill(NaN),
    close: new Float64Array(n).fill(NaN),
    volume: new Float64Array(n).fill(NaN),
  };
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = bars.openTime[i];
    while (j < mark.length && mark.openTime[j] < t) j++;
    if (j < mark.length && mark.openTime[j] === t) {
      out.open[i] = mark.open[j];
      out.high[i] = mark.high[j];
      out.low[i] = mark.low[j];
      out.close[i] = mark.close[j];
      out.volume[i] = mark.volume[j];
    }
  }
  return out;
}
