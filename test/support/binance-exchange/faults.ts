/**
 * One-shot (or n-shot) faults on matching requests, as the real exchange and networks produce
 * them. Each is consumed by the first request that matches its method and path.
 */
export type FaultKind =
  /** 429 {"code":-1003} with Retry-After (seconds). */
  | 'rate-limit'
  /** 418 {"code":-1003,"msg":"…banned until <ms>…"} with Retry-After. */
  | 'ban'
  /** A 5xx with an HTML body, as the CDN in front of Binance answers. */
  | 'server-error'
  /** 400 {"code": code, "msg": msg}: any Binance refusal (-2019, -4164, …) without touching state. */
  | 'reject'
  /** 400 {"code":-1021}: timestamp outside recvWindow, without touching state. */
  | 'clock-skew'
  /** Never answers; the request is not processed. */
  | 'timeout'
  /** Processes the request (an order is created) and never answers: the client times out. */
  | 'timeout-after-accept'
  /** Closes the TCP connection without an answer, before processing. */
  | 'drop-connection'
  /** Processes the request, then closes the connection without an answer. */
  | 'drop-after-accept';

export interface Fault {
  readonly kind: FaultKind;
  /** e.g. '/fapi/v1/order'; omitted: any path. */
  readonly path?: string;
  /** e.g. 'POST'; omitted: any method. */
  readonly method?: string;
  /** How many matching requests it hits; default 1. */
  readonly times?: number;
  readonly retryAfterSeconds?: number;
  readonly status?: number;
  readonly code?: number;
  readonly msg?: string;
}

export class FaultPlan {
  private readonly pending: {fault: Fault; left: number}[] = [];

  inject(fault: Fault): void {
    this.pending.push({fault, left: fault.times ?? 1});
  }

  /** The fault this request hits, if any (consumed). */
  take(method: string, path: string): Fault | null {
    const index = this.pending.findIndex(({fault}) => (fault.path === undefined || fault.path === path) && (fault.method === undefined || fault.method === method));
    if (index < 0) return null;
    const entry = this.pending[index];
    entry.left--;
    if (entry.left <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }

  /** A taken fault that did not apply (its request was refused first): it hits the next matching request, once. */
  putBack(fault: Fault): void {
    const entry = this.pending.find((e) => e.fault === fault);
    if (entry !== undefined) entry.left++;
    else this.pending.unshift({fault, left: 1});
  }

  left(): Fault[] {
    return this.pending.map(({fault}) => fault);
  }

  clear(): void {
    this.pending.length = 0;
  }
}
