/**
 * Margin arithmetic of Binance USDⓈ-M one-way mode: bracket lookup, maintenance margin and the
 * liquidation price. Pure functions of numbers, no allocation.
 */
import {ErrorCode, IftbError, type InstrumentSpec, type MarginBracket} from '../core/index.js';

/**
 * Index of the bracket that holds a position of this notional (quote): the first tier whose cap
 * is ≥ notional (a notional exactly on a cap belongs to the lower tier, as in Binance's table
 * "0–50,000"). Beyond the last cap the last tier applies.
 */
export function bracketIndexFor(brackets: readonly MarginBracket[], notional: number): number {
  const last = brackets.length - 1;
  for (let k = 0; k < last; k++) {
    if (notional <= brackets[k].notionalCap) return k;
  }
  return last;
}

export function bracketFor(brackets: readonly MarginBracket[], notional: number): MarginBracket {
  return brackets[bracketIndexFor(brackets, Math.abs(notional))];
}

/** Maintenance margin of a position: notional × mmr − cum of its bracket. */
export function maintenanceMargin(brackets: readonly MarginBracket[], notional: number): number {
  const b = bracketFor(brackets, notional);
  return Math.abs(notional) * b.maintMarginRate - b.maintAmount;
}

/**
 * Binance's one-way liquidation price for a single position:
 *   LP = (WB + cum − side·Q·E) / (Q·mmr − side·Q),  side = +1 long / −1 short, Q = |qty|,
 * with WB the isolated margin (isolated) or the wallet balance (cross, one symbol, so the other
 * positions' maintenance margin and unrealised PnL are zero). mmr and cum are those of the bracket
 * that holds the position's notional *at the liquidation price itself* (as Binance computes it):
 * the notional moves with the mark, so a short that rises into the next tier is liquidated at that
 * tier's (earlier) price. Margin balance minus maintenance margin is monotone in the price and the
 * brackets join continuously (cum), so exactly one bracket's LP lies inside that bracket (on a cap
 * both neighbours give the same price). Returns NaN when flat; a long whose margin covers a fall
 * to zero gets 0 (it cannot be liquidated; Binance shows no price).
 */
export function liquidationPrice(
  qty: number,
  entryPrice: number,
  marginBalance: number,
  brackets: readonly MarginBracket[],
): number {
  if (qty === 0) return Number.NaN;
  const side = qty > 0 ? 1 : -1;
  const q = Math.abs(qty);
  const last = brackets.length - 1;
  let floor = 0;
  for (let k = 0; k <= last; k++) {
    const b = brackets[k];
    const lp = (marginBalance + b.maintAmount - side * q * entryPrice) / (q * b.maintMarginRate - side * q);
    const notional = q * lp;
    if (lp <= 0) {
      if (k === 0) return 0;
    } else if (notional >= floor && (k === last || notional <= b.notionalCap)) {
      return lp;
    }
    floor = b.notionalCap;
  }
  // Unreachable for valid tables (validateBrackets); the entry notional's bracket as a fallback.
  const b = bracketFor(brackets, q * entryPrice);
  const lp = (marginBalance + b.maintAmount - side * q * entryPrice) / (q * b.maintMarginRate - side * q);
  return lp > 0 ? lp : 0;
}

/** Throws INPUT_INVALID unless the bracket table is usable (ascending caps, sane rates). */
export function validateBrackets(spec: InstrumentSpec): void {
  const {brackets} = spec;
  const bad = (why: string): never => {
    throw new IftbError(ErrorCode.INPUT_INVALID, `instrument ${spec.symbol}: ${why}`);
  };
  if (brackets.length === 0) bad('no margin brackets');
  let previousCap = 0;
  for (const b of brackets) {
    if (!(b.notionalCap > previousCap)) bad('bracket caps must be ascending');
    if (!(b.maintMarginRate > 0 && b.maintMarginRate < 1)) bad('maintMarginRate must be in (0, 1)');
    if (!(b.maxLeverage >= 1)) bad('maxLeverage must be ≥ 1');
    if (!(b.maintAmount >= 0)) bad('maintAmount must be ≥ 0');
    previousCap = b.notionalCap;
  }
}
