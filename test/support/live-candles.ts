/** Synthetic 1m candles with slow waves, so an SMA cross trades every few dozen bars (live tests). */
import type {Bar} from '../../src/core/index.js';

export const MINUTE = 60_000;

/** Where the live tests' exchange clock starts (the first bar a session decides). */
export const LIVE_T0 = Date.UTC(2025, 2, 3, 12, 0);

/**
 * sma-cross on 1m BTC, the live tests' session. The latency rule is off: on a loaded test machine a
 * slow event loop must not change what the bot decides.
 */
export const SMA_CROSS_1M = {strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}}} as const;

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
