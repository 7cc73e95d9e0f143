import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {
  BTCUSDT_BRACKETS,
  ETHUSDT_BRACKETS,
  Grid,
  bracketFor,
  bracketIndexFor,
  instrumentFor,
  liquidationPrice,
  maintenanceMargin,
} from '../../src/sim/index.js';

describe('instruments', () => {
  it('has Binance specs for BTC and ETH', () => {
    const btc = instrumentFor('BTC/USDT:USDT');
    expect([btc.tickSize, btc.stepSize, btc.minQty, btc.minNotional]).toEqual([0.1, 0.001, 0.001, 100]);
    expect([btc.makerFeeRate, btc.takerFeeRate, btc.liquidationFeeRate]).toEqual([0.0002, 0.0005, 0.0125]);
    const eth = instrumentFor('ETH/USDT:USDT');
    expect([eth.tickSize, eth.stepSize, eth.minQty, eth.minNotional]).toEqual([0.01, 0.001, 0.001, 20]);
    expect(btc.brackets).toBe(BTCUSDT_BRACKETS);
    expect(eth.brackets).toBe(ETHUSDT_BRACKETS);
  });

  it('throws INPUT_INVALID for an unknown symbol', () => {
    let caught: unknown;
    try {
      instrumentFor('DOGE/USDT:USDT');
    } catch (error) {
      caught = error;
    }
    expect(isIftbError(caught, ErrorCode.INPUT_INVALID)).toBe(true);
    expect(() => instrumentFor('toString')).toThrow(/no instrument spec/);
  });

  it.each([
    ['BTCUSDT', BTCUSDT_BRACKETS],
    ['ETHUSDT', ETHUSDT_BRACKETS],
  ])('%s brackets join continuously: cum_k = cum_{k-1} + cap_{k-1} × (mmr_k − mmr_{k-1})', (_name, brackets) => {
    expect(brackets[0].maintAmount).toBe(0);
    for (let k = 1; k < brackets.length; k++) {
      const b = brackets[k];
      const p = brackets[k - 1];
      expect(b.notionalCap).toBeGreaterThan(p.notionalCap);
      expect(b.maxLeverage).toBeLessThan(p.maxLeverage);
      expect(b.maintAmount).toBeCloseTo(p.maintAmount + p.notionalCap * (b.maintMarginRate - p.maintMarginRate), 6);
    }
  });

  it('picks the bracket of a notional (a cap belongs to its own tier)', () => {
    expect(bracketIndexFor(BTCUSDT_BRACKETS, 0)).toBe(0);
    expect(bracketIndexFor(BTCUSDT_BRACKETS, 50_000)).toBe(0);
    expect(bracketIndexFor(BTCUSDT_BRACKETS, 50_000.01)).toBe(1);
    expect(bracketFor(BTCUSDT_BRACKETS, 5_000_000)).toMatchObject({maxLeverage: 50, maintMarginRate: 0.01, maintAmount: 11_450});
    expect(bracketFor(BTCUSDT_BRACKETS, -5_000_000).maxLeverage).toBe(50); // sign ignored
    expect(bracketFor(BTCUSDT_BRACKETS, 5e9).maxLeverage).toBe(1); // beyond the table: last tier
    expect(bracketFor(ETHUSDT_BRACKETS, 60_000_000)).toMatchObject({maxLeverage: 20, maintAmount: 381_450});
    // 5 M notional: 5e6 × 1 % − 11 450 = 38 550.
    expect(maintenanceMargin(BTCUSDT_BRACKETS, 5_000_000)).toBeCloseTo(38_550, 9);
  });
});

describe('liquidationPrice', () => {
  it('isolated long (bracket 2) and short (bracket 1)', () => {
    // Long 1 BTC at 60 000, 10x: WB = 6 000, notional 60 000 → bracket 2 (0.5 %, cum 50).
    // LP = (6000 + 50 − 60000) / (0.005 − 1) = −53950 / −0.995 = 54 221.105527…
    expect(liquidationPrice(1, 60_000, 6_000, BTCUSDT_BRACKETS)).toBeCloseTo(53_950 / 0.995, 9);
    // Short 0.5 at 60 000, 20x: WB = 1 500, notional 30 000 → bracket 1 (0.4 %, cum 0).
    // LP = (1500 + 0 + 30000) / (0.5 × 0.004 + 0.5) = 31500 / 0.502 = 62 749.003984…
    expect(liquidationPrice(-0.5, 60_000, 1_500, BTCUSDT_BRACKETS)).toBeCloseTo(31_500 / 0.502, 9);
  });

  it('is NaN flat and 0 for a long that cannot be liquidated', () => {
    expect(liquidationPrice(0, 100, 10, BTCUSDT_BRACKETS)).toBeNaN();
    // 1x cross with a big wallet: (10000 − 100)/(0.004 − 1) < 0 → 0.
    expect(liquidationPrice(1, 100, 10_000, BTCUSDT_BRACKETS)).toBe(0);
  });
});

describe('Grid', () => {
  it('checks multiples with 1e-9 tolerance and rounds to clean decimals', () => {
    const tick = new Grid(0.1);
    expect(tick.isMultiple(100.1)).toBe(true);
    expect(tick.isMultiple(0.3)).toBe(true); // 0.30000000000000004 / 0.1 is not exactly 3
    expect(tick.isMultiple(100.05)).toBe(false);
    expect(tick.isMultiple(123_456.7)).toBe(true);
    expect(tick.up(101.101)).toBe(101.2);
    expect(tick.down(100.899)).toBe(100.8);
    expect(tick.up(101.2)).toBe(101.2); // already on the grid: unchanged
    expect(tick.nearest(0.1 + 0.2)).toBe(0.3);
    const step = new Grid(0.001);
    expect(step.isMultiple(0.003)).toBe(true);
    expect(step.isMultiple(0.0015)).toBe(false);
    expect(step.nearest(0.1 + 0.2)).toBe(0.3);
  });
});
