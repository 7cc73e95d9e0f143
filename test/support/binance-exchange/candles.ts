/** How a candle is replayed into prices: the path it went through, its forming snapshot, its kline event. */
import type {Bar} from '../../../src/core/index.js';
import {decimalsOf, fmt, type SymbolSpec} from './instruments.js';
import type {PathPoint} from './matching.js';

/** The conventional intrabar path: up candles go open → low → high → close, down candles open → high → low → close. */
function extremes(bar: Bar): [number, number] {
  return bar.close >= bar.open ? [bar.low, bar.high] : [bar.high, bar.low];
}

/** A forming snapshot part-way through `bar`: at its first extreme. */
export function formingOf(bar: Bar): Bar {
  const [first] = extremes(bar);
  return {openTime: bar.openTime, open: bar.open, high: Math.max(bar.open, first), low: Math.min(bar.open, first), close: first, volume: Number((bar.volume / 2).toFixed(3))};
}

/**
 * The prices between the previous state and `next`. A new candle starts with a gap from the last
 * price to its open; an update of the same candle continues from its last close through whatever
 * new high or low it reached.
 */
export function pathTo(lastPrice: number | undefined, previous: Bar | undefined, next: Bar): PathPoint[] {
  const points: PathPoint[] = [];
  const add = (price: number, gap = false) => {
    if (points.length === 0 || points[points.length - 1].price !== price) points.push({price, gap});
  };
  if (previous === undefined || previous.openTime !== next.openTime) {
    if (lastPrice !== undefined) add(lastPrice);
    add(next.open, lastPrice !== undefined);
    const [a, b] = extremes(next);
    add(a);
    add(b);
    add(next.close);
    return points;
  }
  add(previous.close);
  const newHigh = next.high > previous.high;
  const newLow = next.low < previous.low;
  if (newHigh && newLow) {
    const [a, b] = next.close >= previous.close ? [next.low, next.high] : [next.high, next.low];
    add(a);
    add(b);
  } else if (newHigh) add(next.high);
  else if (newLow) add(next.low);
  add(next.close);
  return points;
}

export function klineEvent(spec: SymbolSpec, interval: string, tfMs: number, bar: Bar, closed: boolean, eventTime: number, tradeIds: {next: number}): Record<string, unknown> {
  const d = Math.max(spec.pricePrecision, decimalsOf(spec.tickSize));
  const trades = Math.round(bar.volume * 17) + 1;
  const first = tradeIds.next;
  tradeIds.next += trades;
  return {
    e: 'kline',
    E: eventTime,
    s: spec.symbol,
    k: {
      t: bar.openTime,
      T: bar.openTime + tfMs - 1,
      s: spec.symbol,
      i: interval,
      f: first,
      L: first + trades - 1,
      o: fmt(bar.open, d),
      c: fmt(bar.close, d),
      h: fmt(bar.high, d),
      l: fmt(bar.low, d),
      v: fmt(bar.volume, 3),
      n: trades,
      x: closed,
      q: fmt(bar.volume * bar.close, 5),
      V: fmt(bar.volume / 2, 3),
      Q: fmt((bar.volume * bar.close) / 2, 5),
      B: '0',
    },
  };
}
