import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  InvalidOrder,
  NetworkError,
  NotSupported,
  NullResponse,
  PermissionDenied,
  RequestTimeout,
} from 'ccxt';
import {ExchangeError, type ExchangeErrorKind} from '../../core/index.js';
import {parseRetryAfter} from './errors.js';
import {BINANCE_USDM, httpFailureOf} from './exchange.js';

/** Binance codes whose request was refused outright; the reason goes to the journal. */
const REJECT_REASONS: Readonly<Record<number, string>> = {
  [-2019]: 'insufficient-margin',
  [-2018]: 'insufficient-balance',
  [-4164]: 'min-notional',
  [-2022]: 'reduce-only-rejected',
  [-4116]: 'duplicate-client-order-id',
  [-4015]: 'invalid-client-order-id',
  [-2021]: 'would-trigger-immediately',
  [-5022]: 'post-only-rejected',
  [-4003]: 'invalid-quantity',
  [-4004]: 'invalid-quantity',
  [-4005]: 'invalid-quantity',
  [-4023]: 'invalid-quantity',
  [-1111]: 'invalid-quantity',
  [-4013]: 'invalid-price',
  [-4014]: 'invalid-price',
  [-4016]: 'invalid-price',
  [-4131]: 'invalid-price',
  [-1121]: 'invalid-symbol',
  [-4028]: 'invalid-leverage',
  [-4048]: 'margin-type-locked',
  [-4061]: 'position-side-mismatch',
  [-2027]: 'max-position-exceeded',
  [-4046]: 'no-change',
};
const AUTH_CODES = new Set([-1002, -1022, -2014, -2015]);
const NOT_FOUND_CODES = new Set([-2013, -2011, -1125]);
/** Binance's own "execution status unknown" answers. */
const TIMEOUT_CODES = new Set([-1007]);
const SERVER_CODES = new Set([-1000, -1001, -1006, -1008]);

const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** Binance's shortest IP ban. */
const DEFAULT_BAN_WAIT_MS = 120_000;

interface BinanceBody {
  readonly code: number;
  readonly msg: string;
}

/**
 * Translates what ccxt threw into the port's ExchangeError, by Binance code first (so the host
 * does not matter), then HTTP status, then ccxt's transport classes. Anything that is not a ccxt
 * error (a bug, an ExchangeError) passes through unchanged.
 */
export function toExchangeError(error: unknown, what: string, serverNowMs: () => number = Date.now): unknown {
  if (error instanceof ExchangeError || !(error instanceof BaseError)) return error;
  const http = httpFailureOf(error);
  const status = http?.status ?? null;
  const body = binanceBody(http?.body) ?? binanceBody(extractJson(error.message));
  const code = body?.code ?? null;
  const detail = body?.msg ?? (status !== null ? `HTTP ${status}` : error.message);
  const make = (kind: ExchangeErrorKind, reason?: string, retryAfterMs?: number | null) =>
    new ExchangeError(kind, `${BINANCE_USDM}: ${what} failed: ${truncate(detail)}${code !== null ? ` (${code})` : ''}`, {
      exchangeCode: code,
      status,
      retryAfterMs: retryAfterMs ?? null,
      reason: reason ?? kind,
      cause: error,
    });

  const retryAfter = parseRetryAfter(http?.headers['Retry-After']);
  const bannedUntil = /banned until (\d{10,})/i.exec(body?.msg ?? '');
  if (status === 418 || bannedUntil !== null) {
    const untilMs = bannedUntil !== null ? Math.max(0, Number(bannedUntil[1]) - serverNowMs()) : undefined;
    return make('banned', 'ip-banned', retryAfter ?? untilMs ?? DEFAULT_BAN_WAIT_MS);
  }
  if (status === 429 || code === -1003) return make('rate-limit', 'rate-limited', retryAfter ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  if (code === -1021) return make('clock-skew', 'clock-skew');
  if (status === 401 || (code !== null && AUTH_CODES.has(code))) return make('auth', 'auth-refused');
  if (code !== null && NOT_FOUND_CODES.has(code)) return make('not-found', 'not-found');
  if (code !== null && TIMEOUT_CODES.has(code)) return make('timeout', 'exchange-timeout');
  if (code !== null && SERVER_CODES.has(code)) return make('server', 'exchange-unavailable');
  if (status !== null && (status === 408 || status === 504)) return make('timeout', 'gateway-timeout');
  if (status !== null && status >= 500) return make('server', `http-${status}`);
  // 403 is Binance's WAF limit: a rate limit without a Retry-After
  if (status === 403 && code === null) return make('rate-limit', 'waf-limited', retryAfter ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  if (code !== null) return make('rejected', REJECT_REASONS[code] ?? 'rejected');
  if (status !== null) return make('rejected', `http-${status}`);

  // no HTTP answer: a transport failure, or ccxt refused before sending
  if (error instanceof RequestTimeout) return make('timeout', 'request-timeout');
  if (error instanceof NetworkError) return make('network', 'network');
  if (error instanceof AuthenticationError || error instanceof PermissionDenied) return make('auth', 'no-credentials');
  if (error instanceof BadResponse || error instanceof NullResponse) return make('server', 'bad-response');
  if (error instanceof InvalidOrder || error instanceof BadRequest || error instanceof ArgumentsRequired || error instanceof BadSymbol || error instanceof NotSupported) {
    return make('rejected', 'invalid-request');
  }
  return make('server', 'unexpected');
}

/** An ExchangeError for an answer that arrived but could not be read (e.g. a changed schema). */
export function badResponse(what: string, issue: string): ExchangeError {
  return new ExchangeError('server', `${BINANCE_USDM}: ${what}: unexpected response (${truncate(issue)})`, {reason: 'bad-response'});
}

function binanceBody(text: string | undefined): BinanceBody | null {
  if (text === undefined || text === '') return null;
  try {
    const parsed = JSON.parse(text) as {code?: unknown; msg?: unknown};
    const code = Number(parsed.code);
    if (!Number.isInteger(code) || code >= 0 || code === 200) return null;
    return {code, msg: typeof parsed.msg === 'string' ? parsed.msg : ''};
  } catch {
    return null;
  }
}

/** ccxt's message is "binanceusdm {json}" for JSON bodies. */
function extractJson(message: string): string | undefined {
  const start = message.indexOf('{');
  const end = message.lastIndexOf('}');
  return start >= 0 && end > start ? message.slice(start, end + 1) : undefined;
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
