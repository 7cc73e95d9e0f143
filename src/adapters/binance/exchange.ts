import {binanceusdm} from 'ccxt';

export const BINANCE_USDM: 'binanceusdm' = 'binanceusdm';

export interface BinanceExchangeOptions {
  /** Base URL (e.g. http://127.0.0.1:8080) that replaces the host of every ccxt REST endpoint. */
  apiUrlOverride?: string;
  /** Per-request timeout; default 15 000 ms. */
  timeoutMs?: number;
  /** Retries per request on temporary venue errors; default 5. */
  maxRetries?: number;
  /** First backoff delay, doubled on each retry; default 500 ms. */
  baseBackoffMs?: number;
  /** API key and secret, for signed endpoints (leverage brackets); without them the client is public-only. */
  credentials?: {readonly apiKey: string; readonly secret: string};
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_BASE_BACKOFF_MS = 500;

export type BinanceUsdmClient = InstanceType<typeof binanceusdm>;

/** A ccxt client for Binance USDⓈ-M futures: public data, plus signed reads when credentials are given. */
export function createBinanceUsdmClient(options: BinanceExchangeOptions = {}): BinanceUsdmClient {
  const client = new binanceusdm({
    enableRateLimit: true,
    ...(options.credentials ? {apiKey: options.credentials.apiKey, secret: options.credentials.secret} : {}),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options: {
      // loadMarkets would otherwise also fetch spot/coin-M/options exchangeInfo and /sapi currencies.
      fetchMarkets: {types: ['linear']},
      fetchCurrencies: false,
      fetchMargins: false,
      adjustForTimeDifference: false,
      defaultType: 'swap',
      defaultSubType: 'linear',
    },
  });
  if (options.apiUrlOverride !== undefined) {
    overrideApiUrls(client, options.apiUrlOverride);
  }
  return client;
}

/** Keeps each endpoint's path (/fapi/v1, /fapi/v2, ...) and swaps only scheme + host. */
function overrideApiUrls(client: BinanceUsdmClient, base: string): void {
  const origin = base.replace(/\/+$/, '');
  const api = (client.urls as {api: Record<string, unknown>}).api;
  for (const [name, url] of Object.entries(api)) {
    if (typeof url === 'string') {
      api[name] = origin + new URL(url).pathname;
    }
  }
}
