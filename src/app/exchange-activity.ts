/**
 * Counts the REST requests a session's exchange client sends and the ones that failed, by kind:
 * what iftb_exchange_requests_total / iftb_exchange_errors_total and the alerts' API error rate
 * read. The client reports into it synchronously; listeners must be cheap and never throw.
 */
import type {ExchangeErrorKind} from '../core/index.js';

export interface ExchangeActivityListener {
  request?(): void;
  failed?(kind: ExchangeErrorKind): void;
}

export class ExchangeActivity {
  #requests = 0;
  #errors = 0;
  #failures = 0;
  readonly #byKind = new Map<ExchangeErrorKind, number>();
  readonly #listeners = new Set<ExchangeActivityListener>();

  get requests(): number {
    return this.#requests;
  }

  get errors(): number {
    return this.#errors;
  }

  /**
   * Failures of the venue itself (timeouts, 5xx, 429/418, network, auth): what the breaker's
   * error-rate rule judges. A refused order (-2019 margin, -4164 notional) is an answer.
   */
  get failures(): number {
    return this.#failures;
  }

  /** Failures so far, by kind. */
  get errorsByKind(): ReadonlyMap<ExchangeErrorKind, number> {
    return this.#byKind;
  }

  request(_what: string): void {
    this.#requests++;
    for (const l of this.#listeners) l.request?.();
  }

  /** 'not-found' is an answer (an order looked up under the other endpoint), not a failed request. */
  failed(_what: string, kind: ExchangeErrorKind): void {
    if (kind === 'not-found') return;
    this.#errors++;
    // A clock-skew answer (-1021) is resynced and retried at once; it says our clock drifted, not the venue.
    if (kind !== 'rejected' && kind !== 'clock-skew') this.#failures++;
    this.#byKind.set(kind, (this.#byKind.get(kind) ?? 0) + 1);
    for (const l of this.#listeners) l.failed?.(kind);
  }

  listen(listener: ExchangeActivityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
