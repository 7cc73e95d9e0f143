/**
 * The engine feeds the circuit breaker and the risk manager equity (wallet + unrealised PnL), not
 * the wallet: checked through runBacktest on hand-made candles where the two differ by thousands.
 */
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {allocateBarColumns, type JournalEvent} from '../../src/core/index.js';
import {useTempStores} from '../support/duckdb-stores.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 1, 1);
const SYMBOL = 'BTC/USDT:USDT';
const SCRIPTED = resolve(import.meta.dirname, '../fixtures/strategies/scripted.ts');
const CASH = 10_000;
/** No fees, no slippage, no funding: equity = 10 000 + qty × (close − entry) exactly. */
const FRICTIONLESS = {symbol: SYMBOL, timeframe: '1h', cash: CASH, leverage: 3, marginMode: 'cross', takerFee: 0, makerFee: 0, slippage: {kind: 'fixed', bps: 0}, funding: false};

/** Bars whose closes are `closes`; each opens at the previous close. */
function bars(closes: readonly number[]) {
  const c = allocateBarColumns(closes.length);
  closes.forEach((close, i) => {
    const open = i === 0 ? close : closes[i - 1];
    c.openTime[i] = T0 + i * H;
    c.open[i] = open;
    c.high[i] = Math.max(open, close);
    c.low[i] = Math.min(open, close);
    c.close[i] = close;
    c.volume[i] = 100;
  });
  return c;
}

const of = <T extends JournalEvent['type']>(journal: readonly JournalEvent[], type: T) =>
  journal.filter((e): e is Extract<JournalEvent, {type: T}> => e.type === type);

describe('engine: breaker and sizing see equity', () => {
  const stores = useTempStores();
  const storeWith = async (closes: readonly number[]) => {
    const {store} = await stores.open();
    await store.marketData.appendBars({exchange: 'binanceusdm', symbol: SYMBOL, timeframe: '1h'}, bars(closes));
    return store;
  };

  it('trips the drawdown breaker on an open losing position, before it is closed', async () => {
    // Long 20 from 1000 (bar 1's open); from bar 5 the price falls 1 % of 1000 a bar, to 700.
    const closes = Array.from({length: 40}, (_, i) => (i <= 5 ? 1000 : Math.max(700, 1000 - 10 * (i - 5))));
    const store = await storeWith(closes);
    const run = await runBacktest(store, {
      ...FRICTIONLESS, strategy: SCRIPTED, params: {enterAt: 0, qty: 20, exitAt: 36},
      // Only the drawdown rule, and it reduces (exits allowed) so the script's exit can fill after the trip.
      breaker: {dailyLoss: {enabled: false}, lossStreak: {enabled: false}, imposes: {drawdown: 'reducing'}},
    });
    const exit = of(run.journal.toArray(), 'fill').find((e) => e.fill.reason === 'script-exit')!;
    expect(exit.fill).toMatchObject({qty: 20, price: 700});
    // Equity 10 000 + 20 × (close − 1000): −10 % at bar 10 (close 950), −15 % first at bar 13 (close 920; bar 12 closes at 930, −14 %).
    const closeOf = (bar: number) => T0 + (bar + 1) * H;
    const drawdown = of(run.journal.toArray(), 'breaker').filter((e) => e.rule === 'drawdown');
    expect(drawdown.map((e) => [e.level, e.timeMs])).toEqual([['warn', closeOf(10)], ['trip', closeOf(13)]]);
    // Tripped while the loss was still unrealised: the wallet had not moved.
    expect(drawdown[1].timeMs).toBeLessThan(exit.fill.timeMs);
    expect(run.engine.recorder.positionQty[13]).toBe(20);
    expect(run.ledger.trades).toHaveLength(1);
    expect(of(run.journal.toArray(), 'state').find((e) => e.timeMs === closeOf(13))).toMatchObject({to: 'reducing'});
  });

  it('sizes a reversal on equity, not on the wallet', async () => {
    // Long 20 from 1000; at bar 10's close (900) equity is 10 000 − 2 000 = 8 000, the wallet still 10 000.
    const closes = Array.from({length: 16}, (_, i) => (i <= 5 ? 1000 : i <= 10 ? 1000 - 20 * (i - 5) : 900));
    const store = await storeWith(closes);
    const run = await runBacktest(store, {
      ...FRICTIONLESS, strategy: SCRIPTED, params: {enterAt: 0, qty: 20, reverseAt: 10, reversePct: 50},
      breaker: {drawdown: {enabled: false}, dailyLoss: {enabled: false}, lossStreak: {enabled: false}},
    });
    expect(run.engine.recorder.equity[10]).toBe(8_000);
    const reverse = of(run.journal.toArray(), 'fill').find((e) => e.fill.reason === 'script-reverse')!;
    // 50 % of 8 000 at 900 = 4.444 (floored to the 0.001 step); on the wallet it would be 5.555.
    expect(reverse.fill).toMatchObject({side: 'sell', qty: 24.444, price: 900});
    expect(run.ledger.positionQty).toBeCloseTo(-4.444, 9);
  });
});
