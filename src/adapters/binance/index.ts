export {downloadMarketData, type DownloadOptions, type DownloadReport, type DownloadRequest} from './download.js';
export {BINANCE_USDM, createBinanceUsdmClient, type BinanceExchangeOptions, type BinanceUsdmClient} from './exchange.js';
export {
  accountIdOf,
  BINANCE_REST_URL,
  BINANCE_TESTNET_REST_URL,
  BINANCE_TESTNET_WS_URL,
  BINANCE_WS_URL,
  readBinanceEnvironment,
  type BinanceCredentials,
  type BinanceEndpoints,
  type BinanceEnvironment,
} from './endpoints.js';
export {BinanceUsdmExchangeClient, createBinanceExchangeClient, type BinanceClientOptions} from './usdm-client.js';
export type {UserStreamTiming} from './user-stream.js';
export type {StreamTiming} from './ws-connection.js';
export {marketIdOf, unifiedSymbolOf} from './symbols.js';
export type {ExchangeRequestObserver} from './rest-session.js';
