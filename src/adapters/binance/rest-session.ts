import {ExchangeError, isExchangeError, type ExchangeErrorKind} from '../../core/index.js';
import type {BinanceCredentials} from './endpoints.js';
import {BINANCE_USDM, type BinanceUsdmClient} from './exchange.js';
import {toExchangeError} from './exchange-errors.js';

/** Told about every REST request sent and every one that failed (metrics, the API error rate); must not throw. */
export interface ExchangeRequestObserver {
  request(what: string): void;
  failed(what: string, kind: ExchangeErrorKind): void;
}

/**
 * The REST side of the exchange client: one ccxt client plus the three things every call needs —
 * the clock offset for signing (synced before the first signed call and again after a -1021),
 * a gate that honours Retry-After (after a 429/418 nothing is sent until it passes, so a bot
 * that ignores the error cannot escalate a rate limit into an IP ban), and error mapping.
 */
export class RestSession {
  private blocked: {untilMs: number; kind: ExchangeErrorKind; reason: string} | null = null;
  private timeSync: Promise<void> | null = null;
  private markets: Promise<unknown> | null = null;

  constructor(
    readonly client: BinanceUsdmClient,
    private readonly credentials: BinanceCredentials | null,
    private readonly observer: ExchangeRequestObserver | null = null,
  ) {}

  /** Local estimate of the exchange clock (the offset from the last sync). */
  serverNowMs(): number {
    return Date.now() - this.timeDifference();
  }

  /**
   * Runs one request. A -1021 (timestamp outside recvWindow) proves the request was not executed,
   * so it is the one error retried here, once, after resyncing the offset.
   */
  async call<T>(what: string, signed: boolean, request: (client: BinanceUsdmClient) => Promise<T>): Promise<T> {
    this.checkGate(what);
    if (signed) {
      if (this.credentials === null) {
        throw new ExchangeError('auth', `${BINANCE_USDM}: ${what} needs BINANCE_API_KEY and BINANCE_API_SECRET`, {reason: 'no-credentials'});
      }
      await this.ensureTimeSync();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        this.tell((o) => o.request(what));
        return await request(this.client);
      } catch (raw) {
        const error = toExchangeError(raw, what, () => this.serverNowMs());
        if (isExchangeError(error)) this.tell((o) => o.failed(what, error.kind));
        if (isExchangeError(error, 'rate-limit') || isExchangeError(error, 'banned')) this.block(error);
        if (isExchangeError(error, 'clock-skew') && signed && attempt === 0) {
          await this.syncTime();
          continue;
        }
        throw error;
      }
    }
  }

  /** GET /fapi/v1/time; sets the signing offset from the midpoint of the round trip. */
  async syncTime(): Promise<number> {
    const before = Date.now();
    const response = (await this.call('fetch server time', false, (client) => client.fapiPublicGetTime())) as {serverTime?: unknown};
    const after = Date.now();
    const serverTime = Number(response.serverTime);
    if (!Number.isFinite(serverTime)) throw new ExchangeError('server', `${BINANCE_USDM}: /fapi/v1/time answered without serverTime`, {reason: 'bad-response'});
    // ccxt signs with timestamp = now - timeDifference
    (this.client.options as {timeDifference: number}).timeDifference = Math.round((before + after) / 2 - serverTime);
    return serverTime;
  }

  /** exchangeInfo once (ccxt's createOrder needs the markets); a failure is retried on the next call. */
  ensureMarkets(): Promise<unknown> {
    this.markets ??= this.call('load markets', false, (client) => client.loadMarkets()).catch((error: unknown) => {
      this.markets = null;
      throw error;
    });
    return this.markets;
  }

  /** Syncs the clock offset once (before the first signed call); later calls reuse it. */
  ensureTimeSync(): Promise<void> {
    this.timeSync ??= this.syncTime().then(
      () => {},
      (error: unknown) => {
        this.timeSync = null;
        throw error;
      },
    );
    return this.timeSync;
  }

  /** An observer's failure must never fail the request it watches. */
  private tell(call: (observer: ExchangeRequestObserver) => void): void {
    if (this.observer === null) return;
    try {
      call(this.observer);
    } catch {
      // metrics only
    }
  }

  private timeDifference(): number {
    const value = Number((this.client.options as {timeDifference?: unknown}).timeDifference);
    return Number.isFinite(value) ? value : 0;
  }

  private block(error: ExchangeError): void {
    const untilMs = Date.now() + (error.retryAfterMs ?? 0);
    if (this.blocked === null || untilMs > this.blocked.untilMs) this.blocked = {untilMs, kind: error.kind, reason: error.reason};
  }

  private checkGate(what: string): void {
    if (this.blocked === null) return;
    const remaining = this.blocked.untilMs - Date.now();
    if (remaining <= 0) {
      this.blocked = null;
      return;
    }
    throw new ExchangeError(this.blocked.kind, `${BINANCE_USDM}: ${what} not sent: backing off ${remaining} ms more after ${this.blocked.reason}`, {
      retryAfterMs: remaining,
      reason: this.blocked.reason,
    });
  }
}
