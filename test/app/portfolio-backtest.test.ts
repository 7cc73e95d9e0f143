/**
 * Portfolio backtests on one account, driven through executeBacktest on hand-made candles: the
 * same engine, venue and ledger as `iftb backtest --symbols`.
 */
import {describe, expect, it} from 'vitest';
import {type BacktestData, executeBacktest} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import type {JournalEvent} from '../../src/core/index.js';
import {loadStrategy} from '../../src/decision/index.js';
import {BTC, config, ETH, flatBar, H, type Ohlc, SCRIPTED, symbolData, T0, TOGGLE, walk} from '../support/portfolio-data.js';

const of = <T extends JournalEvent['type']>(journal: readonly JournalEvent[], type: T) =>
  journal.filter((e): e is Extract<JournalEvent, {type: T}> => e.type === type);

/** TEST_SPEC's round numbers on both symbols: brackets ≤ 10 000 at mmr 1 %, clearance fee 1.25 %, taker 0.05 %. */
const ROUND_SPEC = {
  tickSize: 0.01, stepSize: 0.001, minQty: 0.001, minNotional: 10, liquidationFeeRate: 0.0125,
  brackets: [
    {notionalCap: 10_000, maxLeverage: 100, maintMarginRate: 0.01, maintAmount: 0},
    {notionalCap: 100_000, maxLeverage: 50, maintMarginRate: 0.02, maintAmount: 100},
    {notionalCap: 1_000_000_000, maxLeverage: 10, maintMarginRate: 0.05, maintAmount: 3100},
  ],
};
const TAKER = 0.0005;

async function run(raw: Record<string, unknown>, data: BacktestData | BacktestData[]) {
  const c = config(raw);
  return executeBacktest(c, await loadStrategy(c.strategy), data);
}

