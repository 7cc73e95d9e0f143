import {z} from 'zod';

/** A percentage strictly between 0 and 100 (of equity or of the entry price). */
const Pct = z.number().gt(0).lt(100);

/** How big a new position is; mirrors the core `Sizing` type. */
export const SizingSchema = z.discriminatedUnion('mode', [
  z.strictObject({mode: z.literal('fixed-qty'), qty: z.number().positive()}),
  z.strictObject({mode: z.literal('fixed-notional'), notional: z.number().positive()}),
  /** Notional = equity × pct / 100; above 100 only with leverage (the limits below still apply). */
  z.strictObject({mode: z.literal('equity-pct'), pct: z.number().positive()}),
  /** Lose `riskPct` % of equity if price moves `atrMultiple` ATRs against the position. */
  z.strictObject({mode: z.literal('risk-atr'), riskPct: z.number().gt(0).max(100), atrMultiple: z.number().positive()}),
]);

export const DEFAULT_SIZING = Object.freeze({mode: 'equity-pct', pct: 10} as const);

/**
 * Sizing, limits and protective prices of the risk manager. Limits compare the position notional
 * after the order (|qty| × decision price) with equity:
 * - `maxLeverage`: notional ≤ equity × maxLeverage (denial 'max-leverage');
 * - `maxPositionPct`: notional ≤ equity × maxPositionPct / 100 (denial 'max-position'); with the
 *   defaults (3, 300 %) both bind at the same notional, and leverage is reported first.
 * Protective percentages are of the entry (decision) price; `atrStopMultiple` puts the stop k ATRs
 * from entry. When several stop rules apply, the one nearest the entry wins (least risk).
 */
export const RiskConfigSchema = z.strictObject({
  sizing: SizingSchema.default(DEFAULT_SIZING),
  maxLeverage: z.number().positive().default(3),
  maxPositionPct: z.number().positive().default(300),
  stopLossPct: Pct.optional(),
  takeProfitPct: Pct.optional(),
  trailingStopPct: Pct.optional(),
  atrStopMultiple: z.number().positive().optional(),
  /** Account-wide: Σ |notional| of every position after the order ≤ equity × maxGrossLeverage ('max-gross-exposure'). */
  maxGrossLeverage: z.number().positive().optional(),
  /** Account-wide: at most this many symbols hold a position at once ('max-positions'). */
  maxPositions: z.int().positive().optional(),
});

export type RiskConfig = z.output<typeof RiskConfigSchema>;
export type RiskConfigInput = z.input<typeof RiskConfigSchema>;
