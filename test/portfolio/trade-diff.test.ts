import {describe, expect, it} from 'vitest';
import type {ClosedTrade} from '../../src/core/index.js';
import {diffTrades} from '../../src/portfolio/trade-diff.js';

const H = 3_600_000;
const T = Date.UTC(2025, 0, 1);
const S = 'BTC/USDT:USDT';

let nextId = 1;
function trade(over: Partial<ClosedTrade> & {entryTimeMs: number; exitTimeMs: number}): ClosedTrade {
  const side = over.side ?? 'long';
  const qty = over.qty ?? 0.1;
  const entryPrice = over.entryPrice ?? 100_000;
  const exitPrice = over.exitPrice ?? 101_000;
  const fees = over.fees ?? 10;
  const funding = over.funding ?? 0;
  const grossPnl = (exitPrice - entryPrice) * qty * (side === 'long' ? 1 : -1);
  return {
    id: nextId++, symbol: S, side, qty, entryPrice, exitPrice, grossPnl, fees, funding, liquidationFee: 0,
    netPnl: grossPnl - fees + funding, entryReason: 'test', exitReason: 'test', bars: 3, ...over,
  };
}

const none = {timeframeMs: H, missedBars: new Map<string, number[]>(), rejections: new Map<string, number[]>()};

describe('backtest-vs-live trade diff', () => {
  it('pairs equal trades as identical and attributes nothing', () => {
    const a = trade({entryTimeMs: T, exitTimeMs: T + 5 * H});
    const d = diffTrades([a], [{...a, id: 99}], none);
    expect(d.pairs).toHaveLength(1);
    expect(d.pairs[0]).toMatchObject({cause: 'identical', netDifference: 0, entryDelayMs: 0});
    expect(d.attribution.identical).toBe(0);
  });

  it("calls a fill a few ms after the replay's, in the same bar, slippage", () => {
    const r = trade({entryTimeMs: T, exitTimeMs: T + 5 * H});
    const d = diffTrades([{...r, id: 7, entryTimeMs: T + 40, entryPrice: 100_020, grossPnl: r.grossPnl - 2, netPnl: r.netPnl - 2}], [r], none);
    expect(d.pairs[0]).toMatchObject({cause: 'slippage', entryDelayMs: 40});
  });

  it('calls a price difference on the same bars slippage, on later bars latency, around a missed bar missed-bars', () => {
    const replay = [trade({entryTimeMs: T, exitTimeMs: T + 5 * H}), trade({entryTimeMs: T + 10 * H, exitTimeMs: T + 12 * H}), trade({entryTimeMs: T + 20 * H, exitTimeMs: T + 22 * H})];
    const live = [
      trade({entryTimeMs: T, exitTimeMs: T + 5 * H, entryPrice: 100_050}),
      trade({entryTimeMs: T + 11 * H + 4000, exitTimeMs: T + 12 * H + 3000, exitPrice: 100_900}),
      trade({entryTimeMs: T + 21 * H, exitTimeMs: T + 22 * H, entryPrice: 100_400}),
    ];
    const d = diffTrades(live, replay, {...none, missedBars: new Map([[S, [T + 20 * H]]])});
    expect(d.pairs.map((p) => p.cause)).toEqual(['slippage', 'latency', 'missed-bars']);
    expect(d.pairs[0].netDifference).toBeCloseTo(-5, 9);
    expect(d.pairs[1].entryDelayMs).toBe(H + 4000);
    // The causes add up to the whole difference.
    const total = Object.values(d.attribution).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(d.live.netPnl - d.replay.netPnl, 9);
  });

  it('explains a replay trade the session lacks by a rejected order, else by a decision', () => {
    const replay = [trade({entryTimeMs: T + H, exitTimeMs: T + 3 * H}), trade({entryTimeMs: T + 30 * H, exitTimeMs: T + 33 * H})];
    const d = diffTrades([], replay, {...none, rejections: new Map([[S, [T + H]]])});
    expect(d.pairs.map((p) => [p.cause, p.live, p.replay?.entryTimeMs])).toEqual([['rejected-order', null, T + H], ['decision', null, T + 30 * H]]);
    expect(d.attribution['rejected-order']).toBeCloseTo(-replay[0].netPnl, 9);
  });

  it('does not pair opposite sides or entries more than three bars apart', () => {
    const live = [trade({entryTimeMs: T, exitTimeMs: T + 2 * H, side: 'short'}), trade({entryTimeMs: T + 10 * H, exitTimeMs: T + 12 * H})];
    const replay = [trade({entryTimeMs: T, exitTimeMs: T + 2 * H}), trade({entryTimeMs: T + 14 * H, exitTimeMs: T + 15 * H})];
    const d = diffTrades(live, replay, none);
    expect(d.pairs).toHaveLength(4);
    expect(d.pairs.every((p) => (p.live === null) !== (p.replay === null))).toBe(true);
  });

  it('puts a difference in fees or funding on that part', () => {
    const r = trade({entryTimeMs: T, exitTimeMs: T + 9 * H, funding: -1});
    const d = diffTrades([{...r, id: 50, funding: -40, netPnl: r.netPnl - 39}], [r], none);
    expect(d.pairs[0]).toMatchObject({cause: 'funding'});
    expect(d.attribution.funding).toBeCloseTo(-39, 9);
  });
});
