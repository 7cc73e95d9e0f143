/**
 * The ensemble's minimum holding time, through real backtests on the shipped sample: the engine's
 * `positionBars` counts the bars held as the closed trade will, and `minHoldBars` keeps faded and
 * reversed readings from closing a position earlier (stops and take-profits still do).
 */
import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {useSampleStore} from '../support/sample-store.js';

const RANGE = {strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 9, 1), toMs: Date.UTC(2025, 0, 1), llm: {mode: 'off'}};

describe('ensemble minHoldBars', () => {
  const sample = useSampleStore();

  it('closes on a signal only after minHoldBars; without it, signal exits come sooner', async () => {
    const free = await runBacktest(sample.store(), {...RANGE, params: {minHoldBars: 0}});
    const held = await runBacktest(sample.store(), {...RANGE, params: {minHoldBars: 12}});
    const bySignal = (trades: typeof free.ledger.trades) => trades.filter((t) => t.exitReason.startsWith('ensemble'));
    // The free run has signal exits under 12 bars (so the test can fail), the held run none.
    expect(bySignal(free.ledger.trades).some((t) => t.bars < 12)).toBe(true);
    const heldSignalExits = bySignal(held.ledger.trades);
    expect(heldSignalExits.length).toBeGreaterThan(0);
    for (const t of heldSignalExits) expect(t.bars).toBeGreaterThanOrEqual(12);
    expect(held.ledger.trades.length).toBeLessThan(free.ledger.trades.length);
  });
});
