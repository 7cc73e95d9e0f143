/**
 * The exchange's time as the bot sees it: the local clock plus an offset measured from the
 * exchange (GET /time at start, then every event's timestamp). Bars close by exchange time, so a
 * skewed local clock cannot make the bot decide a bar early or call a closed bar still forming.
 */
export class ExchangeClock {
  #offset = 0;

  constructor(private readonly local: () => number = Date.now) {}

  now(): number {
    return this.local() + this.#offset;
  }

  /** The exchange said it was `exchangeMs` at local time `localMs`: never move the clock backwards. */
  observe(exchangeMs: number, localMs: number = this.local()): void {
    const offset = exchangeMs - localMs;
    if (offset > this.#offset) this.#offset = offset;
  }

  /** Sets the offset from a clock query (start, resync after -1021); may move either way. */
  sync(exchangeMs: number, localMs: number = this.local()): void {
    this.#offset = exchangeMs - localMs;
  }
}
