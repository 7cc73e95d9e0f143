/**
 * The engine's step on a quiet bar (a position held, indicators and the strategy read, the venue
 * checking liquidation on mark candles, the breakers evaluated, the run recorded) allocates
 * nothing. A double handed across a call V8 does not inline is boxed, a heap number per bar; what
 * is inlined changes with the code around it, so this is checked on a whole backtest, not on parts.
 */
import {resolve} from 'node:path';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {describe, expect, it} from 'vitest';
import {BacktestConfigSchema, executeBacktest} from '../../src/app/backtest-runner.js';
import {allocateBarColumns} from '../../src/core/index.js';
import {loadStrategy} from '../../src/decision/index.js';
import {mulberry32} from '../../src/ml/sharpe-compare.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const SYMBOL = 'BTC/USDT:USDT';
const N = 130_000;
const WINDOW = 20_000;

function market() {
  const random = mulberry32(5);
  const tick = (p: number) => Math.round(p * 10) / 10;
  const bars = allocateBarColumns(N);
  const mark = allocateBarColumns(N);
  let price = 30_000;
  for (let i = 0; i < N; i++) {
    const open = tick(price);
    const close = tick(open * Math.exp((random() - 0.5) * 0.002));
    bars.openTime[i] = mark.openTime[i] = T0 + i * MINUTE;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = tick(Math.max(open, close) * 1.0005);
    bars.low[i] = tick(Math.min(open, close) * 0.9995);
    bars.volume[i] = 10;
    mark.open[i] = open + 1;
    mark.close[i] = close + 1;
    mark.high[i] = bars.high[i] + 1;
    mark.low[i] = bars.low[i] + 1;
    price = close;
  }
  // Settlements every 8 hours until the measured windows begin: each one is an event, which allocates.
  const count = Math.floor((2 * WINDOW * MINUTE) / (8 * 3_600_000));
  const funding = {exchange: 'binanceusdm', symbol: SYMBOL, length: count, time: new Float64Array(count), rate: new Float64Array(count).fill(0.0001), markPrice: new Float64Array(count).fill(Number.NaN)};
  for (let k = 0; k < count; k++) funding.time[k] = T0 + (k + 1) * 8 * 3_600_000;
  return {bars: {key: {exchange: 'binanceusdm', symbol: SYMBOL, timeframe: '1m' as const}, ...bars}, mark, funding, firstIndex: 60};
}

describe('per-bar allocation', () => {
  it('a quiet bar of a full backtest allocates nothing (less than one heap number per bar)', async () => {
    const data = market();
    const strategy = await loadStrategy(resolve(import.meta.dirname, '../fixtures/strategies/hold-long.ts'));
    const config = BacktestConfigSchema.parse({strategy: 'hold-long', symbol: SYMBOL, timeframe: '1m', cash: 100_000, leverage: 3, funding: true, accuracyHorizonBars: 12});
    // A first run warms the code up: until V8 has optimised the step (later on a loaded machine),
    // its unoptimised tiers box every double. Then heap growth over each window of a second run,
    // from a full GC at its first bar (the young generation holds far more than a window could allocate).
    await executeBacktest(config, strategy, data);
    const growth: number[] = [];
    let start = 0;
    const run = await executeBacktest(config, strategy, data, {
      onStep: (i) => {
        if (i < 2 * WINDOW || i % WINDOW !== 0) return;
        if (start !== 0) growth.push(process.memoryUsage().heapUsed - start);
        gc();
        start = process.memoryUsage().heapUsed;
      },
    });
    expect(run.ledger.trades.length).toBe(0);
    expect(run.ledger.qty(0)).toBeGreaterThan(0);
    expect(growth.length).toBeGreaterThanOrEqual(3);
    // A heap number is 12 bytes (16 without pointer compression): one per bar shows as ≥ 12, and the
    // step before these changes made 68 B a bar. Idle, this reads 0–3 B; on a loaded machine, where
    // V8 optimises later and may inline differently, up to 9 B was seen.
    expect(Math.min(...growth) / WINDOW).toBeLessThan(12);
  });
});
