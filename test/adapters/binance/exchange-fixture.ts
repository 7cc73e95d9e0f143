import type {Bar} from '../../../src/core/index.js';
import {BinanceUsdmExchangeClient, type BinanceClientOptions} from '../../../src/adapters/binance/index.js';
import {startBinanceExchange, type LocalBinanceExchange, type LocalExchangeOptions} from '../../support/binance-exchange/exchange.js';

export const BTC = 'BTC/USDT:USDT';
export const T0 = Date.UTC(2024, 2, 1);
export const MINUTE = 60_000;

export function bar(openTime: number, open: number, high: number, low: number, close: number, volume = 10): Bar {
  return {openTime, open, high, low, close, volume};
}

export interface Harness {
  readonly exchange: LocalBinanceExchange;
  readonly client: BinanceUsdmExchangeClient;
  close(): Promise<void>;
}

/** A local exchange with one BTCUSDT candle at T0 (close 42 000) and a client pointed at it. */
export async function harness(options: LocalExchangeOptions = {}, client: Partial<BinanceClientOptions> = {}): Promise<Harness> {
  const exchange = await startBinanceExchange({startTimeMs: T0, ...options});
  exchange.advance({symbol: 'BTCUSDT', bar: bar(T0, 41_900, 42_100, 41_800, 42_000)});
  const adapter = clientFor(exchange, client);
  return {
    exchange,
    client: adapter,
    close: async () => {
      await adapter.close();
      await exchange.close();
    },
  };
}

export function clientFor(exchange: LocalBinanceExchange, overrides: Partial<BinanceClientOptions> = {}): BinanceUsdmExchangeClient {
  return new BinanceUsdmExchangeClient({
    endpoints: {restUrl: exchange.url, wsUrl: exchange.wsUrl, testnet: false},
    credentials: {apiKey: exchange.apiKey, apiSecret: exchange.apiSecret},
    timeoutMs: 3_000,
    streams: {baseBackoffMs: 50, maxBackoffMs: 400, heartbeatMs: 2_000, connectTimeoutMs: 2_000},
    ...overrides,
  });
}

/** Resolves when `predicate` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
