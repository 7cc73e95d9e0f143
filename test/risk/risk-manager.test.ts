import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {isIftbError, type ActionIntent, type RiskVerdict, type Sizing} from '../../src/core/index.js';
import {ceilToStep, createRiskManager, floorToStep, RiskConfigSchema, roundToStep} from '../../src/risk/index.js';
import {BTC, recordingJournal, riskInput} from './fixtures.js';

const long = (extra: Partial<Extract<ActionIntent, {kind: 'enter'}>> = {}): ActionIntent => ({kind: 'enter', side: 'long', reason: 'test-long', ...extra});
const short = (extra: Partial<Extract<ActionIntent, {kind: 'enter'}>> = {}): ActionIntent => ({kind: 'enter', side: 'short', reason: 'test-short', ...extra});

function orders(verdict: RiskVerdict) {
  if (!verdict.ok) throw new Error(`denied ${verdict.reason}: ${verdict.detail}`);
  return verdict.orders;
}

function denial(verdict: RiskVerdict): string {
  if (verdict.ok) throw new Error(`expected a denial, got ${JSON.stringify(verdict.orders)}`);
  expect(verdict.detail.length).toBeGreaterThan(0);
  return verdict.reason;
}

describe('rounding helpers', () => {
  it('snap to the grid without float dust', () => {
    expect(roundToStep(0.1 + 0.2, 0.1)).toBe(0.3);
    expect(floorToStep(0.3, 0.1)).toBe(0.3);
    expect(floorToStep(1.2345, 0.001)).toBe(1.234);
    expect(ceilToStep(1.2341, 0.001)).toBe(1.235);
    expect(ceilToStep(42346.486, 0.1)).toBe(42346.5);
    expect(floorToStep(0.07, 0.001)).toBe(0.07);
    expect(roundToStep(0.05 + 0.02, 0.001)).toBe(0.07);
    expect(floorToStep(17, 5)).toBe(15);
    expect(ceilToStep(0.26, 0.25)).toBe(0.5);
  });
});

describe('risk config', () => {
  it('has documented defaults: 10 % of equity, 3x leverage, 300 % max position', () => {
    expect(RiskConfigSchema.parse({})).toEqual({sizing: {mode: 'equity-pct', pct: 10}, maxLeverage: 3, maxPositionPct: 300});
  });

  it('rejects an invalid config with IFTB_E_CONFIG_INVALID', () => {
    let caught: unknown;
    try {
      createRiskManager({maxLeverage: -1});
    } catch (error) {
      caught = error;
    }
    expect(isIftbError(caught, 'IFTB_E_CONFIG_INVALID')).toBe(true);
  });
});

