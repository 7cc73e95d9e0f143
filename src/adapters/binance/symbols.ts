import {ErrorCode, IftbError, type SymbolId} from '../../core/index.js';

const UNIFIED_LINEAR = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)$/;
const MARKET_ID = /^([A-Z0-9]+?)(USDT|USDC|FDUSD|BUSD)$/;

/**
 * 'BTC/USDT:USDT' → 'BTCUSDT'. USDⓈ-M perpetual ids are base + quote, so the streams and the
 * REST calls need no exchangeInfo round trip to name a symbol.
 */
export function marketIdOf(symbol: SymbolId): string {
  const match = UNIFIED_LINEAR.exec(symbol);
  if (match === null || match[2] !== match[3]) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `'${symbol}' is not a USDⓈ-M perpetual symbol (expected e.g. BTC/USDT:USDT)`);
  }
  return match[1] + match[2];
}

/** 'BTCUSDT' → 'BTC/USDT:USDT'; an id of another shape (a delivery contract) is returned as is. */
export function unifiedSymbolOf(marketId: string): SymbolId {
  const match = MARKET_ID.exec(marketId);
  return match === null ? marketId : `${match[1]}/${match[2]}:${match[2]}`;
}
