export {downloadMarketData, type DownloadOptions, type DownloadReport, type DownloadRequest} from './download.js';
export {BINANCE_USDM, createBinanceUsdmClient, type BinanceExchangeOptions, type BinanceUsdmClient} from './exchange.js';
