/**
 * Binance USDⓈ-M instrument rules from raw REST JSON: `GET /fapi/v1/exchangeInfo` and
 * `GET /fapi/v1/leverageBracket`, as served or as saved to a file. Pure functions (no ccxt, no
 * I/O), so the sync, the offline import and a live runner read the same fields the same way.
 */
import {z} from 'zod';
import {type BracketsUpdate, ErrorCode, type ExchangeId, IftbError, type InstrumentRules, type MarginBracket, type SymbolId} from '../../core/index.js';
import {formatIssues} from '../../config/index.js';
import {DEFAULT_LIQUIDATION_FEE_RATE, DEFAULT_MAKER_FEE_RATE, DEFAULT_TAKER_FEE_RATE} from '../../sim/instruments.js';

/** Binance sends decimals as strings ("0.10"); a number is accepted too. */
const Decimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) ctx.addIssue({code: 'custom', message: `expected a decimal, got ${JSON.stringify(value)}`});
  return n;
});

const FILTERS = {
  PRICE_FILTER: z.looseObject({minPrice: Decimal, maxPrice: Decimal, tickSize: Decimal}),
  LOT_SIZE: z.looseObject({minQty: Decimal, maxQty: Decimal, stepSize: Decimal}),
  MARKET_LOT_SIZE: z.looseObject({minQty: Decimal, maxQty: Decimal, stepSize: Decimal}),
  // Futures name the field `notional`; spot's NOTIONAL filter says `minNotional`.
  MIN_NOTIONAL: z.looseObject({notional: Decimal}),
  PERCENT_PRICE: z.looseObject({multiplierUp: Decimal, multiplierDown: Decimal}),
} as const;

const SymbolSchema = z.looseObject({
  symbol: z.string().min(1),
  contractType: z.string(),
  deliveryDate: z.number().optional(),
  status: z.string().min(1),
  baseAsset: z.string().min(1),
  quoteAsset: z.string().min(1),
  marginAsset: z.string().min(1),
  pricePrecision: z.number().int().min(0),
  quantityPrecision: z.number().int().min(0),
  liquidationFee: Decimal.optional(),
  filters: z.array(z.looseObject({filterType: z.string()})),
});

const ExchangeInfoSchema = z.looseObject({
  serverTime: z.number().int().optional(),
  symbols: z.array(z.unknown()),
});

/** A bracket row: Binance sends numbers here, not strings. */
const BracketRowSchema = z.looseObject({
  bracket: z.number().int(),
  initialLeverage: z.number().min(1),
  notionalCap: z.number().positive(),
  notionalFloor: z.number().min(0),
  maintMarginRatio: z.number().gt(0).lt(1),
  cum: z.number().min(0),
});
const SymbolBracketsSchema = z.looseObject({symbol: z.string().min(1), brackets: z.array(BracketRowSchema).min(1)});

/** Delivery date Binance gives perpetuals (2100-12-25); ccxt treats it as "no expiry" too. */
const PERPETUAL_DELIVERY_MS = 4_133_404_800_000;

export interface ParsedExchangeInfo {
  /** `serverTime` of the response: the as-of time of what it lists (null when absent). */
  readonly serverTimeMs: number | null;
  /** One per readable listed symbol, in the order served; brackets are not part of exchangeInfo. */
  readonly rules: readonly InstrumentRules[];
  /** Listed symbols with a missing or malformed field: left out, with the reason (one odd listing must not stop the rest). */
  readonly unreadable: readonly UnreadableSymbol[];
}

export interface UnreadableSymbol {
  readonly exchangeSymbol: string;
  /** The unified symbol, when the entry has the assets to name it. */
  readonly symbol?: SymbolId;
  readonly reason: string;
}

export interface ParsedSymbolBrackets {
  /** Binance id, e.g. 'BTCUSDT'. */
  readonly exchangeSymbol: string;
  readonly brackets: readonly MarginBracket[];
}

function invalid(origin: string, error: z.ZodError): never {
  throw new IftbError(ErrorCode.DATA_INVALID, formatIssues(origin, error));
}

/**
 * Reads an exchangeInfo response. A response of another shape fails with one line; a listed symbol
 * with a missing or malformed field is set aside in `unreadable` with a line naming it and the field.
 */
export function parseExchangeInfo(raw: unknown, origin = 'exchangeInfo'): ParsedExchangeInfo {
  const info = ExchangeInfoSchema.safeParse(raw);
  if (!info.success) invalid(`${origin} (not a /fapi/v1/exchangeInfo response)`, info.error);
  const rules: InstrumentRules[] = [];
  const unreadable: UnreadableSymbol[] = [];
  info.data.symbols.forEach((entry, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const id = typeof e.symbol === 'string' ? e.symbol : `symbols[${i}]`;
    try {
      rules.push(symbolRules(entry, `${origin} symbols[${i}] (${id})`));
    } catch (error) {
      if (!(error instanceof IftbError)) throw error;
      const named = [e.baseAsset, e.quoteAsset, e.marginAsset].every((a) => typeof a === 'string') && typeof e.contractType === 'string';
      const symbol = named ? unifiedSymbol(e as Parameters<typeof unifiedSymbol>[0]) : undefined;
      unreadable.push({exchangeSymbol: id, ...(symbol === undefined ? {} : {symbol}), reason: error.message});
    }
  });
  return {serverTimeMs: info.data.serverTime ?? null, rules, unreadable};
}

