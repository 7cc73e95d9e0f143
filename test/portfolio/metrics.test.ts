import {describe, expect, it} from 'vitest';
import type {ClosedTrade} from '../../src/core/index.js';
import {computeMetrics, drawdownSeries, type Metrics, type MetricsInput} from '../../src/portfolio/metrics.js';
import {barReturns} from '../../src/portfolio/returns.js';

const HOUR = 3_600_000;

function trade(netPnl: number, id = 1): ClosedTrade {
  return {
    id, symbol: 'BTC/USDT:USDT', side: 'long', qty: 1, entryTimeMs: 0, exitTimeMs: HOUR, entryPrice: 100,
    exitPrice: 100 + netPnl, grossPnl: netPnl, fees: 0, funding: 0, liquidationFee: 0, netPnl,
    entryReason: 'entry', exitReason: 'exit', bars: 1,
  };
}

function input(equity: number[], overrides: Partial<MetricsInput> = {}): MetricsInput {
  return {
    timeMs: Float64Array.from(equity, (_, i) => (i + 1) * HOUR),
    equity: Float64Array.from(equity),
    initialEquity: 100,
    trades: [],
    totalFees: 0,
    totalFunding: 0,
    totalLiquidationFees: 0,
    totalSlippage: 0,
    liquidations: 0,
    exposureBars: 0,
    barsPerYear: 8_760,
    ...overrides,
  };
}

describe('computeMetrics: a hand-worked curve', () => {
  // initial 100, closes 110, 99, 121; 3 bars per year, so the run is exactly one year.
  // returns r = 1/10, −1/10, 2/9; mean = 2/27
  // deviations 7/270, −47/270, 40/270 → Σd² = 3858/72900 → sample variance 1929/72900, std = √1929/270
  // Sharpe = (20/270) / (√1929/270) · √3 = 20·√(3/1929) ≈ 0.788723
  // downside deviation = √((1/10)²/3) = √(1/300) → Sortino = (2/27)·√300·√3 = 60/27 ≈ 2.2222
  // peak 110 (bar 1) → 99 (bar 2): drawdown 11/110 = 0.1, recovered at bar 3 → 2 h under water
  // CAGR = 1.21¹ − 1 = 0.21; Calmar = 0.21 / 0.1 = 2.1
  const m = computeMetrics(input([110, 99, 121], {barsPerYear: 3, exposureBars: 2}));

  it('returns, CAGR, Sharpe and Sortino', () => {
    expect(m.totalReturn).toBeCloseTo(0.21, 14);
    expect(m.cagr).toBeCloseTo(0.21, 14);
    expect(m.sharpe).toBeCloseTo(20 * Math.sqrt(3 / 1929), 12);
    expect(m.sharpe).toBeCloseTo(0.788723, 5);
    expect(m.sortino).toBeCloseTo(60 / 27, 12);
  });

  it('drawdown, its duration and Calmar', () => {
    expect(m.maxDrawdown).toBeCloseTo(0.1, 14);
    expect(m.maxDrawdownDurationMs).toBe(2 * HOUR);
    expect(m.calmar).toBeCloseTo(2.1, 12);
  });

  it('exposure, equity and bar count', () => {
    expect(m.exposure).toBeCloseTo(2 / 3, 14);
    expect(m.finalEquity).toBe(121);
    expect(m.bars).toBe(3);
  });

  it('CAGR over half a year compounds to a year', () => {
    // 1.21 over 3 bars at 6 bars a year = half a year → 1.21² − 1 = 0.4641
    expect(computeMetrics(input([110, 99, 121], {barsPerYear: 6})).cagr).toBeCloseTo(0.4641, 12);
  });
});

describe('computeMetrics: drawdown durations', () => {
  it('measures peak to recovery', () => {
    // peak 120 at 2 h; 90 (−25 %), 100, back above at 130 (5 h): 3 h under water
    const m = computeMetrics(input([100, 120, 90, 100, 130, 110, 105]));
    expect(m.maxDrawdown).toBeCloseTo(0.25, 14);
    expect(m.maxDrawdownDurationMs).toBe(3 * HOUR); // the open drawdown from 130 lasts only 2 h
  });

  it('runs an unrecovered drawdown to the last bar', () => {
    // peak 130 at 5 h, never regained up to the last close at 10 h: 5 h > the 3 h of the first one
    const m = computeMetrics(input([100, 120, 90, 100, 130, 110, 105, 104, 103, 102]));
    expect(m.maxDrawdown).toBeCloseTo(0.25, 14);
    expect(m.maxDrawdownDurationMs).toBe(5 * HOUR);
  });

  it('counts a fall below the initial equity on the first bar from the first close', () => {
    const m = computeMetrics(input([90, 95, 100]));
    expect(m.maxDrawdown).toBeCloseTo(0.1, 14);
    expect(m.maxDrawdownDurationMs).toBe(2 * HOUR);
  });

  it('drawdownSeries is the running fall from the peak', () => {
    const dd = drawdownSeries(Float64Array.from([100, 120, 90, 100, 130, 110]));
    expect(Array.from(dd)).toEqual([0, 0, 1 - 90 / 120, 1 - 100 / 120, 0, 1 - 110 / 130]);
    expect(Array.from(drawdownSeries(Float64Array.from([90, 100]), 100))).toEqual([1 - 90 / 100, 0]);
  });
});