describe('sizing an entry from flat', () => {
  it('uses 10 % of equity by default as one market order that is not reduce-only', () => {
    const [order] = orders(createRiskManager().plan(long(), riskInput()));
    expect(order).toEqual({side: 'buy', type: 'market', qty: 0.02, reduceOnly: false, reason: 'test-long'});
  });

  it('floors a fixed quantity to the step size', () => {
    const [order] = orders(createRiskManager().plan(short({sizing: {mode: 'fixed-qty', qty: 0.0129}}), riskInput()));
    expect(order).toMatchObject({side: 'sell', qty: 0.012, reduceOnly: false});
  });

  it('converts a fixed notional at the reference price and floors it to the step size', () => {
    const [order] = orders(createRiskManager({sizing: {mode: 'fixed-notional', notional: 1234}}).plan(long(), riskInput()));
    expect(order.qty).toBe(0.024);
  });

  it('sizes a percentage of equity at the reference price', () => {
    const [order] = orders(createRiskManager({sizing: {mode: 'equity-pct', pct: 7}}).plan(long(), riskInput({price: 30_000})));
    expect(order.qty).toBe(0.023);
  });

  it('sizes risk-atr so that a stop atrMultiple ATRs away loses riskPct of equity, and attaches that stop', () => {
    const rm = createRiskManager({sizing: {mode: 'risk-atr', riskPct: 1, atrMultiple: 2}});
    const [order] = orders(rm.plan(long(), riskInput({atr: 500})));
    expect(order.qty).toBe(0.1);
    expect(order.attached).toEqual({stopLoss: 49_000});
  });

  it('denies risk-atr sizing while the ATR is unknown', () => {
    const rm = createRiskManager({sizing: {mode: 'risk-atr', riskPct: 1, atrMultiple: 2}});
    expect(denial(rm.plan(long(), riskInput({atr: NaN})))).toBe('no-atr');
  });

  it('lets the intent override the default sizing', () => {
    const rm = createRiskManager({sizing: {mode: 'fixed-qty', qty: 1}});
    const [order] = orders(rm.plan(long({sizing: {mode: 'fixed-notional', notional: 500}}), riskInput()));
    expect(order.qty).toBe(0.01);
  });

  it('denies an order below the minimum notional', () => {
    expect(denial(createRiskManager().plan(long({sizing: {mode: 'fixed-qty', qty: 0.001}}), riskInput()))).toBe('min-notional');
    expect(denial(createRiskManager().plan(long({sizing: {mode: 'fixed-notional', notional: 99}}), riskInput()))).toBe('min-notional');
    // 100.05 / 100 = 1.0005 floors to 1.000: exactly the minimum notional, allowed.
    expect(orders(createRiskManager().plan(long({sizing: {mode: 'fixed-notional', notional: 100.05}}), riskInput({price: 100})))[0].qty).toBe(1);
    // 99.99 / 100 = 0.9999 floors to 0.999: 99.9 after rounding, denied.
    expect(denial(createRiskManager().plan(long({sizing: {mode: 'fixed-notional', notional: 99.99}}), riskInput({price: 100}))))
      .toBe('min-notional');
  });

  it('denies a size that floors below the minimum quantity', () => {
    expect(denial(createRiskManager().plan(long({sizing: {mode: 'fixed-qty', qty: 0.0009}}), riskInput()))).toBe('min-qty');
  });
});

describe('limits', () => {
  it('denies a position whose notional exceeds equity times the max leverage', () => {
    const rm = createRiskManager({maxLeverage: 3});
    expect(denial(rm.plan(long({sizing: {mode: 'equity-pct', pct: 301}}), riskInput()))).toBe('max-leverage');
    expect(orders(rm.plan(long({sizing: {mode: 'equity-pct', pct: 300}}), riskInput()))[0].qty).toBe(0.6);
  });

  it('denies a position above the max position percentage of equity', () => {
    const rm = createRiskManager({maxPositionPct: 50});
    expect(denial(rm.plan(long({sizing: {mode: 'fixed-notional', notional: 6000}}), riskInput()))).toBe('max-position');
    expect(orders(rm.plan(long({sizing: {mode: 'fixed-notional', notional: 5000}}), riskInput()))[0].qty).toBe(0.1);
  });

  it('denies entries with no equity', () => {
    expect(denial(createRiskManager().plan(long({sizing: {mode: 'fixed-qty', qty: 0.01}}), riskInput({equity: 0})))).toBe('max-leverage');
  });
});

