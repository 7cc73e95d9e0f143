import type {
  ActionIntent,
  JournalSink,
  OrderDraft,
  RiskInput,
  RiskManager,
  RiskVerdict,
  Sizing,
} from '../core/index.js';
import {parseRiskConfig} from './parse.js';
import {RiskConfigSchema, type RiskConfig, type RiskConfigInput} from './risk-config.js';
import {ceilToStep, floorToStep, roundToStep} from './rounding.js';

/** Relative slack on limit checks, so a size computed exactly at a limit is not denied by float error. */
const LIMIT_TOLERANCE = 1e-9;

export interface RiskManagerOptions {
  /**
   * Receives a 'denied' event when a reversal's opening part is refused (its closing part still
   * goes out as a reduce-only order, so the verdict itself is ok).
   */
  readonly journal?: JournalSink;
}

type Protective = {readonly stopLoss?: number; readonly takeProfit?: number};
type Opening = {readonly ok: true; readonly qty: number; readonly attached: Protective | undefined} | Denial;
type Denial = {readonly ok: false; readonly reason: string; readonly detail: string};

const deny = (reason: string, detail: string): Denial => ({ok: false, reason, detail});

/**
 * The risk manager: sizes entries, rounds to the instrument grid, checks limits and trading
 * state, attaches protective prices, and trails stops. Pure: the same intent and input give the
 * same verdict.
 */