describe('computeMetrics: trades', () => {
  it('win rate, profit factor, expectancy, average win and loss', () => {
    // +30, −10, +20, −5, 0: 2 wins / 5 trades; PF = 50 / 15; expectancy 35 / 5
    const m = computeMetrics(input([100, 135], {trades: [30, -10, 20, -5, 0].map((p, i) => trade(p, i + 1))}));
    expect(m.tradeCount).toBe(5);
    expect(m.winRate).toBeCloseTo(0.4, 14);
    expect(m.profitFactor).toBeCloseTo(50 / 15, 14);
    expect(m.expectancy).toBeCloseTo(7, 14);
    expect(m.avgWin).toBeCloseTo(25, 14);
    expect(m.avgLoss).toBeCloseTo(-7.5, 14);
  });

  it('all wins: profit factor is unbounded (null), no average loss', () => {
    const m = computeMetrics(input([100, 130], {trades: [trade(10, 1), trade(20, 2)]}));
    expect(m.winRate).toBe(1);
    expect(m.profitFactor).toBeNull();
    expect(m.avgWin).toBe(15);
    expect(m.avgLoss).toBeNull();
  });

  it('all losses: profit factor 0', () => {
    const m = computeMetrics(input([100, 90], {trades: [trade(-4, 1), trade(-6, 2)]}));
    expect(m.winRate).toBe(0);
    expect(m.profitFactor).toBe(0);
    expect(m.avgWin).toBeNull();
    expect(m.avgLoss).toBe(-5);
  });

  it('no trades: every trade statistic is null', () => {
    const m = computeMetrics(input([100, 100]));
    expect(m).toMatchObject({tradeCount: 0, winRate: null, profitFactor: null, expectancy: null, avgWin: null, avgLoss: null});
  });

  it('passes the cost totals through', () => {
    const m = computeMetrics(input([100], {totalFees: 1.5, totalFunding: -0.25, totalLiquidationFees: 0.75, totalSlippage: 0.1, liquidations: 1}));
    expect(m).toMatchObject({fees: 1.5, funding: -0.25, liquidationFees: 0.75, slippage: 0.1, liquidations: 1});
  });
});

describe('computeMetrics: edge cases', () => {
  it('flat equity: no return, no drawdown, undefined ratios are null', () => {
    const m = computeMetrics(input([100, 100, 100, 100]));
    expect(m).toMatchObject({totalReturn: 0, cagr: 0, sharpe: null, sortino: null, calmar: null, maxDrawdown: 0, maxDrawdownDurationMs: 0});
  });

  it('only gains: Sortino is unbounded (null), Sharpe finite', () => {
    const m = computeMetrics(input([101, 103, 104]));
    expect(m.sortino).toBeNull();
    expect(m.sharpe).toBeGreaterThan(0);
    expect(m.calmar).toBeNull();
  });

  it('no bars at all', () => {
    const m = computeMetrics(input([]));
    expect(m).toMatchObject({bars: 0, finalEquity: 100, totalReturn: 0, cagr: null, sharpe: null, exposure: null, maxDrawdown: 0});
  });

  it('a wiped-out account: CAGR −1, later returns 0', () => {
    const m = computeMetrics(input([50, 0, 0]));
    expect(m.cagr).toBe(-1);
    expect(m.maxDrawdown).toBe(1);
    expect(Array.from(barReturns(Float64Array.from([50, 0, 0]), 100))).toEqual([-0.5, -1, 0]);
  });

  it('rejects mismatched columns and a non-positive initial equity or year', () => {
    expect(() => computeMetrics({...input([100, 101]), timeMs: new Float64Array(1)})).toThrow(/timeMs has 1/);
    expect(() => computeMetrics(input([100], {initialEquity: 0}))).toThrow(/initialEquity/);
    expect(() => computeMetrics(input([100], {barsPerYear: 0}))).toThrow(/barsPerYear/);
  });

  it('is JSON-safe and bit-identical across runs', () => {
    let x = 1;
    const equity: number[] = [];
    let e = 100;
    for (let i = 0; i < 50_000; i++) {
      x = (x * 48271) % 2147483647;
      e *= 1 + (x / 2147483647 - 0.499) * 0.02;
      equity.push(e);
    }
    const trades = Array.from({length: 300}, (_, i) => trade(Math.sin(i) * 10, i));
    const a = computeMetrics(input(equity, {trades, exposureBars: 20_000}));
    const b = computeMetrics(input(equity, {trades, exposureBars: 20_000}));
    for (const key of Object.keys(a) as (keyof Metrics)[]) expect(Object.is(a[key], b[key]), key).toBe(true);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    for (const value of Object.values(a)) expect(value === null || Number.isFinite(value)).toBe(true);
  });
});