describe('positions, reversals and trading state', () => {
  it('denies entering the side already held', () => {
    expect(denial(createRiskManager().plan(long(), riskInput({positionQty: 0.05})))).toBe('already-in-position');
    expect(denial(createRiskManager().plan(short(), riskInput({positionQty: -0.05})))).toBe('already-in-position');
  });

  it('reverses with one market order of the position plus the new size', () => {
    const [order] = orders(createRiskManager({stopLossPct: 2}).plan(short(), riskInput({positionQty: 0.05})));
    expect(order).toEqual({side: 'sell', type: 'market', qty: 0.07, reduceOnly: false, reason: 'test-short', attached: {stopLoss: 51_000}});
    const [back] = orders(createRiskManager().plan(long(), riskInput({positionQty: -0.123})));
    expect(back).toMatchObject({side: 'buy', qty: 0.143, reduceOnly: false});
  });

  it('sends only the reduce-only closing part of a reversal while reducing or halted, and journals the refused opening', () => {
    for (const state of ['reducing', 'halted'] as const) {
      const journal = recordingJournal();
      const rm = createRiskManager({stopLossPct: 2}, {journal: journal.sink});
      const result = orders(rm.plan(short(), riskInput({positionQty: 0.05, state})));
      expect(result).toEqual([{side: 'sell', type: 'market', qty: 0.05, reduceOnly: true, reason: 'test-short'}]);
      expect(journal.events).toMatchObject([{type: 'denied', reason: `state-${state}`}]);
    }
  });

  it('still closes when the opening part of a reversal breaks a limit', () => {
    const rm = createRiskManager();
    const result = orders(rm.plan(short({sizing: {mode: 'equity-pct', pct: 500}}), riskInput({positionQty: 0.05})));
    expect(result).toEqual([{side: 'sell', type: 'market', qty: 0.05, reduceOnly: true, reason: 'test-short'}]);
  });

  it('denies new entries from flat while reducing or halted', () => {
    expect(denial(createRiskManager().plan(long(), riskInput({state: 'reducing'})))).toBe('state-reducing');
    expect(denial(createRiskManager().plan(short(), riskInput({state: 'halted'})))).toBe('state-halted');
  });

  it('exits a position with a reduce-only market order for its whole size, with the intent reason', () => {
    expect(orders(createRiskManager().plan({kind: 'exit', reason: 'signal-flip'}, riskInput({positionQty: -0.037, state: 'halted'})))).toEqual([
      {side: 'buy', type: 'market', qty: 0.037, reduceOnly: true, reason: 'signal-flip'},
    ]);
  });

  it('denies an exit while flat', () => {
    expect(denial(createRiskManager().plan({kind: 'exit', reason: 'x'}, riskInput()))).toBe('no-position');
  });
});

describe('protective prices', () => {
  it('rounds percentage stops and targets toward the entry, on the tick grid', () => {
    const rm = createRiskManager({stopLossPct: 2, takeProfitPct: 3});
    expect(orders(rm.plan(long(), riskInput({price: 43_210.7})))[0].attached).toEqual({stopLoss: 42_346.5, takeProfit: 44_507});
    expect(orders(rm.plan(short(), riskInput({price: 43_210.7})))[0].attached).toEqual({stopLoss: 44_074.9, takeProfit: 41_914.4});
  });

  it('puts an ATR stop k ATRs from entry and takes the nearest of several stop rules', () => {
    expect(orders(createRiskManager({atrStopMultiple: 1.5}).plan(long(), riskInput({atr: 333})))[0].attached).toEqual({stopLoss: 49_500.5});
    expect(orders(createRiskManager({atrStopMultiple: 1.5, stopLossPct: 0.5}).plan(short(), riskInput({atr: 333})))[0].attached).toEqual({
      stopLoss: 50_250,
    });
    expect(orders(createRiskManager({atrStopMultiple: 1.5, stopLossPct: 2}).plan(short(), riskInput({atr: 333})))[0].attached).toEqual({
      stopLoss: 50_499.5,
    });
  });

  it('falls back to the percentage stop without an ATR, and refuses to enter unprotected when only an ATR stop is configured', () => {
    expect(orders(createRiskManager({atrStopMultiple: 1.5, stopLossPct: 2}).plan(long(), riskInput()))[0].attached).toEqual({stopLoss: 49_000});
    expect(denial(createRiskManager({atrStopMultiple: 1.5}).plan(long(), riskInput()))).toBe('no-atr');
  });

  it('lets the intent set its own protective prices, rounded conservatively', () => {
    const rm = createRiskManager({stopLossPct: 2, takeProfitPct: 3});
    const [order] = orders(rm.plan(long({stopLoss: 48_000.04, takeProfit: 55_555.55}), riskInput()));
    expect(order.attached).toEqual({stopLoss: 48_000.1, takeProfit: 55_555.5});
  });

  it('denies protective prices on the wrong side of the entry', () => {
    expect(denial(createRiskManager().plan(long({stopLoss: 51_000}), riskInput()))).toBe('invalid-protective');
    expect(denial(createRiskManager().plan(short({takeProfit: 51_000}), riskInput()))).toBe('invalid-protective');
    expect(denial(createRiskManager().plan(long({stopLoss: 49_999.99}), riskInput()))).toBe('invalid-protective');
  });
});

