import {describe, expect, it} from 'vitest';
import type {BarColumns, InstrumentSpec, MarginMode, OrderRequest} from '../../src/core/index.js';
import {SimulatedVenue} from '../../src/sim/index.js';
import {candles, fills, H, market, type Row, TEST_SPEC, types} from '../support/sim-venue.js';

/**
 * One account, two positions (Binance USDⓈ-M one-way, multi-assets off). The expected figures are
 * worked here from Binance's formulas, not from src/sim:
 *   cross LP = (WB + Σ others (UPnL − MM) − isolated margins of others + cum − side·Q·E) / (Q·mmr − side·Q),
 *   others valued at their latest settled mark; isolated LP uses its own margin (Q·E / leverage) as WB.
 * TEST_SPEC's first bracket (notional ≤ 10 000): mmr 1 %, cum 0; taker fee 0.05 %.
 */
const A = 'AAA/USDT:USDT';
const B = 'BBB/USDT:USDT';
const MMR = 0.01;
const TAKER = 0.0005;
const spec = (symbol: string): InstrumentSpec => ({...TEST_SPEC, symbol});
const flatBar = (p: number): Row => [p, p, p, p];

function twoSymbols(rowsA: readonly Row[], rowsB: readonly Row[], modes: [MarginMode, MarginMode] = ['cross', 'cross'], leverage = 20, wallet = 1_000) {
  const lanes = [[A, rowsA], [B, rowsB]] as const;
  return new SimulatedVenue({
    timeframeMs: H, initialBalance: wallet, leverage, marginMode: 'cross', slippage: {kind: 'fixed', bps: 0}, fundingEnabled: false,
    lanes: lanes.map(([symbol, rows], k) => ({symbol, bars: candles(rows) as BarColumns, instrument: spec(symbol), marginMode: modes[k]})),
  });
}

const on = (symbol: string, o: OrderRequest): OrderRequest => ({...o, symbol});

/** Binance's one-position LP with a margin balance `wb` (first bracket), checked to lie in that bracket. */
function expectedLp(qty: number, entry: number, wb: number): number {
  const side = Math.sign(qty);
  const q = Math.abs(qty);
  const lp = (wb - side * q * entry) / (q * MMR - side * q);
  expect(q * lp, 'the notional at the LP stays in the first bracket').toBeLessThanOrEqual(10_000);
  return lp;
}

/** Steps both lanes through bar i, A first (the engine's config order). */
function step(venue: SimulatedVenue, i: number) {
  return [...venue.sync(i, 0), ...venue.sync(i, 1)];
}