describe('portfolio backtest', () => {
  it('with fixed quantities, ample margin, no breakers and no funding, equals the sum of the single-symbol runs', async () => {
    // ETH starts 40 bars later and misses three bars: each single run sees exactly its own bars.
    const btc = symbolData(BTC, walk(900, 30_000, 7), {firstIndex: 20});
    const ethSlots = Array.from({length: 863}, (_, k) => 40 + k).filter((s) => s !== 300 && s !== 301 && s !== 555);
    const eth = symbolData(ETH, walk(ethSlots.length, 2_000, 11), {slots: ethSlots, firstIndex: 20});
    const base = {strategy: 'sma-cross', params: {fast: 3, slow: 9, qty: 0.5}, cash: 1_000_000, leverage: 3};
    const portfolio = await run({...base, symbols: [BTC, ETH]}, [btc, eth]);
    const alone = [await run({...base, symbol: BTC}, btc), await run({...base, symbol: ETH}, eth)];
    const pnl = (r: typeof portfolio) => r.engine.recorder.equity[r.engine.recorder.length - 1] - 1_000_000;
    expect(alone.map((r) => r.ledger.trades.length).every((n) => n > 30)).toBe(true);
    expect(pnl(portfolio)).toBeCloseTo(pnl(alone[0]) + pnl(alone[1]), 6);
    expect(Math.abs(pnl(portfolio) - pnl(alone[0]) - pnl(alone[1]))).toBeLessThan(1e-6);
    // Trade for trade, and per symbol in run.json.
    const summary = summarizeRun(portfolio);
    [BTC, ETH].forEach((symbol, k) => {
      const own = portfolio.ledger.trades.filter((t) => t.symbol === symbol).map(({id: _id, ...t}) => t);
      expect(own).toEqual(alone[k].ledger.trades.map(({id: _id, ...t}) => t));
      expect(summary.portfolio!.symbols[k].pnl).toBeCloseTo(pnl(alone[k]), 6);
    });
    expect(summary.portfolio!.symbols.map((s) => s.missingBars)).toEqual([0, 3]);
    expect(summary.bars).toBe(903 - 20); // slots: BTC 0…899, ETH to 902
  });

  it('with tight cross margin, a loss on one symbol liquidates the other at the account\'s multi-position liquidation price', async () => {
    // Wallet 1 000 at 20x. Bar 1's close opens BTC long 40 and ETH long 40 at bar 2's open (100 and 50).
    // BTC then falls to 90 and stays; ETH drops through its liquidation price on bar 4.
    const btcRows: Ohlc[] = [flatBar(100), flatBar(100), flatBar(100), flatBar(90), flatBar(90), flatBar(90), flatBar(90), flatBar(90)];
    const ethRows: Ohlc[] = [flatBar(50), flatBar(50), flatBar(50), flatBar(50), [50, 50, 20, 30], flatBar(30), flatBar(30), flatBar(30)];
    const r = await run({
      strategy: SCRIPTED, cash: 1_000, leverage: 20, marginMode: 'cross', slippage: {kind: 'fixed', bps: 0}, takerFee: TAKER, instrument: ROUND_SPEC,
      risk: {maxLeverage: 20, maxPositionPct: 5_000},
      symbols: [{symbol: BTC, params: {enterAt: 1, qty: 40}}, {symbol: ETH, params: {enterAt: 1, qty: 40}}],
    }, [symbolData(BTC, btcRows), symbolData(ETH, ethRows)]);
    const fills = of(r.journal.toArray(), 'fill').map((e) => [e.fill.symbol, e.fill.qty, e.fill.price]);
    expect(fills).toEqual([[BTC, 40, 100], [ETH, 40, 50]]);
    // Binance's cross formula, worked here: LP = (WB + Σ others (UPnL − MM) + cum − side·Q·E) / (Q·mmr − side·Q).
    const wallet = 1_000 - 40 * 100 * TAKER - 40 * 50 * TAKER;
    const btcUpnl = 40 * (90 - 100);
    const btcMm = 40 * 90 * 0.01;
    const lpEth = (wallet + btcUpnl - btcMm - 40 * 50) / (40 * 0.01 - 40);
    const lpEthAlone = (wallet - 40 * 50) / (40 * 0.01 - 40);
    const [first, second] = of(r.journal.toArray(), 'liquidation').map((e) => e.liquidation);
    expect(first).toMatchObject({symbol: ETH, qty: 40, timeMs: expect.any(Number)});
    expect(first.price).toBeCloseTo(lpEth, 9);
    expect(first.timeMs).toBeGreaterThanOrEqual(T0 + 4 * H);
    expect(first.timeMs).toBeLessThan(T0 + 5 * H);
    expect(lpEth - lpEthAlone).toBeGreaterThan(10);
    // ETH's loss and clearance fee leave the wallet too thin for BTC at 90: BTC is liquidated when next settled
    // (bar 5's open), at its LP solved against the wallet alone (no other position is left).
    const feeEth = Math.min(40 * lpEth * 0.0125, wallet + 40 * (lpEth - 50));
    const walletAfter = wallet + 40 * (lpEth - 50) - feeEth;
    expect(first.fee).toBeCloseTo(feeEth, 9);
    const lpBtc = (walletAfter - 40 * 100) / (40 * 0.01 - 40);
    expect(lpBtc).toBeGreaterThan(90);
    expect(second).toMatchObject({symbol: BTC, qty: 40, timeMs: T0 + 5 * H});
    expect(second.price).toBeCloseTo(lpBtc, 9);
    expect(r.ledger.qty(0)).toBe(0);
    expect(r.ledger.qty(1)).toBe(0);
    expect(r.ledger.walletBalance).toBeGreaterThanOrEqual(0);
    expect(summarizeRun(r).portfolio!.symbols.map((s) => s.liquidations)).toEqual([1, 1]);
  });

  it('kill switch flattens every symbol\'s position within one bar and opens nothing after', async () => {
    const rows = walk(60, 100, 3);
    const at = T0 + 20 * H + 30 * 60_000; // inside bar 20: takes effect at its close
    const r = await run({
      strategy: SCRIPTED, cash: 100_000, symbols: [{symbol: BTC, params: {enterAt: 2, qty: 5}}, {symbol: ETH, params: {enterAt: 4, side: 'short', qty: 7}}],
      operatorActions: [{atMs: at, action: 'kill-switch', reason: 'drill'}],
    }, [symbolData(BTC, rows), symbolData(ETH, walk(60, 50, 4))]);
    const effect = T0 + 21 * H;
    const flatten = of(r.journal.toArray(), 'kill-switch').find((e) => e.action === 'flatten')!;
    expect(flatten.timeMs).toBe(effect);
    expect(flatten.reason).toMatch(/BTC\/USDT:USDT 5.*ETH\/USDT:USDT -7/);
    const closes = of(r.journal.toArray(), 'fill').filter((e) => e.fill.reason === 'kill-switch');
    expect(closes.map((e) => [e.fill.symbol, e.fill.side, e.fill.qty]).sort()).toEqual([[BTC, 'sell', 5], [ETH, 'buy', 7]]);
    for (const e of closes) {
      expect(e.fill.timeMs).toBeGreaterThanOrEqual(effect);
      expect(e.fill.timeMs).toBeLessThan(effect + H);
    }
    const rec = r.engine.recorder;
    for (let s = 22; s < rec.length; s++) for (const lane of rec.lanes) expect(lane.positionQty[s]).toBe(0);
    expect(of(r.journal.toArray(), 'order').filter((e) => e.timeMs > effect)).toEqual([]);
  });

  it('skips a symbol at a slot where it has no bar: reported, no decision, no fill, nothing forward-filled', async () => {
    const ethSlots = Array.from({length: 40}, (_, k) => k).filter((s) => s !== 10);
    const r = await run({strategy: TOGGLE, cash: 100_000, symbols: [BTC, ETH]},
      [symbolData(BTC, walk(40, 100, 5)), symbolData(ETH, walk(39, 50, 6), {slots: ethSlots})]);
    expect(r.engine.missingBars()).toEqual([{symbol: BTC, bars: 0}, {symbol: ETH, bars: 1}]);
    const gapClose = T0 + 11 * H;
    const intents = of(r.journal.toArray(), 'intent');
    const ethIntentTimes = intents.filter((e) => e.symbol === ETH).map((e) => e.timeMs);
    // ETH decides at every close of its own bars and at none other.
    expect(ethIntentTimes).toEqual(ethSlots.map((s) => T0 + (s + 1) * H));
    expect(intents.some((e) => e.symbol === BTC && e.timeMs === gapClose)).toBe(true);
    // Nothing of ETH happened inside the missing bar; its position carried over unchanged.
    expect(of(r.journal.toArray(), 'fill').filter((e) => e.fill.symbol === ETH && e.timeMs >= T0 + 10 * H && e.timeMs < gapClose)).toEqual([]);
    const lane = r.engine.recorder.lanes[1];
    expect(lane.positionQty[10]).toBe(lane.positionQty[9]);
    expect(lane.ensembleActive[10]).toBe(0);
    expect(Number.isNaN(lane.ensembleScore[10])).toBe(true);
    const summary = summarizeRun(r);
    expect(summary.portfolio!.symbols[1]).toMatchObject({symbol: ETH, missingBars: 1, bars: 39});
    // The per-slot close written for the report has a hole there, not the previous close.
    const {barTrackOf} = await import('../../src/app/run-bars.js');
    const track = barTrackOf(r);
    expect(Number.isNaN(track.lanes![1].close[10])).toBe(true);
    expect(track.lanes![1].close[9]).toBe(r.lanes[1].bars.close[9]);
  });

  it('account-wide risk limits deny with their reasons, counting the other symbols\' entries decided at the same close', async () => {
    const data = () => [symbolData(BTC, walk(20, 100, 8)), symbolData(ETH, walk(20, 100, 9))];
    const both = [{symbol: BTC, params: {enterAt: 2, qty: 100}}, {symbol: ETH, params: {enterAt: 2, qty: 80}}];
    const denial = (journal: readonly JournalEvent[]) => of(journal, 'denied').map((e) => [e.symbol, e.reason]);

    const positions = await run({strategy: SCRIPTED, cash: 10_000, symbols: both, risk: {maxPositions: 1}}, data());
    expect(denial(positions.journal.toArray())).toEqual([[ETH, 'max-positions']]);
    expect(of(positions.journal.toArray(), 'denied')[0].detail).toMatch(/1 symbols already hold a position \(max positions 1\)/);
    expect(of(positions.journal.toArray(), 'fill').map((e) => e.fill.symbol)).toEqual([BTC]);

    // BTC 100 × ~100 ≈ 10 000 (1x) + ETH 80 × ~100 > 1.5x of 10 000.
    const gross = await run({strategy: SCRIPTED, cash: 10_000, symbols: both, risk: {maxGrossLeverage: 1.5}}, data());
    expect(denial(gross.journal.toArray())).toEqual([[ETH, 'max-gross-exposure']]);
    expect(of(gross.journal.toArray(), 'denied')[0].detail).toMatch(/other positions 10\d{3}(\.\d+)? \+/);

    // A per-symbol cap: ETH may hold at most 50 % of equity, BTC keeps the run's limits.
    const capped = await run({strategy: SCRIPTED, cash: 10_000, symbols: [both[0], {...both[1], risk: {maxPositionPct: 50}}]}, data());
    expect(denial(capped.journal.toArray())).toEqual([[ETH, 'max-position']]);
    expect(of(capped.journal.toArray(), 'fill').map((e) => e.fill.symbol)).toEqual([BTC]);
  });

  it('applies per-symbol parameter overrides over the run\'s', async () => {
    const data = [symbolData(BTC, walk(12, 100, 1)), symbolData(ETH, walk(12, 100, 2))];
    const r = await run({strategy: SCRIPTED, cash: 100_000, params: {enterAt: 1, qty: 2}, symbols: [BTC, {symbol: ETH, params: {qty: 3, side: 'short'}}]}, data);
    expect(of(r.journal.toArray(), 'fill').map((e) => [e.fill.symbol, e.fill.side, e.fill.qty])).toEqual([[BTC, 'buy', 2], [ETH, 'sell', 3]]);
    const summary = summarizeRun(r);
    expect(summary.portfolio!.symbols.map((s) => s.params)).toEqual([expect.objectContaining({qty: 2, side: 'long'}), expect.objectContaining({qty: 3, side: 'short'})]);
    const plain = await run({strategy: SCRIPTED, cash: 100_000, params: {enterAt: 1, qty: 2}, symbols: [BTC, ETH]}, data);
    expect(plain.runId).not.toBe(r.runId);
  });

  it('look-ahead replays and model A/B comparisons refuse a portfolio config with one line', async () => {
    const {checkLookahead} = await import('../../src/app/lookahead-check.js');
    const {compareBacktests} = await import('../../src/app/compare-backtests.js');
    const portfolio = {strategy: 'ensemble', symbols: [BTC, ETH]};
    const store = undefined as never;
    await expect(checkLookahead(store, portfolio)).rejects.toThrow(/check lookahead runs on one symbol; the config lists 2/);
    await expect(compareBacktests(store, {a: 'xgb-dir@1', b: 'xgb-dir@2', backtest: portfolio})).rejects.toThrow(/compare runs on one symbol/);
  });
});
