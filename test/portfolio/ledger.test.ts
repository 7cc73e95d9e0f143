import {describe, expect, it} from 'vitest';
import type {Fill, VenueEvent} from '../../src/core/index.js';
import {Ledger} from '../../src/portfolio/ledger.js';

const HOUR = 3_600_000;
let nextId = 1;
function fill(side: 'buy' | 'sell', qty: number, price: number, fee: number, timeMs: number, reason = 'entry'): VenueEvent {
  const f: Fill = {
    orderId: nextId++, clientOrderId: `t-${nextId}`, symbol: 'BTC/USDT:USDT', side, qty, price, fee, liquidity: 'taker',
    slippage: 0, timeMs, reason, reduceOnly: false,
  };
  return {type: 'fill', fill: f};
}

describe('Ledger', () => {
  it('books a long round trip: realised PnL, fees and a closed trade with VWAP prices', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 10_000, 0, HOUR);
    ledger.apply(fill('buy', 1, 100, 0.05, HOUR));
    ledger.apply(fill('buy', 1, 110, 0.055, 2 * HOUR));
    expect(ledger.entryPrice).toBe(105);
    expect(ledger.equityAt(120)).toBeCloseTo(10_000 - 0.105 + 2 * 15, 10);
    const trade = ledger.apply(fill('sell', 2, 120, 0.12, 4 * HOUR, 'exit'));
    expect(trade).toMatchObject({side: 'long', qty: 2, entryPrice: 105, exitPrice: 120, grossPnl: 30, bars: 3, exitReason: 'exit'});
    expect(trade!.fees).toBeCloseTo(0.225, 12);
    expect(trade!.netPnl).toBeCloseTo(30 - 0.225, 12);
    expect(ledger.walletBalance).toBeCloseTo(10_000 + 30 - 0.225, 10);
    expect(ledger.positionQty).toBe(0);
  });

  it('splits a reversal into a closed trade and a new one, with the fee shared pro rata', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 1_000, 0, HOUR);
    ledger.apply(fill('buy', 1, 100, 0.1, HOUR));
    const closed = ledger.apply(fill('sell', 3, 90, 0.3, 2 * HOUR, 'reverse'));
    expect(closed).toMatchObject({side: 'long', grossPnl: -10});
    expect(closed!.fees).toBeCloseTo(0.1 + 0.1, 12);
    expect(ledger.positionQty).toBe(-2);
    expect(ledger.entryPrice).toBe(90);
    const next = ledger.apply(fill('buy', 2, 80, 0.2, 3 * HOUR, 'exit'));
    expect(next).toMatchObject({side: 'short', qty: 2, grossPnl: 20, entryReason: 'reverse'});
    expect(next!.fees).toBeCloseTo(0.2 + 0.2, 12);
  });

  it('charges funding to the open trade and liquidation closes it with the fee', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 1_000, 0, HOUR);
    ledger.apply(fill('buy', 1, 100, 0, HOUR));
    ledger.apply({type: 'funding', funding: {symbol: 'BTC/USDT:USDT', timeMs: 2 * HOUR, rate: 0.001, markPrice: 100, positionQty: 1, amount: -0.1}});
    const trade = ledger.apply({type: 'liquidation', liquidation: {symbol: 'BTC/USDT:USDT', timeMs: 3 * HOUR, qty: 1, price: 60, markPrice: 60, fee: 0.75}});
    expect(trade).toMatchObject({exitReason: 'liquidation', grossPnl: -40, funding: -0.1, liquidationFee: 0.75});
    expect(trade!.netPnl).toBeCloseTo(-40 - 0.1 - 0.75, 12);
    expect(ledger.totals.liquidations).toBe(1);
  });

  it('keeps a cash journal whose entries sum to the wallet balance', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 5_000, 0, HOUR);
    ledger.apply(fill('sell', 0.5, 200, 0.05, HOUR));
    ledger.apply({type: 'funding', funding: {symbol: 'BTC/USDT:USDT', timeMs: 2 * HOUR, rate: 0.0001, markPrice: 200, positionQty: -0.5, amount: 0.01}});
    ledger.apply(fill('buy', 0.5, 190, 0.0475, 3 * HOUR));
    const sum = ledger.entries.reduce((s, e) => s + e.amount, 0);
    expect(sum).toBeCloseTo(ledger.walletBalance, 9);
    expect(ledger.entries.at(-1)!.balance).toBe(ledger.walletBalance);
    expect(new Set(ledger.entries.map((e) => e.kind))).toEqual(new Set(['deposit', 'fee', 'funding', 'realized-pnl']));
  });
});

