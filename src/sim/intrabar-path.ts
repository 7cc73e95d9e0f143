/**
 * The intrabar price path. A candle only tells us open, high, low and close, so the venue
 * assumes the conservative "adverse first" path: a long sees the low before the high (its stop
 * before its target), a short the high first; flat, the path follows the candle's colour
 * (o→l→h→c for a green bar, o→h→l→c for a red one). The path is three straight legs. Trade
 * price (orders) and mark price (liquidation) walk their legs in step: a point on a leg is a
 * fraction f ∈ [0, 1] of that leg, and events anywhere in the bar are ordered by (leg, f).
 *
 * Every function here is pure and allocation-free: it answers "at which fraction of the leg
 * a→b, walking on from fraction `from` where the price is `current`, does this trigger?".
 * `from` means "immediately" (the price is already beyond the trigger: a gap at the open, or a
 * protective order placed beyond the price); Infinity means "not on this leg".
 */

/** Fraction of leg a→b where the price equals p (only called when p lies on the leg). */
function at(a: number, b: number, p: number): number {
  return (p - a) / (b - a);
}

/**
 * Limit order (sign +1 buy, −1 sell) at `price`. Already marketable (current beyond the price):
 * immediately. Otherwise it fills only when the leg trades *through* the price, strictly (a buy
 * needs the leg to go below its price, touching it is not enough: the queue ahead of us at that
 * price may not clear).
 */
export function limitTrigger(sign: number, price: number, a: number, b: number, current: number, from: number): number {
  if (sign > 0) {
    if (current < price) return from;
    return b < price && b < a ? at(a, b, price) : Number.POSITIVE_INFINITY;
  }
  if (current > price) return from;
  return b > price && b > a ? at(a, b, price) : Number.POSITIVE_INFINITY;
}

/** Stop-market trigger: a buy stop when the price reaches it from below (≥), a sell stop from above (≤). */
export function stopTrigger(sign: number, stop: number, a: number, b: number, current: number, from: number): number {
  if (sign > 0) {
    if (current >= stop) return from;
    return b >= stop && b > a ? at(a, b, stop) : Number.POSITIVE_INFINITY;
  }
  if (current <= stop) return from;
  return b <= stop && b < a ? at(a, b, stop) : Number.POSITIVE_INFINITY;
}

/** True when the order would trigger immediately at `current` (it fills there as a taker). */
export function isMarketable(type: 'limit' | 'stop-market', sign: number, level: number, current: number): boolean {
  if (type === 'limit') return sign > 0 ? current < level : current > level;
  return sign > 0 ? current >= level : current <= level;
}

/**
 * Liquidation of a long (sign +1) when the mark price falls to `lp`, of a short when it rises to
 * it. `ma→mb` is the mark leg and `markNow` the mark price at fraction `from`. A long whose
 * liquidation price is 0 cannot be liquidated.
 */
export function liquidationTrigger(sign: number, lp: number, ma: number, mb: number, markNow: number, from: number): number {
  if (sign > 0) {
    if (!(lp > 0)) return Number.POSITIVE_INFINITY;
    if (markNow <= lp) return from;
    return mb <= lp && mb < ma ? at(ma, mb, lp) : Number.POSITIVE_INFINITY;
  }
  if (markNow >= lp) return from;
  return mb >= lp && mb > ma ? at(ma, mb, lp) : Number.POSITIVE_INFINITY;
}

/** Whether the path visits the low before the high (see the module comment). */
export function lowFirst(positionQty: number, open: number, close: number): boolean {
  return positionQty > 0 || (positionQty === 0 && close >= open);
}

/**
 * A modelled timestamp for an event at fraction f of leg k (0..2): the three legs share the bar
 * evenly. Only for ordering and display; the bar's true intrabar timing is unknown.
 */
export function pathTime(openTime: number, timeframeMs: number, leg: number, f: number): number {
  const offset = Math.floor((timeframeMs * (leg + f)) / 3);
  return openTime + (offset < timeframeMs ? offset : timeframeMs - 1);
}
