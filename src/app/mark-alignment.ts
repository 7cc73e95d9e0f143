import {type BarColumns, type FundingSeries, type MarketDataStore, type SeriesKey, TIMEFRAMES, timeframeMs} from '../core/index.js';
import {OPEN_JITTER_MS} from '../sim/index.js';

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

/**
 * The mark price at each funding settlement that falls inside a bar (bars longer than the
 * settlement interval), from the stored mark candles of the finest stored timeframe finer than the
 * run's: the open of the candle opening at that instant. NaN where none; null when no settlement
 * falls inside a bar or no finer mark candles are stored (the venue then uses the recorded
 * settlement mark or the intrabar path).
 */
export async function settlementMarks(
  store: MarketDataStore,
  key: SeriesKey,
  bars: BarColumns,
  funding: FundingSeries,
): Promise<Float64Array | null> {
  const tf = timeframeMs(key.timeframe);
  const inside: number[] = [];
  let b = 0;
  for (let k = 0; k < funding.length; k++) {
    const t = funding.time[k];
    while (b + 1 < bars.length && bars.openTime[b + 1] <= t) b++;
    if (b < bars.length && t >= bars.openTime[b] + OPEN_JITTER_MS && t < bars.openTime[b] + tf) inside.push(k);
  }
  if (inside.length === 0) return null;
  for (const finer of TIMEFRAMES.filter((x) => timeframeMs(x) < tf)) {
    const finerKey = {...key, timeframe: finer};
    if ((await store.lastBarTime(finerKey, 'mark')) === null) continue;
    const first = funding.time[inside[0]];
    const last = funding.time[inside[inside.length - 1]];
    const mark = await store.readBars(finerKey, {fromMs: first, toMs: last + 1}, 'mark');
    const out = new Float64Array(funding.length).fill(NaN);
    let j = 0;
    for (const k of inside) {
      const t = funding.time[k];
      while (j < mark.length && mark.openTime[j] < t) j++;
      if (j < mark.length && mark.openTime[j] === t) out[k] = mark.open[j];
    }
    return out;
  }
  return null;
}