export function createRiskManager(config: RiskConfigInput = {}, options: RiskManagerOptions = {}): RiskManager {
  const cfg: RiskConfig = parseRiskConfig(RiskConfigSchema, config, 'risk config');

  function plan(intent: ActionIntent, input: RiskInput): RiskVerdict {
    const price = input.price;
    if (!(price > 0) || !Number.isFinite(price)) return deny('bad-input', `reference price ${price}`);
    const pos = input.positionQty;
    const step = input.instrument.stepSize;

    if (intent.kind === 'exit') {
      if (pos === 0) return deny('no-position', `exit (${intent.reason}) while flat`);
      return {ok: true, orders: [{side: pos > 0 ? 'sell' : 'buy', type: 'market', qty: closeQty(pos, step), reduceOnly: true, reason: intent.reason}]};
    }

    const dir = intent.side === 'long' ? 1 : -1;
    const side = dir > 0 ? 'buy' : 'sell';
    if (pos * dir > 0) return deny('already-in-position', `enter ${intent.side} while ${intent.side} ${pos}`);

    const opening = open(intent, input);
    if (pos === 0) {
      if (!opening.ok) return opening;
      return {ok: true, orders: [draft(side, opening.qty, false, intent.reason, opening.attached)]};
    }

    // A reversal: one order closes the position and, when allowed, opens the other side.
    const closing = closeQty(pos, step);
    if (!opening.ok) {
      options.journal?.({type: 'denied', timeMs: input.timeMs, reason: opening.reason, detail: `reversal opening part: ${opening.detail}; closing ${closing} only`});
      return {ok: true, orders: [draft(side, closing, true, intent.reason, undefined)]};
    }
    return {ok: true, orders: [draft(side, roundToStep(closing + opening.qty, step), false, intent.reason, opening.attached)]};
  }

  /** The opening part of an entry: state, sizing, grid, limits, protective prices. */
  function open(intent: Extract<ActionIntent, {kind: 'enter'}>, input: RiskInput): Opening {
    if (input.state === 'reducing') return deny('state-reducing', `enter ${intent.side} refused: trading state is reducing`);
    if (input.state === 'halted') return deny('state-halted', `enter ${intent.side} refused: trading state is halted`);

    const {price, equity, instrument} = input;
    const sizing = intent.sizing ?? cfg.sizing;
    const raw = rawQty(sizing, input);
    if (typeof raw === 'object') return raw;
    const qty = floorToStep(raw, instrument.stepSize);
    if (!(qty >= instrument.minQty) || qty <= 0) {
      return deny('min-qty', `${sizing.mode} size ${raw} floors to ${qty} (step ${instrument.stepSize}), below min qty ${instrument.minQty}`);
    }
    const notional = qty * price;
    if (notional < instrument.minNotional) {
      return deny('min-notional', `notional ${qty} × ${price} = ${notional} below min notional ${instrument.minNotional}`);
    }
    const maxByLeverage = equity * cfg.maxLeverage;
    if (!(notional <= maxByLeverage * (1 + LIMIT_TOLERANCE))) {
      return deny('max-leverage', `notional ${notional} exceeds equity ${equity} × max leverage ${cfg.maxLeverage} = ${maxByLeverage}`);
    }
    const maxByPosition = (equity * cfg.maxPositionPct) / 100;
    if (!(notional <= maxByPosition * (1 + LIMIT_TOLERANCE))) {
      return deny('max-position', `notional ${notional} exceeds ${cfg.maxPositionPct} % of equity ${equity} = ${maxByPosition}`);
    }
    if (cfg.maxPositions !== undefined && input.positionQty === 0 && input.otherPositions >= cfg.maxPositions) {
      return deny('max-positions', `${input.otherPositions} symbols already hold a position (max positions ${cfg.maxPositions})`);
    }
    if (cfg.maxGrossLeverage !== undefined) {
      const gross = input.otherExposure + notional;
      const maxGross = equity * cfg.maxGrossLeverage;
      if (!(gross <= maxGross * (1 + LIMIT_TOLERANCE))) {
        return deny('max-gross-exposure', `gross exposure ${gross} (other positions ${input.otherExposure} + ${notional}) exceeds equity ${equity} × ${cfg.maxGrossLeverage} = ${maxGross}`);
      }
    }
    const attached = protective(intent, input, sizing);
    if (attached !== undefined && 'ok' in attached) return attached;
    return {ok: true, qty, attached};
  }

  /** Unrounded size of a new position, or a denial. */
  function rawQty(sizing: Sizing, input: RiskInput): number | Denial {
    switch (sizing.mode) {
      case 'fixed-qty':
        return sizing.qty;
      case 'fixed-notional':
        return sizing.notional / input.price;
      case 'equity-pct':
        return (input.equity * sizing.pct) / 100 / input.price;
      case 'risk-atr': {
        const atr = input.atr;
        if (!(atr > 0)) return deny('no-atr', `risk-atr sizing needs an ATR, got ${atr}`);
        return (input.equity * sizing.riskPct) / 100 / (sizing.atrMultiple * atr);
      }
    }
  }

  /**
   * Stop-loss and take-profit for a new position entered at the reference price. Rounding is
   * conservative: both are rounded toward the entry (a long's stop up, its target down; a short's
   * stop down, its target up), so the loss at the stop never exceeds the configured distance and
   * the target is never farther than asked. The stop is the nearest of the intent's stop (when
   * given, it replaces the configured rules), stopLossPct, atrStopMultiple and a risk-atr sizing's
   * implied stop.
   */
  function protective(intent: Extract<ActionIntent, {kind: 'enter'}>, input: RiskInput, sizing: Sizing): Protective | Denial | undefined {
    const entry = input.price;
    const tick = input.instrument.tickSize;
    const long = intent.side === 'long';
    let stop = NaN;
    if (intent.stopLoss !== undefined) {
      stop = intent.stopLoss;
    } else {
      let distance = Infinity;
      if (cfg.stopLossPct !== undefined) distance = (entry * cfg.stopLossPct) / 100;
      const atrOk = input.atr > 0;
      if (cfg.atrStopMultiple !== undefined) {
        if (atrOk) distance = Math.min(distance, cfg.atrStopMultiple * input.atr);
        else if (distance === Infinity) return deny('no-atr', `ATR stop (${cfg.atrStopMultiple} × ATR) needs an ATR, got ${input.atr}`);
      }
      if (sizing.mode === 'risk-atr' && atrOk) distance = Math.min(distance, sizing.atrMultiple * input.atr);
      if (distance !== Infinity) stop = long ? entry - distance : entry + distance;
    }
    let target = NaN;
    if (intent.takeProfit !== undefined) target = intent.takeProfit;
    else if (cfg.takeProfitPct !== undefined) target = long ? entry * (1 + cfg.takeProfitPct / 100) : entry * (1 - cfg.takeProfitPct / 100);

    if (stop === stop) {
      stop = long ? ceilToStep(stop, tick) : floorToStep(stop, tick);
      if (long ? !(stop > 0 && stop < entry) : !(stop > entry)) {
        return deny('invalid-protective', `stop-loss ${stop} is not on the losing side of entry ${entry} for a ${intent.side} (tick ${tick})`);
      }
    }
    if (target === target) {
      target = long ? floorToStep(target, tick) : ceilToStep(target, tick);
      if (long ? !(target > entry) : !(target > 0 && target < entry)) {
        return deny('invalid-protective', `take-profit ${target} is not on the winning side of entry ${entry} for a ${intent.side} (tick ${tick})`);
      }
    }
    if (stop !== stop && target !== target) return undefined;
    if (target !== target) return {stopLoss: stop};
    if (stop !== stop) return {takeProfit: target};
    return {stopLoss: stop, takeProfit: target};
  }

  /**
   * Trailing stop: long → high × (1 − pct/100), short → low × (1 + pct/100), rounded toward the
   * market (a long's stop up, a short's down); returned only when it tightens the current stop.
   * Allocation-free (called every bar with a position).
   */
  function trail(input: RiskInput, barHigh: number, barLow: number, currentStop: number): number {
    const pct = cfg.trailingStopPct;
    const pos = input.positionQty;
    if (pct === undefined || pos === 0) return Number.NaN;
    const tick = input.instrument.tickSize;
    if (pos > 0) {
      const candidate = ceilToStep(barHigh * (1 - pct / 100), tick);
      return candidate > 0 && (currentStop !== currentStop || candidate > currentStop) ? candidate : Number.NaN;
    }
    const candidate = floorToStep(barLow * (1 + pct / 100), tick);
    return candidate > 0 && (currentStop !== currentStop || candidate < currentStop) ? candidate : Number.NaN;
  }

  return {plan, trail};
}

/** The whole position, cleaned to the step grid (never rounded away to zero). */
function closeQty(pos: number, step: number): number {
  const q = roundToStep(Math.abs(pos), step);
  return q > 0 ? q : Math.abs(pos);
}

function draft(side: 'buy' | 'sell', qty: number, reduceOnly: boolean, reason: string, attached: Protective | undefined): OrderDraft {
  return attached === undefined ? {side, type: 'market', qty, reduceOnly, reason} : {side, type: 'market', qty, reduceOnly, reason, attached};
}
