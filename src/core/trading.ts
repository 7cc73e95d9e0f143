import type {SymbolId} from './market.js';

/** Order side. A position is signed: qty > 0 long, < 0 short. */
export type OrderSide = 'buy' | 'sell';
export type PositionSide = 'long' | 'short';
export type OrderType = 'market' | 'limit' | 'stop-market';
export type MarginMode = 'isolated' | 'cross';
export type Liquidity = 'maker' | 'taker';

/** One row of Binance's leverage/maintenance-margin bracket table, ascending by notionalCap. */
export interface MarginBracket {
  /** Upper bound of position notional (quote) for this bracket. */
  readonly notionalCap: number;
  readonly maxLeverage: number;
  /** Maintenance margin rate, a fraction (0.004 = 0.4 %). */
  readonly maintMarginRate: number;
  /** Maintenance amount ("cum") Binance subtracts so brackets join continuously. */
  readonly maintAmount: number;
}

/** Exchange rules for one contract. Rates are fractions: 0.0005 = 0.05 %. */
export interface InstrumentSpec {
  readonly symbol: SymbolId;
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minQty: number;
  readonly minNotional: number;
  readonly makerFeeRate: number;
  readonly takerFeeRate: number;
  /** Charged on the notional at the liquidation price, paid into the insurance fund. */
  readonly liquidationFeeRate: number;
  /** Empty when the exchange's table is not known (a spec from exchangeInfo alone). */
  readonly brackets: readonly MarginBracket[];
  // What Binance's exchangeInfo adds; optional so a hand-written spec stays valid.
  /** The exchange's own id ('BTCUSDT'). */
  readonly exchangeSymbol?: string;
  /** exchangeInfo `status`: 'TRADING', 'SETTLING', 'PENDING_TRADING', 'CLOSE', … */
  readonly status?: string;
  /** exchangeInfo `contractType`: 'PERPETUAL', 'CURRENT_QUARTER', … */
  readonly contractType?: string;
  /** PRICE_FILTER bounds. */
  readonly minPrice?: number;
  readonly maxPrice?: number;
  /** LOT_SIZE maxQty (limit orders). */
  readonly maxQty?: number;
  /** MARKET_LOT_SIZE: market orders have their own, usually smaller, bounds. */
  readonly marketMinQty?: number;
  readonly marketMaxQty?: number;
  readonly marketStepSize?: number;
  /** PERCENT_PRICE: a limit price must lie within [mark × down, mark × up]. */
  readonly percentPriceUp?: number;
  readonly percentPriceDown?: number;
  /** Decimals the exchange shows and accepts (not always the tick's: BTCUSDT has 2 with tick 0.10). */
  readonly pricePrecision?: number;
  readonly quantityPrecision?: number;
}

export interface OrderRequest {
  /** Sequence number within the run; deterministic. */
  readonly id: number;
  /** Idempotency key sent to the venue: `${runId}-${id}`. */
  readonly clientOrderId: string;
  readonly symbol: SymbolId;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly qty: number;
  /** Limit price (limit orders). */
  readonly price?: number;
  /** Trigger price (stop-market orders). */
  readonly stopPrice?: number;
  readonly reduceOnly: boolean;
  /** Why: 'entry', 'exit', 'stop-loss', 'take-profit', 'trailing-stop', 'kill-switch', 'close-all', … */
  readonly reason: string;
  /** Decision time (the close of the bar the decision was made on). */
  readonly createdMs: number;
  /** Protective orders the venue places, reduce-only and one-cancels-other, when this order fills. */
  readonly attached?: {readonly stopLoss?: number; readonly takeProfit?: number};
}

export interface Fill {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: SymbolId;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  /** Always ≥ 0, in quote currency, already deducted from the wallet by the venue. */
  readonly fee: number;
  readonly liquidity: Liquidity;
  /** Adverse price move versus the reference price, times qty (quote); a cost already inside `price`. */
  readonly slippage: number;
  readonly timeMs: number;
  readonly reason: string;
  readonly reduceOnly: boolean;
}

export interface FundingPayment {
  readonly symbol: SymbolId;
  readonly timeMs: number;
  readonly rate: number;
  readonly markPrice: number;
  /** Signed position qty at the funding time. */
  readonly positionQty: number;
  /** Signed cash change for the account: negative when the account pays. */
  readonly amount: number;
}

export interface Liquidation {
  readonly symbol: SymbolId;
  readonly timeMs: number;
  /** Signed qty that was closed. */
  readonly qty: number;
  readonly price: number;
  readonly markPrice: number;
  /** Liquidation clearance fee (≥ 0, quote). */
  readonly fee: number;
}

export type VenueEvent =
  | {readonly type: 'fill'; readonly fill: Fill}
  | {readonly type: 'funding'; readonly funding: FundingPayment}
  | {readonly type: 'liquidation'; readonly liquidation: Liquidation}
  /** `symbol` is set by a live venue (a restart replay finds a slot's venue events by it); the simulated venue leaves it out. */
  | {readonly type: 'canceled'; readonly orderId: number; readonly reason: string; readonly timeMs: number; readonly symbol?: string}
  | {readonly type: 'rejected'; readonly orderId: number; readonly reason: string; readonly timeMs: number; readonly symbol?: string};

export type OrderAck =
  | {readonly status: 'accepted'; readonly orderId: number}
  | {readonly status: 'rejected'; readonly orderId: number; readonly reason: string};

/** The account as one venue sees it for one symbol (one-way mode). */
export interface PositionView {
  readonly symbol: SymbolId;
  /** Signed: > 0 long, < 0 short, 0 flat. */
  readonly qty: number;
  readonly entryPrice: number;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  /** NaN when flat. */
  readonly liquidationPrice: number;
}

/** Trading state (NautilusTrader's three): reducing allows only exposure-reducing orders. */
export type TradingState = 'active' | 'reducing' | 'halted';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export const UTC_DAY_MS = 86_400_000;

/** A round trip: from flat to flat (a reversal closes one trade and opens the next). */
export interface ClosedTrade {
  readonly id: number;
  readonly symbol: SymbolId;
  readonly side: PositionSide;
  /** Largest absolute qty held during the trade. */
  readonly qty: number;
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  /** Volume-weighted entry and exit prices. */
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** Price PnL before costs. */
  readonly grossPnl: number;
  readonly fees: number;
  /** Signed: negative when the trade paid funding. */
  readonly funding: number;
  readonly liquidationFee: number;
  /** grossPnl − fees + funding − liquidationFee. */
  readonly netPnl: number;
  readonly entryReason: string;
  readonly exitReason: string;
  readonly bars: number;
}
