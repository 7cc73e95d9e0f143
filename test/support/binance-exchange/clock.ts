/**
 * The exchange's clock. It runs at wall speed from wherever the test put it; driving candles
 * moves it forward to each kline's event time (never back). /fapi/v1/time, the recvWindow check,
 * order and trade times and funding all read it, so the exchange's world is where its candles are.
 */
export class ExchangeClock {
  private baseMs: number;
  private wallAtBase: number;

  constructor(startMs: number = Date.now()) {
    this.baseMs = startMs;
    this.wallAtBase = Date.now();
  }

  now(): number {
    return this.baseMs + (Date.now() - this.wallAtBase);
  }

  /** Jumps to `ms` (tests may also go back, e.g. to replay). */
  set(ms: number): void {
    this.baseMs = ms;
    this.wallAtBase = Date.now();
  }

  /** Moves forward to `ms` if that is later than now. */
  advanceTo(ms: number): void {
    if (ms > this.now()) this.set(ms);
  }
}
