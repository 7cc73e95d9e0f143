import {AuthenticationError, BadSymbol, DDoSProtection, ExchangeError, ExchangeNotAvailable, RequestTimeout} from 'ccxt';
import {describe, expect, it} from 'vitest';
import {mapCcxtError, parseRetryAfter} from '../../../src/adapters/binance/errors.js';
import {withRetry} from '../../../src/adapters/binance/retry.js';
import {ErrorCode, IftbError} from '../../../src/core/index.js';

function failing(errors: unknown[], value = 'ok'): () => Promise<string> {
  return async () => {
    const next = errors.shift();
    if (next !== undefined) throw next;
    return value;
  };
}

describe('binance retry policy', () => {
  it('backs off exponentially and lets a longer Retry-After win on rate limits', async () => {
    const sleeps: number[] = [];
    const call = failing([new ExchangeNotAvailable('502'), new RequestTimeout('t'), new DDoSProtection('429'), new DDoSProtection('429')]);
    const retryAfter = [3_000, 1];
    const result = await withRetry('x', call, {maxRetries: 5, baseBackoffMs: 10}, {
      sleep: async (ms) => void sleeps.push(ms),
      retryAfterMs: () => retryAfter.shift(),
    });
    expect(result).toBe('ok');
    expect(sleeps).toEqual([10, 20, 3_000, 80]);
  });

  it('throws VENUE_TEMPORARY after maxRetries and does not retry other errors', async () => {
    const sleep = async () => {};
    const exhausted = withRetry('fetch klines', failing(Array.from({length: 9}, () => new ExchangeNotAvailable('503 down'))), {maxRetries: 2, baseBackoffMs: 1}, {sleep});
    await expect(exhausted).rejects.toMatchObject({code: ErrorCode.VENUE_TEMPORARY, retryable: true, message: 'binanceusdm: fetch klines failed after 2 retries: 503 down'});

    let attempts = 0;
    const fatal = withRetry('fetch klines', async () => {
      attempts++;
      throw new ExchangeError('-1130 bad limit');
    }, {maxRetries: 5, baseBackoffMs: 1}, {sleep});
    await expect(fatal).rejects.toMatchObject({code: ErrorCode.VENUE_FATAL});
    expect(attempts).toBe(1);
  });

  it('maps ccxt errors in one place and passes other errors through', () => {
    expect(mapCcxtError(new BadSymbol('nope'), 'x', 'FOO/USDT:USDT')).toMatchObject({
      code: ErrorCode.INPUT_INVALID,
      message: "unknown symbol 'FOO/USDT:USDT' on binanceusdm",
    });
    expect(mapCcxtError(new AuthenticationError('bad key'), 'x')).toMatchObject({code: ErrorCode.VENUE_FATAL, retryable: false});
    const bug = new TypeError('bug');
    expect(mapCcxtError(bug, 'x')).toBe(bug);
    const own = new IftbError(ErrorCode.DATA_CONFLICT, 'c');
    expect(mapCcxtError(own, 'x')).toBe(own);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
