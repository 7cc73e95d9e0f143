import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {resampleBars} from '../../src/adapters/duckdb/resample.js';
import type {FundingPayment, JournalEvent} from '../../src/core/index.js';
import {HOUR, useSampleStore} from '../support/sample-store.js';

const SYMBOL = 'BTC/USDT:USDT';

/** The signed position right after every fill, in time order. */
function positionAt(journal: readonly JournalEvent[], timeMs: number): number {
  let qty = 0;
  for (const e of journal) {
    if (e.type === 'fill' && e.fill.timeMs <= timeMs) qty += e.fill.side === 'buy' ? e.fill.qty : -e.fill.qty;
    if (e.type === 'liquidation' && e.timeMs <= timeMs) qty = 0;
  }
  return Math.round(qty * 1e9) / 1e9;
}

describe('funding in a daily backtest', () => {
  const sample = useSampleStore();

  it('charges every settlement on the position held at its instant, at the hourly mark candle opening then', async () => {
    const db = sample.store().db;
    await resampleBars(db, {exchange: 'binanceusdm', symbol: SYMBOL, timeframe: '1h'}, '1d');
    const config = {strategy: 'sma-cross', symbol: SYMBOL, timeframe: '1d', fromMs: Date.UTC(2023, 0, 1), toMs: Date.UTC(2024, 6, 1), params: {fast: 5, slow: 20}};
    const run = await runBacktest(sample.store(), config);
    const payments: FundingPayment[] = run.journal.toArray().flatMap((e) => (e.type === 'funding' ? [e.funding] : []));
    expect(payments.length).toBeGreaterThan(500);
    // A settlement at a daily open is charged before that open's fills; one inside the day on the position then.
    const fillTimes = new Set(run.journal.toArray().flatMap((e) => (e.type === 'fill' ? [e.fill.timeMs] : [])));
    for (const p of payments) {
      const before = fillTimes.has(p.timeMs) ? positionAt(run.journal.toArray(), p.timeMs - 1) : positionAt(run.journal.toArray(), p.timeMs);
      expect(p.positionQty, new Date(p.timeMs).toISOString()).toBeCloseTo(before, 9);
    }
    // Every stored settlement while a position was open is charged exactly once.
    const funding = run.funding!;
    let held = 0;
    for (let k = 0; k < funding.length; k++) {
      const t = funding.time[k];
      if (t < run.bars.openTime[run.firstIndex]) continue;
      if ((fillTimes.has(t) ? positionAt(run.journal.toArray(), t - 1) : positionAt(run.journal.toArray(), t)) !== 0) held++;
    }
    expect(payments.filter((p) => p.timeMs >= run.bars.openTime[run.firstIndex])).toHaveLength(held);
    // Inside the day (08:00, 16:00) the mark is the stored hourly mark candle's open at that instant.
    const mark = await sample.store().marketData.readBars({exchange: 'binanceusdm', symbol: SYMBOL, timeframe: '1h'}, {fromMs: config.fromMs, toMs: config.toMs}, 'mark');
    const markOpen = new Map(Array.from(mark.openTime, (t, j) => [t, mark.open[j]] as const));
    const inside = payments.filter((p) => p.timeMs % 86_400_000 !== 0);
    expect(inside.length).toBeGreaterThan(300);
    for (const p of inside) expect(p.markPrice).toBe(markOpen.get(p.timeMs));
    expect(inside.every((p) => p.timeMs % (8 * HOUR) === 0)).toBe(true);
  });
});
