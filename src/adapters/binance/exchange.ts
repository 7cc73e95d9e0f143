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
  /** API key and secret, for the signed endpoints. */
  apiKey?: string;
  apiSecret?: string;
  /** recvWindow of signed requests; default ccxt's 10 000 ms. */
  recvWindowMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_BASE_BACKOFF_MS = 500;

export type BinanceUsdmClient = InstanceType<typeof binanceusdm>;

/** What the HTTP layer saw when ccxt threw: kept on the error so concurrent calls do not mix them up. */
export interface HttpFailure {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const HTTP_FAILURE = Symbol('iftb.httpFailure');

export function httpFailureOf(error: unknown): HttpFailure | undefined {
  return typeof error === 'object' && error !== null ? (error as {[HTTP_FAILURE]?: HttpFailure})[HTTP_FAILURE] : undefined;
}

/**
 * binanceusdm that attaches status, headers and body to each error it throws for an HTTP
 * response: ccxt keeps only the *last* response's headers on the client, which is wrong as soon
 * as two requests overlap (an order and a position poll), and drops the status entirely.
 */
class AnnotatingBinanceUsdm extends binanceusdm {
  override handleErrors(
    code: number,
    reason: string,
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string,
    response: unknown,
    requestHeaders: unknown,
    requestBody: unknown,
  ): undefined {
    try {
      const handled = super.handleErrors(code, reason, url, method, headers, body, response, requestHeaders, requestBody);
      if (handled === undefined && code >= 400) this.handleHttpStatusCode(code, reason, url, method, body);
      return handled;
    } catch (error) {
      if (typeof error === 'object' && error !== null) {
        Object.defineProperty(error, HTTP_FAILURE, {value: {status: code, headers: headers ?? {}, body: body ?? ''}, enumerable: false});
      }
      throw error;
    }
  }
}

/** A ccxt client for Binance USDⓈ-M futures; without keys it reaches only the public endpoints. */
export function createBinanceUsdmClient(options: BinanceExchangeOptions = {}): BinanceUsdmClient {
  const client = new AnnotatingBinanceUsdm({
    enableRateLimit: true,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.apiKey !== undefined && options.apiSecret !== undefined ? {apiKey: options.apiKey, secret: options.apiSecret} : {}),
    options: {
      // loadMarkets would otherwise also fetch spot/coin-M/options exchangeInfo and /sapi currencies.
      fetchMarkets: {types: ['linear']},
      fetchCurrencies: false,
      fetchMargins: false,
      adjustForTimeDifference: false,
      defaultType: 'swap',
      defaultSubType: 'linear',
      ...(options.recvWindowMs !== undefined ? {recvWindow: options.recvWindowMs} : {}),
    },
  });
  mergeLinearExceptions(client);
  if (options.apiUrlOverride !== undefined) {
    overrideApiUrls(client, options.apiUrlOverride);
  }
  return client;
}

/**
 * ccxt consults its `linear` exception map (-2019 margin, -4164 notional, -4116 duplicate id …)
 * only when the URL starts with https://fapi. or a Binance demo/testnet host, so the same error
 * from a mirror or a local server would become a bare ExchangeError. Merged into `exact`, the
 * classes no longer depend on the host.
 */
function mergeLinearExceptions(client: BinanceUsdmClient): void {
  const exceptions = client.exceptions as Record<string, Record<string, unknown>>;
  const linear = exceptions.linear as {exact?: Record<string, unknown>; broad?: Record<string, unknown>} | undefined;
  if (linear?.exact !== undefined) exceptions.exact = {...exceptions.exact, ...linear.exact};
  if (linear?.broad !== undefined) exceptions.broad = {...exceptions.broad, ...linear.broad};
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
