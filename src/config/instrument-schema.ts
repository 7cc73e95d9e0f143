import {z} from 'zod';

/**
 * The fields of an instrument spec, validated where they enter: a parsed exchangeInfo symbol, a
 * store write, and a run's `instrument: {…}` config override (every field optional there).
 */

const Positive = z.number().positive();
const NonNegative = z.number().min(0);
const Decimals = z.number().int().min(0).max(18);
/** Fee rates as fractions; the same bounds as the `makerFee`/`takerFee` config keys. */
const FeeRate = z.number().min(0).max(0.01);

export const MarginBracketSchema = z.strictObject({
  notionalCap: Positive,
  maxLeverage: z.number().min(1).max(1000),
  maintMarginRate: z.number().gt(0).lt(1),
  maintAmount: NonNegative,
});

/** Ascending by notional cap, as Binance lists them and the venue's bracket lookup expects. */
export const BracketsSchema = z
  .array(MarginBracketSchema)
  .min(1)
  .refine((b) => b.every((x, i) => i === 0 || x.notionalCap > b[i - 1].notionalCap), {message: 'bracket caps must be ascending'});

const fields = {
  exchangeSymbol: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  contractType: z.string().min(1).optional(),
  tickSize: Positive,
  minPrice: NonNegative.optional(),
  maxPrice: Positive.optional(),
  stepSize: Positive,
  minQty: NonNegative,
  maxQty: Positive.optional(),
  marketStepSize: Positive.optional(),
  marketMinQty: NonNegative.optional(),
  marketMaxQty: Positive.optional(),
  minNotional: NonNegative,
  percentPriceUp: Positive.optional(),
  percentPriceDown: Positive.optional(),
  pricePrecision: Decimals.optional(),
  quantityPrecision: Decimals.optional(),
  makerFeeRate: FeeRate,
  takerFeeRate: FeeRate,
  liquidationFeeRate: z.number().min(0).max(0.1),
};

/** A spec's contract rules (InstrumentRules): the symbol plus every field above. */
export const InstrumentRulesSchema = z.strictObject({symbol: z.string().min(1), ...fields});

/**
 * `instrument: {takerFeeRate: 0.0004, brackets: […]}` in a backtest config: any field of the spec
 * in force, for this run only. The symbol is the run's own and cannot be overridden.
 */
export const InstrumentOverrideSchema = z.strictObject({...fields, brackets: BracketsSchema}).partial();

export type InstrumentOverride = z.output<typeof InstrumentOverrideSchema>;
