import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {useSampleStore} from '../support/sample-store.js';

const FAST = 10;
const SLOW = 30;
const QTY = 0.01;
const TAKER = 0.0005;
const CASH = 100_000;

/**
 * The reference computation, written from the strategy's definition with nothing from src/ but the
 * candles: SMA by summing the window, a cross at a bar's close fills at the next bar's open, taker
 * fee on every fill, no slippage, no funding; equity marked at the last close.
 */
function plainLoop(open: Float64Array, close: Float64Array, firstDecision: number): {equity: number; fills: number} {
  const sma = (i: number, p: number) => {
    if (i < p - 1) return NaN;
    let sum = 0;
    for (let k = i - p + 1; k <= i; k++) sum += close[k];
    return sum / p;
  };
  let wallet = CASH;
  let qty = 0;
  let entry = 0;
  let pending = 0;
  let fills = 0;
  for (let i = 0; i < close.length; i++) {
    if (pending !== 0) {
      const price = open[i];
      wallet -= Math.abs(pending) * price * TAKER;
      fills++;
      if (qty !== 0 && Math.sign(pending) !== Math.sign(qty)) {
        wallet += Math.min(Math.abs(pending), Math.abs(qty)) * (price - entry) * Math.sign(qty);
        qty += pending;
        entry = price;
      } else {
        entry = (entry * Math.abs(qty) + price * Math.abs(pending)) / (Math.abs(qty) + Math.abs(pending));
        qty += pending;
      }
      pending = 0;
    }
    if (i < firstDecision || i === 0) continue;
    const [fast, slow, prevFast, prevSlow] = [sma(i, FAST), sma(i, SLOW), sma(i - 1, FAST), sma(i - 1, SLOW)];
    if (Number.isNaN(prevFast) || Number.isNaN(prevSlow)) continue;
    if (prevFast <= prevSlow && fast > slow && qty <= 0) pending = QTY - qty;
    else if (prevFast >= prevSlow && fast < slow && qty >= 0) pending = -QTY - qty;
  }
  const last = close.length - 1;
  return {equity: wallet + qty * (close[last] - entry), fills};
}

describe('sma-cross through the full pipeline', () => {
  const sample = useSampleStore();

  it('ends with the same equity as an independent plain loop, to 1e-6', async () => {
    const run = await runBacktest(sample.store(), {
      strategy: 'sma-cross',
      params: {fast: FAST, slow: SLOW, qty: QTY},
      symbol: 'BTC/USDT:USDT',
      timeframe: '1h',
      fromMs: Date.UTC(2024, 0, 1),
      toMs: Date.UTC(2025, 0, 1),
      cash: CASH,
      takerFee: TAKER,
      slippage: {kind: 'fixed', bps: 0},
      funding: false,
      // The reference loop has no breaker; a loss streak must not pause this run either.
      breaker: {lossStreak: {enabled: false}},
    });
    const reference = plainLoop(run.bars.open, run.bars.close, run.firstIndex);
    const n = run.engine.recorder.length;
    expect(n).toBe(run.bars.length);
    expect(run.journal.toArray().filter((e) => e.type === 'fill')).toHaveLength(reference.fills);
    expect(reference.fills).toBeGreaterThan(100);
    expect(Math.abs(run.engine.recorder.equity[n - 1] - reference.equity)).toBeLessThan(1e-6);
  });
});
