/**
 * Default contract specs for the symbols IFTB ships data for, as plain data. Values are
 * Binance USDⓈ-M's published rules (exchangeInfo filters, the default VIP-0 fee tier and the
 * public leverage/maintenance-margin bracket tables). Every store is seeded with them as of
 * time 0 (in force until a synced or imported version supersedes them); a run can pass its own
 * InstrumentSpec.
 */
import {ErrorCode, IftbError, type InstrumentSpec, type MarginBracket, type SymbolId} from '../core/index.js';

const bracket = (notionalCap: number, maxLeverage: number, maintMarginRate: number, maintAmount: number): MarginBracket =>
  Object.freeze({notionalCap, maxLeverage, maintMarginRate, maintAmount});

/** BTCUSDT brackets, ascending by notional cap. maintAmount ("cum") makes the tiers join continuously. */
export const BTCUSDT_BRACKETS: readonly MarginBracket[] = Object.freeze([
  bracket(50_000, 125, 0.004, 0),
  bracket(600_000, 100, 0.005, 50),
  bracket(3_000_000, 75, 0.0065, 950),
  bracket(12_000_000, 50, 0.01, 11_450),
  bracket(70_000_000, 25, 0.02, 131_450),
  bracket(100_000_000, 20, 0.025, 481_450),
  bracket(230_000_000, 10, 0.05, 2_981_450),
  bracket(480_000_000, 5, 0.1, 14_481_450),
  bracket(600_000_000, 4, 0.125, 26_481_450),
  bracket(800_000_000, 3, 0.15, 41_481_450),
  bracket(1_200_000_000, 2, 0.25, 121_481_450),
  bracket(1_800_000_000, 1, 0.5, 421_481_450),
]);

/** ETHUSDT brackets, ascending by notional cap (same construction as BTCUSDT). */
export const ETHUSDT_BRACKETS: readonly MarginBracket[] = Object.freeze([
  bracket(50_000, 125, 0.004, 0),
  bracket(600_000, 100, 0.005, 50),
  bracket(3_000_000, 75, 0.0065, 950),
  bracket(12_000_000, 50, 0.01, 11_450),
  bracket(50_000_000, 25, 0.02, 131_450),
  bracket(65_000_000, 20, 0.025, 381_450),
  bracket(150_000_000, 10, 0.05, 2_006_450),
  bracket(320_000_000, 5, 0.1, 9_506_450),
  bracket(400_000_000, 4, 0.125, 17_506_450),
  bracket(530_000_000, 3, 0.15, 27_506_450),
  bracket(800_000_000, 2, 0.25, 80_506_450),
  bracket(1_200_000_000, 1, 0.5, 280_506_450),
]);

/**
 * The schedule a run uses for a symbol whose bracket table is not known (exchangeInfo alone has
 * none; the table needs an API key). Conservative by construction: shaped like Binance's tables
 * for small listings, its maintenance margin is at or above BTCUSDT's and ETHUSDT's at every
 * notional and its leverage caps at or below theirs, so a run without the real table is
 * liquidated earlier, never later. cum joins the tiers continuously.
 */
export const CONSERVATIVE_DEFAULT_BRACKETS: readonly MarginBracket[] = Object.freeze([
  bracket(5_000, 20, 0.025, 0),
  bracket(25_000, 10, 0.05, 125),
  bracket(100_000, 5, 0.1, 1_375),
  bracket(250_000, 4, 0.125, 3_875),
  bracket(1_000_000, 2, 0.25, 35_125),
  bracket(5_000_000, 1, 0.5, 285_125),
]);

/**
 * Liquidation clearance fee. Binance sets it per symbol (and changes it from time to time);
 * 1.25 % is its long-standing value for the majors. It is a field of InstrumentSpec, so a run
 * can configure it.
 */
export const DEFAULT_LIQUIDATION_FEE_RATE = 0.0125;

/** Binance USDⓈ-M VIP 0 (regular user) fee rates; exchangeInfo carries no fees. */
export const DEFAULT_MAKER_FEE_RATE = 0.0002;
export const DEFAULT_TAKER_FEE_RATE = 0.0005;

export const DEFAULT_INSTRUMENTS: Readonly<Record<SymbolId, InstrumentSpec>> = Object.freeze({
  'BTC/USDT:USDT': Object.freeze({
    symbol: 'BTC/USDT:USDT',
    exchangeSymbol: 'BTCUSDT',
    tickSize: 0.1,
    stepSize: 0.001,
    minQty: 0.001,
    minNotional: 100,
    makerFeeRate: DEFAULT_MAKER_FEE_RATE,
    takerFeeRate: DEFAULT_TAKER_FEE_RATE,
    liquidationFeeRate: DEFAULT_LIQUIDATION_FEE_RATE,
    brackets: BTCUSDT_BRACKETS,
  }),
  'ETH/USDT:USDT': Object.freeze({
    symbol: 'ETH/USDT:USDT',
    exchangeSymbol: 'ETHUSDT',
    tickSize: 0.01,
    stepSize: 0.001,
    minQty: 0.001,
    minNotional: 20,
    makerFeeRate: DEFAULT_MAKER_FEE_RATE,
    takerFeeRate: DEFAULT_TAKER_FEE_RATE,
    liquidationFeeRate: DEFAULT_LIQUIDATION_FEE_RATE,
    brackets: ETHUSDT_BRACKETS,
  }),
});

/** The default spec for a symbol; INPUT_INVALID for symbols IFTB has no spec for. */
export function instrumentFor(symbol: SymbolId): InstrumentSpec {
  const spec = Object.hasOwn(DEFAULT_INSTRUMENTS, symbol) ? DEFAULT_INSTRUMENTS[symbol] : undefined;
  if (spec === undefined) {
    const known = Object.keys(DEFAULT_INSTRUMENTS).join(', ');
    throw new IftbError(ErrorCode.INPUT_INVALID, `no instrument spec for '${symbol}' (known: ${known}); pass an InstrumentSpec explicitly`);
  }
  return spec;
}
