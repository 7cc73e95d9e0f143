/** The symbols the local exchange lists, with the filters and leverage brackets Binance publishes for them. */

export interface LeverageBracket {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: number;
  readonly notionalFloor: number;
  readonly maintMarginRatio: number;
  /** Maintenance amount: makes maintenance margin continuous across brackets. */
  readonly cum: number;
}

export interface SymbolSpec {
  /** Binance id, e.g. BTCUSDT. */
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minQty: number;
  readonly maxQty: number;
  readonly marketMaxQty: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  /** MIN_NOTIONAL filter (futures key `notional`). */
  readonly minNotional: number;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly brackets: readonly LeverageBracket[];
}

/** Builds the brackets' `cum` the way Binance defines it (continuous maintenance margin). */
export function brackets(tiers: readonly {cap: number; leverage: number; mmr: number}[]): LeverageBracket[] {
  const out: LeverageBracket[] = [];
  let floor = 0;
  let cum = 0;
  tiers.forEach((tier, i) => {
    if (i > 0) cum += floor * (tier.mmr - tiers[i - 1].mmr);
    out.push({bracket: i + 1, initialLeverage: tier.leverage, notionalCap: tier.cap, notionalFloor: floor, maintMarginRatio: tier.mmr, cum: Number(cum.toFixed(8))});
    floor = tier.cap;
  });
  return out;
}

/** Leverage and maintenance ratio per tier, shared by the large perpetuals; only the caps differ. */
const TIERS: readonly {leverage: number; mmr: number}[] = [
  {leverage: 125, mmr: 0.004},
  {leverage: 100, mmr: 0.005},
  {leverage: 75, mmr: 0.0065},
  {leverage: 50, mmr: 0.01},
  {leverage: 25, mmr: 0.02},
  {leverage: 20, mmr: 0.025},
  {leverage: 10, mmr: 0.05},
  {leverage: 5, mmr: 0.1},
  {leverage: 4, mmr: 0.125},
  {leverage: 3, mmr: 0.15},
  {leverage: 2, mmr: 0.25},
  {leverage: 1, mmr: 0.5},
];

function ladder(caps: readonly number[]): LeverageBracket[] {
  return brackets(caps.map((cap, i) => ({cap, ...TIERS[i]})));
}

export const BTCUSDT: SymbolSpec = {
  symbol: 'BTCUSDT',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  tickSize: 0.1,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 1000,
  marketMaxQty: 120,
  minPrice: 261.1,
  maxPrice: 809484,
  minNotional: 100,
  pricePrecision: 2,
  quantityPrecision: 3,
  brackets: ladder([50_000, 600_000, 3_000_000, 12_000_000, 70_000_000, 100_000_000, 230_000_000, 480_000_000, 600_000_000, 800_000_000, 1_200_000_000, 1_800_000_000]),
};

export const ETHUSDT: SymbolSpec = {
  symbol: 'ETHUSDT',
  baseAsset: 'ETH',
  quoteAsset: 'USDT',
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 10_000,
  marketMaxQty: 2_000,
  minPrice: 39.86,
  maxPrice: 306177,
  minNotional: 20,
  pricePrecision: 2,
  quantityPrecision: 3,
  brackets: ladder([50_000, 600_000, 3_000_000, 12_000_000, 50_000_000, 65_000_000, 150_000_000, 320_000_000, 400_000_000, 530_000_000, 800_000_000, 1_200_000_000]),
};

export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [BTCUSDT, ETHUSDT];

export function bracketFor(spec: SymbolSpec, notional: number): LeverageBracket {
  const abs = Math.abs(notional);
  return spec.brackets.find((b) => abs < b.notionalCap) ?? spec.brackets[spec.brackets.length - 1];
}

export function decimalsOf(step: number): number {
  const text = step.toString();
  if (text.includes('e-')) return Number(text.split('e-')[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Rounds to `decimals` places; never returns -0. */
export function round(value: number, decimals: number): number {
  const out = Number(value.toFixed(decimals));
  return out === 0 ? 0 : out;
}

/** Binance's string form: fixed decimals, no "-0". */
export function fmt(value: number, decimals: number): string {
  return round(value, decimals).toFixed(decimals);
}

export function onGrid(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-7;
}
