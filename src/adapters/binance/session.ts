import {parseRetryAfter} from './errors.js';
import {
  createBinanceUsdmClient,
  DEFAULT_BASE_BACKOFF_MS,
  DEFAULT_MAX_RETRIES,
  type BinanceExchangeOptions,
  type BinanceUsdmClient,
} from './exchange.js';
import {withRetry, type RetryPolicy} from './retry.js';

/** One ccxt client plus the retry policy and request/retry counters shared by a download. */
export class BinanceSession {
  readonly client: BinanceUsdmClient;
  readonly policy: RetryPolicy;
  requests = 0;
  retries = 0;

  constructor(
    options: BinanceExchangeOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.client = createBinanceUsdmClient(options);
    this.policy = {
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      baseBackoffMs: options.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS,
    };
  }

  call<T>(what: string, fn: (client: BinanceUsdmClient) => Promise<T>, symbol?: string): Promise<T> {
    return withRetry(
      what,
      () => fn(this.client),
      this.policy,
      {
        onAttempt: () => {
          this.requests++;
        },
        onRetry: ({attempt, delayMs, error}) => {
          this.retries++;
          const reason = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
          this.log(`${what}: retry ${attempt}/${this.policy.maxRetries} in ${delayMs} ms after ${truncate(reason, 200)}`);
        },
        // requests are sequential, so the client's last response is the one that failed
        retryAfterMs: () => parseRetryAfter(this.client.last_response_headers?.['Retry-After']),
      },
      symbol,
    );
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