describe('trailing stop', () => {
  it('ratchets a long stop up only, from the bar high', () => {
    const rm = createRiskManager({trailingStopPct: 1});
    const input = riskInput({positionQty: 0.1});
    let stop = NaN;
    const seen: number[] = [];
    for (const high of [51_000, 50_500, 52_000, 51_500, 52_000.3]) {
      const next = rm.trail(input, high, high - 800, stop);
      seen.push(next);
      if (!Number.isNaN(next)) stop = next;
    }
    expect(seen).toEqual([50_490, NaN, 51_480, NaN, 51_480.3]);
    expect(stop).toBe(51_480.3);
  });

  it('ratchets a short stop down only, from the bar low', () => {
    const rm = createRiskManager({trailingStopPct: 1});
    const input = riskInput({positionQty: -0.1});
    expect(rm.trail(input, 49_500, 49_000, NaN)).toBe(49_490);
    expect(rm.trail(input, 49_500, 49_000, 49_400)).toBeNaN();
    expect(rm.trail(input, 48_500, 48_000, 49_490)).toBe(48_480);
  });

  it('does nothing when flat or when no trailing percentage is configured', () => {
    expect(createRiskManager({trailingStopPct: 1}).trail(riskInput(), 51_000, 49_000, NaN)).toBeNaN();
    expect(createRiskManager().trail(riskInput({positionQty: 1}), 51_000, 49_000, NaN)).toBeNaN();
  });
});