function symbolRules(entry: unknown, origin: string): InstrumentRules {
  const parsed = SymbolSchema.safeParse(entry);
  if (!parsed.success) invalid(origin, parsed.error);
  const s = parsed.data;
  const filter = <K extends keyof typeof FILTERS>(type: K, required: boolean): z.output<(typeof FILTERS)[K]> | undefined => {
    const found = s.filters.find((f) => f.filterType === type);
    if (found === undefined) {
      if (required) throw new IftbError(ErrorCode.DATA_INVALID, `${origin}: no ${type} filter`);
      return undefined;
    }
    const result = FILTERS[type].safeParse(found);
    if (!result.success) invalid(`${origin} ${type}`, result.error);
    return result.data as z.output<(typeof FILTERS)[K]>;
  };
  const price = filter('PRICE_FILTER', true)!;
  const lot = filter('LOT_SIZE', true)!;
  const notional = filter('MIN_NOTIONAL', true)!;
  const market = filter('MARKET_LOT_SIZE', false);
  const percent = filter('PERCENT_PRICE', false);
  return {
    symbol: unifiedSymbol(s),
    exchangeSymbol: s.symbol,
    status: s.status,
    contractType: s.contractType,
    tickSize: price.tickSize,
    minPrice: price.minPrice,
    maxPrice: price.maxPrice,
    stepSize: lot.stepSize,
    minQty: lot.minQty,
    maxQty: lot.maxQty,
    ...(market ? {marketStepSize: market.stepSize, marketMinQty: market.minQty, marketMaxQty: market.maxQty} : {}),
    minNotional: notional.notional,
    ...(percent ? {percentPriceUp: percent.multiplierUp, percentPriceDown: percent.multiplierDown} : {}),
    pricePrecision: s.pricePrecision,
    quantityPrecision: s.quantityPrecision,
    // exchangeInfo carries no fees: the VIP 0 defaults, which a run's config can override.
    makerFeeRate: DEFAULT_MAKER_FEE_RATE,
    takerFeeRate: DEFAULT_TAKER_FEE_RATE,
    liquidationFeeRate: s.liquidationFee ?? DEFAULT_LIQUIDATION_FEE_RATE,
  };
}

/**
 * The ccxt unified symbol binanceusdm gives the same market: BASE/QUOTE:SETTLE for perpetuals,
 * with -YYMMDD of the delivery date for dated futures.
 */
export function unifiedSymbol(s: {contractType: string; deliveryDate?: number; baseAsset: string; quoteAsset: string; marginAsset: string}): SymbolId {
  const base = `${s.baseAsset}/${s.quoteAsset}:${s.marginAsset}`;
  if (s.contractType === 'PERPETUAL' || s.deliveryDate === undefined || s.deliveryDate === PERPETUAL_DELIVERY_MS) return base;
  return `${base}-${new Date(s.deliveryDate).toISOString().slice(2, 10).replaceAll('-', '')}`;
}

/**
 * Reads a leverageBracket response: an array of {symbol, brackets} (no `symbol` parameter) or one
 * such object (with it). Rows become MarginBrackets ascending by cap: initialLeverage → maxLeverage,
 * maintMarginRatio → maintMarginRate, cum → maintAmount.
 */
export function parseLeverageBrackets(raw: unknown, origin = 'leverageBracket'): ParsedSymbolBrackets[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry, i) => {
    const parsed = SymbolBracketsSchema.safeParse(entry);
    if (!parsed.success) invalid(`${origin}${Array.isArray(raw) ? `[${i}]` : ''} (not a /fapi/v1/leverageBracket entry)`, parsed.error);
    const rows = [...parsed.data.brackets].sort((a, b) => a.bracket - b.bracket);
    rows.forEach((row, k) => {
      if (k > 0 && !(row.notionalCap > rows[k - 1].notionalCap)) {
        throw new IftbError(ErrorCode.DATA_INVALID, `${origin} ${parsed.data.symbol}: bracket ${row.bracket} cap ${row.notionalCap} is not above bracket ${rows[k - 1].bracket}'s`);
      }
    });
    return {
      exchangeSymbol: parsed.data.symbol,
      brackets: rows.map((row) => ({notionalCap: row.notionalCap, maxLeverage: row.initialLeverage, maintMarginRate: row.maintMarginRatio, maintAmount: row.cum})),
    };
  });
}

/** Keeps the requested unified symbols (all when none are asked for); an unlisted one is an error. */
export function selectRules(parsed: ParsedExchangeInfo, symbols: readonly SymbolId[] | undefined, origin: string): InstrumentRules[] {
  if (symbols === undefined || symbols.length === 0) return [...parsed.rules];
  const bySymbol = new Map(parsed.rules.map((r) => [r.symbol, r]));
  const broken = parsed.unreadable.find((u) => u.symbol !== undefined && symbols.includes(u.symbol));
  if (broken) throw new IftbError(ErrorCode.DATA_INVALID, broken.reason);
  const missing = symbols.filter((s) => !bySymbol.has(s));
  if (missing.length > 0) throw new IftbError(ErrorCode.INPUT_INVALID, `${origin} does not list ${missing.join(', ')}`);
  return symbols.map((s) => bySymbol.get(s)!);
}

/** Brackets keyed by Binance id → versions keyed by unified symbol, through the rules that name that id. */
export function bracketUpdates(
  parsed: readonly ParsedSymbolBrackets[],
  rules: readonly Pick<InstrumentRules, 'symbol' | 'exchangeSymbol'>[],
  meta: {exchange: ExchangeId; asOfMs: number; source: string},
): BracketsUpdate[] {
  const unified = new Map(rules.filter((r) => r.exchangeSymbol !== undefined).map((r) => [r.exchangeSymbol!, r.symbol]));
  return parsed
    .filter((p) => unified.has(p.exchangeSymbol))
    .map((p) => ({...meta, symbol: unified.get(p.exchangeSymbol)!, brackets: p.brackets}));
}
