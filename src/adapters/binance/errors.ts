import {
  AuthenticationError,
  BaseError,
  BadSymbol,
  DDoSProtection,
  ExchangeNotAvailable,
  NetworkError,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import {ErrorCode, IftbError} from '../../core/index.js';
import {BINANCE_USDM} from './exchange.js';

/**
 * ccxt maps 5xx to ExchangeNotAvailable, 429/418 to DDoSProtection/RateLimitExceeded and
 * timeouts to RequestTimeout; all of them subclass NetworkError.
 */
export function isTemporaryVenueError(error: unknown): boolean {
  return (
    error instanceof RateLimitExceeded ||
    error instanceof DDoSProtection ||
    error instanceof ExchangeNotAvailable ||
    error instanceof RequestTimeout ||
    error instanceof NetworkError
  );
}

export function isRateLimitError(error: unknown): boolean {
  return error instanceof RateLimitExceeded || error instanceof DDoSProtection;
}

/** Translates a ccxt error into an IftbError; anything else (a bug, an IftbError) passes through. */
export function mapCcxtError(error: unknown, what: string, symbol?: string): unknown {
  if (!(error instanceof BaseError)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BadSymbol) {
    return new IftbError(ErrorCode.INPUT_INVALID, `unknown symbol '${symbol ?? '?'}' on ${BINANCE_USDM}`, {cause: error});
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDenied) {
    return new IftbError(ErrorCode.VENUE_FATAL, `${BINANCE_USDM}: ${what} was refused: ${message}`, {cause: error});
  }
  if (isTemporaryVenueError(error)) {
    return new IftbError(ErrorCode.VENUE_TEMPORARY, `${BINANCE_USDM}: ${what} failed: ${message}`, {retryable: true, cause: error});
  }
  return new IftbError(ErrorCode.VENUE_FATAL, `${BINANCE_USDM}: ${what} failed: ${message}`, {cause: error});
}

export function retriesExhausted(error: unknown, what: string, retries: number): IftbError {
  const message = error instanceof Error ? error.message : String(error);
  return new IftbError(ErrorCode.VENUE_TEMPORARY, `${BINANCE_USDM}: ${what} failed after ${retries} retries: ${message}`, {
    retryable: true,
    cause: error,
  });
}

/** Retry-After is either delta-seconds or an HTTP date; returns ms, or undefined when absent or unparsable. */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
