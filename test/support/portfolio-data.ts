/** In-memory data for portfolio backtests: one BacktestData per symbol from candle rows or a seeded walk, with bars left out on purpose. */
import {resolve} from 'node:path';
import {type BacktestData, BacktestConfigSchema} from '../../src/app/backtest-runner.js';
import {allocateBarColumns} from '../../src/core/index.js';
import {mulberry32} from '../../src/ml/sharpe-compare.js';

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);
export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';
export const SCRIPTED = resolve(import.meta.dirname, '../fixtures/strategies/scripted.ts');
export const TOGGLE = resolve(import.meta.dirname, '../fixtures/strategies/toggle.ts');

/** Every breaker rule off: portfolio and single-symbol runs then trade alike. */
export const NO_BREAKERS = {
  drawdown: {enabled: false}, dailyLoss: {enabled: false}, lossStreak: {enabled: false}, errorRate: {enabled: false},
  latency: {enabled: false}, staleData: {enabled: false},
};

/** [open, high, low, close]. */
export type Ohlc = readonly [number, number, number, number];
export const flatBar = (p: number): Ohlc => [p, p, p, p];

/** Bars at T0 + k hours for k in `slots` (default 0 … n−1), so a symbol can miss some slots or start later. */
export function symbolData(symbol: string, rows: readonly Ohlc[], options: {slots?: readonly number[]; firstIndex?: number} = {}): BacktestData {
  const slots = options.slots ?? rows.map((_, k) => k);
  if (slots.length !== rows.length) throw new Error('one slot per row');
  const c = allocateBarColumns(rows.length);
  rows.forEach(([o, h, l, cl], i) => {
    c.openTime[i] = T0 + slots[i] * H;
    c.open[i] = o;
    c.high[i] = h;
    c.low[i] = l;
    c.close[i] = cl;
    c.volume[i] = 1_000;
  });
  return {bars: {key: {exchange: 'binanceusdm', symbol, timeframe: '1h'}, ...c}, mark: null, funding: null, firstIndex: options.firstIndex ?? 0};
}

/** A seeded random walk (mulberry32) of n bars from `start`, on a 0.1 tick: each bar opens at the previous close. */
export function walk(n: number, start: number, seed: number): Ohlc[] {
  const random = mulberry32(seed);
  const tick = (p: number) => Math.round(p * 10) / 10;
  const rows: Ohlc[] = [];
  let price = start;
  for (let i = 0; i < n; i++) {
    const open = tick(price);
    const close = tick(open * Math.exp((random() - 0.5) * 0.02));
    rows.push([open, tick(Math.max(open, close) * (1 + random() * 0.003)), tick(Math.min(open, close) * (1 - random() * 0.003)), close]);
    price = close;
  }
  return rows;
}

export const config = (raw: Record<string, unknown>) => BacktestConfigSchema.parse({timeframe: '1h', funding: false, breaker: NO_BREAKERS, ...raw});
