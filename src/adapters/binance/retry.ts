import {isRateLimitError, isTemporaryVenueError, mapCcxtError, retriesExhausted} from './errors.js';

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseBackoffMs: number;
  /** Upper bound for one wait, whether from backoff or from Retry-After. */
  readonly maxBackoffMs?: number;
}

export interface RetryHooks {
  /** Retry-After of the last response in ms, if the venue sent one. */
  retryAfterMs?(): number | undefined;
  onAttempt?(): void;
  onRetry?(info: {attempt: number; delayMs: number; error: unknown}): void;
  sleep?(ms: number): Promise<void>;
}

const DEFAULT_MAX_BACKOFF_MS = 60_000;

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const max = policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  return Math.min(max, policy.baseBackoffMs * 2 ** (attempt - 1));
}

/**
 * Runs `call`, retrying temporary venue errors with exponential backoff; on a rate limit the
 * venue's Retry-After wins over the backoff when it is longer. Other errors go through
 * mapCcxtError at once.
 */
export async function withRetry<T>(what: string, call: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}, symbol?: string): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    hooks.onAttempt?.();
    try {
      return await call();
    } catch (error) {
      if (!isTemporaryVenueError(error)) throw mapCcxtError(error, what, symbol);
      if (attempt >= policy.maxRetries) throw retriesExhausted(error, what, policy.maxRetries);
      let delayMs = backoffMs(policy, attempt + 1);
      const retryAfter = isRateLimitError(error) ? hooks.retryAfterMs?.() : undefined;
      if (retryAfter !== undefined) {
        delayMs = Math.min(policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, Math.max(delayMs, retryAfter));
      }
      hooks.onRetry?.({attempt: attempt + 1, delayMs, error});
      await sleep(delayMs);
    }
  }
}