describe('limits as properties (every generated input is one the verdict is known for)', () => {
  const STEP = 0.001;
  const instrument = {...BTC, minNotional: 5};
  type Mode = 'fixed-qty' | 'fixed-notional' | 'equity-pct' | 'risk-atr';

  /**
   * An entry of known size: `steps` whole steps plus a fraction away from both grid lines (so the
   * floor is never a float coin-flip), expressed in the chosen sizing mode, with equity set so the
   * floored notional sits `headroom` times inside (> 1) or outside (< 1) the tighter of the two limits.
   */
  const entry = fc.record({
    mode: fc.constantFrom<Mode>('fixed-qty', 'fixed-notional', 'equity-pct', 'risk-atr'),
    inIntent: fc.boolean(),
    side: fc.constantFrom('long' as const, 'short' as const),
    priceTicks: fc.integer({min: 1_000, max: 1_000_000}),
    steps: fc.integer({min: 1, max: 5_000}),
    fraction: fc.double({min: 0.1, max: 0.9, noNaN: true}),
    maxLeverage: fc.double({min: 0.5, max: 20, noNaN: true}),
    maxPositionPct: fc.double({min: 10, max: 3000, noNaN: true}),
    atr: fc.double({min: 1, max: 5000, noNaN: true}),
    atrMultiple: fc.double({min: 0.1, max: 10, noNaN: true}),
    stopLossPct: fc.option(fc.double({min: 0.5, max: 50, noNaN: true}), {nil: undefined}),
    takeProfitPct: fc.option(fc.double({min: 0.5, max: 50, noNaN: true}), {nil: undefined}),
    /** 0: flat; otherwise a position on the other side (a reversal) of this many steps. */
    heldSteps: fc.oneof(fc.constant(0), fc.integer({min: 1, max: 5_000})),
  });

  type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

  function build(e: Entry, headroom: number, state: 'active' | 'reducing' | 'halted' = 'active') {
    const price = roundToStep(e.priceTicks * 0.1, 0.1);
    const steps = Math.max(e.steps, Math.ceil(instrument.minNotional / (STEP * price)));
    const raw = (steps + e.fraction) * STEP;
    const notional = raw * price;
    // The limits judge the floored size: headroom is measured on it.
    const equity = ((steps * STEP * price) / Math.min(e.maxLeverage, e.maxPositionPct / 100)) * headroom;
    // The stop a risk-atr size implies must lie on the losing side of the entry, at least a tick away.
    const atr = Math.min(Math.max(e.atr, 0.2 / e.atrMultiple), (0.9 * price) / e.atrMultiple);
    const atrMultiple = Math.min(e.atrMultiple, (99 * equity) / (100 * raw * atr));
    const sizing: Sizing =
      e.mode === 'fixed-qty' ? {mode: 'fixed-qty', qty: raw}
      : e.mode === 'fixed-notional' ? {mode: 'fixed-notional', notional}
      : e.mode === 'equity-pct' ? {mode: 'equity-pct', pct: (notional / equity) * 100}
      : {mode: 'risk-atr', riskPct: (raw * atrMultiple * atr * 100) / equity, atrMultiple};
    const other: Sizing = {mode: 'fixed-qty', qty: 1e9};
    const config = {maxLeverage: e.maxLeverage, maxPositionPct: e.maxPositionPct, stopLossPct: e.stopLossPct, takeProfitPct: e.takeProfitPct, sizing: e.inIntent ? other : sizing};
    const dir = e.side === 'long' ? 1 : -1;
    const positionQty = roundToStep(-dir * e.heldSteps * STEP, STEP);
    const input = riskInput({price, equity, positionQty, atr, state, instrument});
    const intent: ActionIntent = {kind: 'enter', side: e.side, reason: 'p', ...(e.inIntent ? {sizing} : {})};
    return {rm: createRiskManager(config), input, intent, steps, price, equity, positionQty, config};
  }

  it('accepts every entry inside the limits, sized exactly, on the grid, within both limits', () => {
    fc.assert(
      fc.property(entry, fc.double({min: 1.001, max: 50, noNaN: true}), (e, headroom) => {
        const {rm, input, intent, steps, price, equity, positionQty, config} = build(e, headroom);
        const verdict = rm.plan(intent, input);
        expect(verdict.ok, verdict.ok ? '' : `${verdict.reason}: ${verdict.detail}`).toBe(true);
        const [order, ...rest] = orders(verdict);
        expect(rest).toEqual([]);
        expect(order).toMatchObject({side: e.side === 'long' ? 'buy' : 'sell', type: 'market', reduceOnly: false});
        // Closing the held position plus exactly the floored new size.
        expect(order.qty).toBe(roundToStep(Math.abs(positionQty) + steps * STEP, STEP));
        const after = Math.abs(positionQty + (e.side === 'long' ? order.qty : -order.qty));
        expect(after).toBeCloseTo(steps * STEP, 9);
        expect(after * price).toBeLessThanOrEqual(config.maxLeverage * equity * (1 + 1e-9));
        expect(after * price).toBeLessThanOrEqual((config.maxPositionPct / 100) * equity * (1 + 1e-9));
        if (e.stopLossPct !== undefined || e.mode === 'risk-atr') expect(order.attached?.stopLoss).toBeDefined();
      }),
      {numRuns: 1500, seed: 20250101},
    );
  });

  it('refuses every entry beyond a limit with the limit that binds; a reversal still closes', () => {
    fc.assert(
      fc.property(entry, fc.double({min: 1.01, max: 50, noNaN: true}), (e, excess) => {
        const {rm, input, intent, price, equity, positionQty, config, steps} = build(e, 1 / excess);
        const notional = steps * STEP * price;
        const expected = notional > config.maxLeverage * equity * (1 + 1e-9) ? 'max-leverage' : 'max-position';
        const verdict = rm.plan(intent, input);
        if (positionQty === 0) {
          expect(verdict.ok).toBe(false);
          expect(denial(verdict)).toBe(expected);
        } else {
          expect(orders(verdict)).toEqual([{side: e.side === 'long' ? 'buy' : 'sell', type: 'market', qty: Math.abs(positionQty), reduceOnly: true, reason: 'p'}]);
        }
      }),
      {numRuns: 1000, seed: 20250102},
    );
  });

  it('while reducing or halted: no entry from flat, only the closing part of a reversal, and every exit', () => {
    fc.assert(
      fc.property(entry, fc.constantFrom('reducing' as const, 'halted' as const), fc.integer({min: 1, max: 5_000}), (e, state, held) => {
        const {rm, input, intent, positionQty} = build(e, 2, state);
        const verdict = rm.plan(intent, input);
        if (positionQty === 0) expect(denial(verdict)).toBe(`state-${state}`);
        else expect(orders(verdict)).toEqual([{side: e.side === 'long' ? 'buy' : 'sell', type: 'market', qty: Math.abs(positionQty), reduceOnly: true, reason: 'p'}]);
        const position = roundToStep((e.side === 'long' ? 1 : -1) * held * STEP, STEP);
        expect(orders(rm.plan({kind: 'exit', reason: 'x'}, {...input, positionQty: position}))).toEqual([
          {side: position > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(position), reduceOnly: true, reason: 'x'},
        ]);
      }),
      {numRuns: 500, seed: 20250103},
    );
  });
});
