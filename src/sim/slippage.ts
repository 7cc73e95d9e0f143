/**
 * Slippage: how far a taker fill lands from its reference price (the open for market orders,
 * the stop price for triggered stops). Always against the taker: a buy pays more, a sell gets less.
 */
import {ErrorCode, IftbError, type OrderSide} from '../core/index.js';
import type {Grid} from './precision.js';

export type SlippageModel =
  /** A constant `bps` (1 bp = 0.01 %) against the taker. */
  | {readonly kind: 'fixed'; readonly bps: number}
  /**
   * Square-root market impact: bps + impactBps × sqrt(qty / volume of the previous closed bar).
   * `maxParticipation` is the share of that volume an order may take before it is "too big". The
   * venue still fills it in full (no partial fills: the engine's intents are all-or-nothing and a
   * partial fill would need a second decision), and the fill's `slippage` carries the large cost;
   * the venue counts such fills in `SimulatedVenue.overParticipationFills`.
   */
  | {readonly kind: 'volume'; readonly bps: number; readonly impactBps: number; readonly maxParticipation: number};

export const NO_SLIPPAGE: SlippageModel = Object.freeze({kind: 'fixed', bps: 0});

export function validateSlippage(model: SlippageModel): void {
  const ok =
    model.kind === 'fixed'
      ? model.bps >= 0 && Number.isFinite(model.bps)
      : model.kind === 'volume' &&
        model.bps >= 0 &&
        Number.isFinite(model.bps) &&
        model.impactBps >= 0 &&
        Number.isFinite(model.impactBps) &&
        model.maxParticipation > 0;
  if (!ok) throw new IftbError(ErrorCode.INPUT_INVALID, `invalid slippage model ${JSON.stringify(model)}`);
}

/**
 * Slippage in bps for `qty` filling in a bar whose previous closed bar traded `previousVolume`.
 * The fill bar's own volume is never used: at the open it is unknown (look-ahead). With no
 * previous bar, or one that traded nothing, the impact term uses participation 1 (the order is
 * the whole market) so the figure stays finite.
 */
export function slippageBps(model: SlippageModel, qty: number, previousVolume: number): number {
  if (model.kind === 'fixed') return model.bps;
  const participation = previousVolume > 0 ? qty / previousVolume : 1;
  return model.bps + model.impactBps * Math.sqrt(participation);
}

/** True when a volume-model order exceeds its allowed share of the previous bar's volume. */
export function exceedsParticipation(model: SlippageModel, qty: number, previousVolume: number): boolean {
  return model.kind === 'volume' && !(qty <= model.maxParticipation * previousVolume);
}

/**
 * The taker's fill price: reference moved `bps` against the taker, then rounded to the tick in
 * the adverse direction (up for a buy, down for a sell), never better than the reference.
 * `limit` (a marketable limit order) caps the result: a limit never fills worse than its price.
 */
export function slippedPrice(side: OrderSide, reference: number, bps: number, tick: Grid, limit = Number.NaN): number {
  if (side === 'buy') {
    const price = tick.up(reference * (1 + bps / 10_000));
    return price > limit ? limit : price;
  }
  const price = tick.down(reference * (1 - bps / 10_000));
  return price < limit ? limit : price;
}