describe('Ledger: partial closes', () => {
  it('books a reduction that leaves the position open: PnL realised, no trade closed, entry unchanged', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 10_000, 0, HOUR);
    ledger.apply(fill('buy', 3, 100, 0.3, HOUR));
    const closed = ledger.apply(fill('sell', 1, 110, 0.11, 2 * HOUR, 'take-some'));
    expect(closed).toBeNull();
    expect(ledger.trades).toEqual([]);
    expect(ledger.positionQty).toBe(2);
    expect(ledger.entryPrice).toBe(100);
    expect(ledger.totals.realizedPnl).toBe(10);
    expect(ledger.walletBalance).toBeCloseTo(10_000 - 0.3 + 10 - 0.11, 10);
    expect(ledger.entries.filter((e) => e.kind === 'realized-pnl').map((e) => e.amount)).toEqual([10]);
    // Equity marks only the 2 still held.
    expect(ledger.equityAt(120)).toBeCloseTo(ledger.walletBalance + 2 * 20, 10);
    // Adding after a reduction averages the new fill with what is left.
    ledger.apply(fill('buy', 2, 106, 0.2, 3 * HOUR));
    expect(ledger.positionQty).toBe(4);
    expect(ledger.entryPrice).toBe(103);
  });

  it('closes a trade with several exits: gross PnL accumulated over every exit, VWAP exit price, all fees and funding', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 10_000, 0, HOUR);
    ledger.apply(fill('buy', 3, 100, 0.3, HOUR, 'entry'));
    ledger.apply({type: 'funding', funding: {symbol: 'BTC/USDT:USDT', timeMs: 2 * HOUR, rate: 0.0001, markPrice: 100, positionQty: 3, amount: -0.03}});
    expect(ledger.apply(fill('sell', 1, 110, 0.11, 3 * HOUR, 'tp-1'))).toBeNull(); // +10
    expect(ledger.apply(fill('sell', 1, 95, 0.095, 4 * HOUR, 'stop-1'))).toBeNull(); // −5
    const trade = ledger.apply(fill('sell', 1, 120, 0.12, 6 * HOUR, 'exit'))!; // +20
    expect(trade).toMatchObject({side: 'long', qty: 3, entryPrice: 100, grossPnl: 25, funding: -0.03, exitReason: 'exit', entryReason: 'entry', bars: 5});
    expect(trade.exitPrice).toBeCloseTo((110 + 95 + 120) / 3, 12);
    expect(trade.fees).toBeCloseTo(0.3 + 0.11 + 0.095 + 0.12, 12);
    expect(trade.netPnl).toBeCloseTo(25 - 0.625 - 0.03, 12);
    expect(ledger.trades).toEqual([trade]);
    expect(ledger.positionQty).toBe(0);
    // The wallet moved by exactly the trade's net PnL, and the cash journal has one realised row per exit.
    expect(ledger.walletBalance).toBeCloseTo(10_000 + trade.netPnl, 10);
    expect(ledger.entries.filter((e) => e.kind === 'realized-pnl').map((e) => e.amount)).toEqual([10, -5, 20]);
  });

  it('reverses after a partial close: the closed trade keeps both exits, the new one starts at the reversal price', () => {
    const ledger = new Ledger('BTC/USDT:USDT', 10_000, 0, HOUR);
    ledger.apply(fill('sell', 2, 200, 0, HOUR));
    ledger.apply(fill('buy', 1, 190, 0, 2 * HOUR)); // +10 on the short
    const closed = ledger.apply(fill('buy', 3, 180, 0.3, 3 * HOUR, 'reverse'))!; // closes 1 (+20), opens 2 long
    expect(closed).toMatchObject({side: 'short', qty: 2, grossPnl: 30, exitPrice: 185});
    expect(closed.fees).toBeCloseTo(0.1, 12);
    expect(ledger.positionQty).toBe(2);
    expect(ledger.entryPrice).toBe(180);
    const next = ledger.apply(fill('sell', 2, 181, 0, 4 * HOUR))!;
    expect(next).toMatchObject({side: 'long', grossPnl: 2, entryReason: 'reverse'});
    expect(next.fees).toBeCloseTo(0.2, 12);
  });
});
