/** Synthetic 1m candles with slow waves, so an SMA cross trades every few dozen bars (live tests). */
import type {Bar} from '../../src/core/index.js';

export const MINUTE = 60_000;

export function waveBars(fromMs: number, n: number, seed = 1): Bar[] {
  const bars: Bar[] = [];
  let price = 30_000;
  let s = seed;
  const random = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (let i = 0; i < n; i++) {
    const open = Math.round(price * 10) / 10;
    const drift = Math.sin((i + seed * 7) / 9) * 35 + (random() - 0.5) * 20;
    const close = Math.round((open + drift) * 10) / 10;
    const high = Math.round((Math.max(open, close) + random() * 8) * 10) / 10;
    const low = Math.round((Math.min(open, close) - random() * 8) * 10) / 10;
    bars.push({openTime: fromMs + i * MINUTE, open, high, low, close, volume: 10 + Math.round(random() * 50)});
    price = close;
  }
  return bars;
}