describe('one account, several positions', () => {
  it('solves a cross position\'s liquidation price against the other cross position\'s PnL and maintenance margin at its mark', () => {
    // A long 40 @ 100 (flat); B short 40 @ 50 that falls to 45 (in profit).
    const venue = twoSymbols([flatBar(100), flatBar(100), flatBar(100), flatBar(100)], [flatBar(50), flatBar(50), flatBar(45), flatBar(45)]);
    step(venue, 0);
    venue.submit(on(A, market('buy', 40)));
    venue.submit(on(B, market('sell', 40)));
    expect(fills(step(venue, 1)).map((f) => [f.symbol, f.price])).toEqual([[A, 100], [B, 50]]);
    const wallet = 1_000 - 40 * 100 * TAKER - 40 * 50 * TAKER;
    expect(venue.walletBalance()).toBeCloseTo(wallet, 9);
    // Both at entry: each one's LP is solved with the other's MM (no PnL yet).
    expect(venue.position(0).liquidationPrice).toBeCloseTo(expectedLp(40, 100, wallet - 40 * 50 * MMR), 9);
    expect(venue.position(1).liquidationPrice).toBeCloseTo(expectedLp(-40, 50, wallet - 40 * 100 * MMR), 9);

    step(venue, 2);
    // B settled at 45: UPnL +200, MM 40 × 45 × 1 % = 18; A flat at 100: UPnL 0, MM 40.
    const lpA = expectedLp(40, 100, wallet + 200 - 18);
    expect(venue.position(0).liquidationPrice).toBeCloseTo(lpA, 9);
    expect(venue.position(1).liquidationPrice).toBeCloseTo(expectedLp(-40, 50, wallet - 40), 9);
    // The other position's gain moves A's LP down, from where A alone would be liquidated.
    expect(lpA).toBeLessThan(expectedLp(40, 100, wallet));
  });

  it('reports the liquidation price the other positions moved, even after the venue re-solved it on its own bar', () => {
    const venue = twoSymbols([flatBar(100), flatBar(100), flatBar(100), flatBar(100)], [flatBar(50), flatBar(50), flatBar(45), flatBar(45)]);
    step(venue, 0);
    venue.submit(on(A, market('buy', 40)));
    venue.submit(on(B, market('sell', 40)));
    step(venue, 1);
    const before = venue.position(0).liquidationPrice;
    // B settles bar 2 first (its gain moves A's LP), then A's own bar re-solves A's LP to check for liquidation.
    venue.sync(2, 1);
    venue.sync(2, 0);
    const wallet = 1_000 - 40 * 100 * TAKER - 40 * 50 * TAKER;
    expect(venue.position(0).liquidationPrice).toBeCloseTo(expectedLp(40, 100, wallet + 200 - 18), 9);
    expect(venue.position(0).liquidationPrice).not.toBe(before);
  });

  it('keeps an isolated position apart: its own margin for its LP, its margin out of the cross balance, its PnL never in it', () => {
    // A cross long 40 @ 100; B isolated long 40 @ 50 (margin 40 × 50 / 20 = 100), then B rises to 60.
    const venue = twoSymbols([flatBar(100), flatBar(100), flatBar(100), flatBar(100)], [flatBar(50), flatBar(50), flatBar(60), flatBar(60)], ['cross', 'isolated']);
    step(venue, 0);
    venue.submit(on(A, market('buy', 40)));
    venue.submit(on(B, market('buy', 40)));
    step(venue, 1);
    const wallet = 1_000 - 40 * 100 * TAKER - 40 * 50 * TAKER;
    const marginB = (40 * 50) / 20;
    const lpA = expectedLp(40, 100, wallet - marginB);
    expect(venue.position(0).liquidationPrice).toBeCloseTo(lpA, 9);
    expect(venue.position(1).liquidationPrice).toBeCloseTo(expectedLp(40, 50, marginB), 9);
    expect(venue.position(1)).toMatchObject({marginMode: 'isolated', qty: 40});
    step(venue, 2);
    // B's +400 stays in B: A's LP does not move, nor does B's.
    expect(venue.position(0).liquidationPrice).toBeCloseTo(lpA, 9);
    expect(venue.position(1).liquidationPrice).toBeCloseTo(expectedLp(40, 50, marginB), 9);
  });

  it('checks an order\'s margin against what the other positions hold and their unrealised PnL', () => {
    // Wallet 1 000 at 10x. A long 60 @ 100 holds 600 of margin: 997 − 600 = 397 is left for B at 50.
    const rowsA = (later: number) => [flatBar(100), flatBar(100), flatBar(later), flatBar(later), flatBar(later)];
    const rowsB = [flatBar(50), flatBar(50), flatBar(50), flatBar(50), flatBar(50)];
    const opened = (later: number) => {
      const venue = twoSymbols(rowsA(later), rowsB, ['cross', 'cross'], 10);
      step(venue, 0);
      venue.submit(on(A, market('buy', 60)));
      step(venue, 1);
      step(venue, 2);
      return venue;
    };
    // 90 of B need 450 + 2.25 fee > 397: refused although the wallet alone would cover it.
    const flat = opened(100);
    flat.submit(on(B, market('buy', 90)));
    expect(types(step(flat, 3))).toEqual(['rejected']);
    // 70 need 350 + 1.75 ≤ 397: accepted, so it is A's margin that refused the 90.
    flat.submit(on(B, market('buy', 70)));
    expect(fills(step(flat, 4)).map((f) => [f.symbol, f.qty])).toEqual([[B, 70]]);
    // With A at 110 (UPnL +600 counted in cross) the 90 fit: 397 + 600 ≥ 452.25.
    const winning = opened(110);
    winning.submit(on(B, market('buy', 90)));
    expect(fills(step(winning, 3)).map((f) => [f.symbol, f.qty])).toEqual([[B, 90]]);
    // A losing A (at 95, UPnL −300) leaves 97: even 20 of B (100 + 0.5) is refused.
    const losing = opened(95);
    losing.submit(on(B, market('buy', 20)));
    expect(types(step(losing, 3))).toEqual(['rejected']);
  });

  it('liquidates the losing cross position where the account\'s margin balance meets the maintenance margin of both', () => {
    // A long 40 @ 100 falls to 90 and stays (UPnL −400, MM 36); B long 40 @ 50 then drops through its LP.
    const rowsA = [flatBar(100), flatBar(100), flatBar(90), [90, 90, 90, 90] as Row];
    const rowsB = [flatBar(50), flatBar(50), flatBar(50), [50, 50, 20, 30] as Row];
    const venue = twoSymbols(rowsA, rowsB);
    step(venue, 0);
    venue.submit(on(A, market('buy', 40)));
    venue.submit(on(B, market('buy', 40)));
    step(venue, 1);
    step(venue, 2);
    const wallet = 1_000 - 40 * 100 * TAKER - 40 * 50 * TAKER;
    const lpB = expectedLp(40, 50, wallet - 400 - 40 * 90 * MMR);
    const events = step(venue, 3);
    const liquidation = events.find((e) => e.type === 'liquidation');
    expect(liquidation?.type === 'liquidation' && liquidation.liquidation).toMatchObject({symbol: B, qty: 40});
    expect(liquidation?.type === 'liquidation' && liquidation.liquidation.price).toBeCloseTo(lpB, 9);
    // Alone, B would have survived to a far lower price.
    expect(expectedLp(40, 50, wallet)).toBeLessThan(lpB - 10);
  });
});
