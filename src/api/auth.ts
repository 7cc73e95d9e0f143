/**
 * Bearer-token auth of the operations API. The token is compared in constant time (sha256 of both
 * sides, so neither the content nor the length leaks through timing); a missing or wrong token is
 * 401 with no detail. Repeated failures from one client address are rate-limited: past `max`
 * failures in `windowMs` every request from it is 429 until the window ends (a correct token too,
 * so guessing cannot go on at full speed).
 */
import {createHash, timingSafeEqual} from 'node:crypto';
import {ErrorCode, IftbError} from '../core/index.js';

/** Shorter tokens are refused at start: 24 characters of a random token are ~140 bits. */
export const MIN_TOKEN_LENGTH = 24;

export function checkToken(token: string | undefined): string {
  if (token === undefined || token.trim() === '') {
    throw new IftbError(ErrorCode.CONFIG_INVALID, 'the operations API needs IFTB_ADMIN_TOKEN (at least 24 characters, e.g. `openssl rand -hex 24`), or start with --no-api');
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `IFTB_ADMIN_TOKEN is ${token.length} characters; the operations API needs at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 24\`)`);
  }
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class TokenCheck {
  readonly #expected: Buffer;

  constructor(token: string) {
    this.#expected = digest(checkToken(token));
  }

  /** The Authorization header value: 'Bearer <token>'. */
  accepts(header: string | undefined): boolean {
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header ?? '');
    // Always hash and compare, even without a token, so a missing header costs the same time.
    const given = digest(match?.[1] ?? '');
    return timingSafeEqual(given, this.#expected) && match !== null;
  }
}

export interface FailureLimit {
  /** Failures allowed per window (default 10). */
  readonly max?: number;
  /** Default 60 s. */
  readonly windowMs?: number;
}

export class FailureLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, {startMs: number; failures: number}>();

  constructor(limit: FailureLimit = {}, now: () => number = Date.now) {
    this.#max = limit.max ?? 10;
    this.#windowMs = limit.windowMs ?? 60_000;
    this.#now = now;
  }

  /** Seconds to wait when the client is locked out, else null. */
  blocked(client: string): number | null {
    const entry = this.#current(client);
    if (entry === null || entry.failures < this.#max) return null;
    return Math.max(1, Math.ceil((entry.startMs + this.#windowMs - this.#now()) / 1000));
  }

  fail(client: string): void {
    const entry = this.#current(client);
    if (entry === null) {
      if (this.#clients.size > 10_000) this.#clients.clear(); // bounded memory under a spray of addresses
      this.#clients.set(client, {startMs: this.#now(), failures: 1});
    } else entry.failures++;
  }

  #current(client: string): {startMs: number; failures: number} | null {
    const entry = this.#clients.get(client);
    if (entry === undefined) return null;
    if (this.#now() - entry.startMs >= this.#windowMs) {
      this.#clients.delete(client);
      return null;
    }
    return entry;
  }
}
