/**
 * Closed candles of a running bot, each exactly once and in order per symbol. The kline stream
 * delivers them (Binance's `x` flag); a bar the stream skipped, missed while disconnected, or never
 * closed on the stream (a dropped final message) is fetched over REST: on a gap, after every
 * reconnect, and when a bar's close passed `pollGraceMs` ago without its closed kline.
 */
import {type Bar, type ExchangeClient, type KlineUpdate, type MarketStream, type StreamState, type SymbolId, type Timeframe, timeframeMs} from '../core/index.js';

export interface ClosedBarFeedOptions {
  readonly client: ExchangeClient;
  readonly symbols: readonly SymbolId[];
  readonly timeframe: Timeframe;
  /** Open time of the next bar wanted per symbol (the first after what the bot already holds). */
  readonly nextOpenMs: ReadonlyMap<SymbolId, number>;
  /** Once per closed bar, in order per symbol; `viaRest` when the stream did not deliver it. */
  readonly onBar: (symbol: SymbolId, bar: Bar, arrival: {readonly receivedMs: number; readonly viaRest: boolean}) => void;
  readonly onState?: (state: StreamState) => void;
  /** A forming kline (for the data age and the last price). */
  readonly onForming?: (symbol: SymbolId, bar: Bar) => void;
  /** Exchange time (the client keeps the offset); default Date.now. */
  readonly now?: () => number;
  /** After a bar's close, how long to wait for the stream before asking REST (default 3 s). */
  readonly pollGraceMs?: number;
  readonly log?: (line: string) => void;
  /** Every kline's exchange event time (E), forming ones too: the clock follows the exchange between closes. */
  readonly onEventTime?: (exchangeMs: number, receivedMs: number) => void;
  /** After a reconnect, before the backfill: re-read the exchange's time (no kline moved the clock while the stream was down). */
  readonly resyncClock?: () => Promise<void>;
}

const REST_LIMIT = 1000;

export class ClosedBarFeed {
  readonly #o: ClosedBarFeedOptions;
  readonly #tf: number;
  readonly #next: Map<SymbolId, number>;
  /** Per symbol, the REST fetch in flight (one at a time, so bars stay in order). */
  readonly #fetching = new Map<SymbolId, Promise<void>>();
  #stream: MarketStream | null = null;
  #timer: NodeJS.Timeout | null = null;
  #wasDisconnected = false;
  #closed = false;

  constructor(options: ClosedBarFeedOptions) {
    this.#o = options;
    this.#tf = timeframeMs(options.timeframe);
    this.#next = new Map(options.symbols.map((s) => [s, options.nextOpenMs.get(s) ?? Number.NEGATIVE_INFINITY]));
  }

  /** The next bar still wanted for a symbol. */
  nextOpenMs(symbol: SymbolId): number {
    return this.#next.get(symbol)!;
  }

  /** Catches up over REST (every closed bar since the last one held), then streams. */
  async start(): Promise<void> {
    await Promise.all(this.#o.symbols.map((s) => this.catchUp(s)));
    this.#stream = this.#o.client.marketStream(this.#o.symbols, this.#o.timeframe);
    await this.#stream.start((u) => this.#onKline(u), (state) => this.#onState(state));
    const poll = Math.min(1000, Math.max(50, this.#tf / 10));
    this.#timer = setInterval(() => this.#poll(), poll);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#stream?.close();
    await Promise.allSettled([...this.#fetching.values()]);
  }

  /** Fetches and delivers every closed bar of `symbol` from the next wanted one up to now (serialised per symbol). */
  catchUp(symbol: SymbolId): Promise<void> {
    const previous = this.#fetching.get(symbol) ?? Promise.resolve();
    const run: Promise<void> = previous
      .then(() => this.#fetch(symbol))
      .catch((error: unknown) => {
        this.#o.log?.(`REST backfill of ${symbol} failed: ${(error as Error).message}`);
      })
      .finally(() => {
        if (this.#fetching.get(symbol) === run) this.#fetching.delete(symbol);
      });
    this.#fetching.set(symbol, run);
    return run;
  }

  async #fetch(symbol: SymbolId): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const from = this.#next.get(symbol)!;
      const now = this.#now();
      if (Number.isFinite(from) && from + this.#tf > now) return;
      const bars = await this.#o.client.klines(symbol, this.#o.timeframe, Number.isFinite(from) ? from : now - REST_LIMIT * this.#tf, REST_LIMIT);
      const closed = bars.filter((b) => b.openTime + this.#tf <= this.#now());
      const before = this.#next.get(symbol)!;
      for (const bar of closed) this.#deliver(symbol, bar, true);
      if (closed.length < REST_LIMIT || this.#next.get(symbol) === before) return;
    }
  }

  #onKline(u: KlineUpdate): void {
    if (this.#closed) return;
    if (Number.isFinite(u.eventTimeMs)) this.#o.onEventTime?.(u.eventTimeMs, u.receivedMs);
    const next = this.#next.get(u.symbol);
    if (!u.closed) {
      this.#o.onForming?.(u.symbol, u.bar);
      // A later bar is forming: the one still wanted has closed without its final message.
      if (next !== undefined && u.bar.openTime > next && !this.#fetching.has(u.symbol)) void this.catchUp(u.symbol);
      return;
    }
    if (next === undefined || u.bar.openTime < next) return; // already held (a duplicate across a reconnect)
    if (u.bar.openTime > next || this.#fetching.has(u.symbol)) {
      // A gap (or a fetch in flight): REST fills it in order, this bar included.
      void this.catchUp(u.symbol).then(() => {
        if (this.#next.get(u.symbol) === u.bar.openTime) this.#deliver(u.symbol, u.bar, false, u.receivedMs);
      });
      return;
    }
    this.#deliver(u.symbol, u.bar, false, u.receivedMs);
  }

  #onState(state: StreamState): void {
    this.#o.onState?.(state);
    if (state.state === 'disconnected') this.#wasDisconnected = true;
    if (state.state === 'connected' && this.#wasDisconnected) {
      this.#wasDisconnected = false;
      const resync = this.#o.resyncClock?.().catch((error: unknown) => this.#o.log?.(`clock resync after the reconnect failed: ${(error as Error).message}`)) ?? Promise.resolve();
      void resync.then(() => {
        for (const s of this.#o.symbols) void this.catchUp(s);
      });
    }
  }

  /** A bar whose close passed `pollGraceMs` ago with no closed kline: ask REST. */
  #poll(): void {
    const grace = this.#o.pollGraceMs ?? 3000;
    const now = this.#now();
    for (const s of this.#o.symbols) {
      const next = this.#next.get(s)!;
      if (next + this.#tf + grace <= now && !this.#fetching.has(s)) void this.catchUp(s);
    }
  }

  #deliver(symbol: SymbolId, bar: Bar, viaRest: boolean, receivedMs = Date.now()): void {
    const next = this.#next.get(symbol)!;
    if (bar.openTime < next) return;
    this.#next.set(symbol, bar.openTime + this.#tf);
    this.#o.onBar(symbol, bar, {receivedMs, viaRest});
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
