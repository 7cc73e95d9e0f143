/**
 * Groups each symbol's closed bars into slots (one bar time, every symbol): the engine steps a
 * portfolio slot by slot. A slot is released when every symbol has its bar, when a symbol has
 * already delivered a later bar (it has none at this time), or `waitMs` after the slot's first bar
 * arrived (the stragglers are missing there). One symbol: every bar is its own slot at once.
 * A bar arriving after its slot was released is late: handed to `onLate`, never to a slot.
 */
import type {Bar, SymbolId} from '../core/index.js';

export interface Slot {
  readonly openTimeMs: number;
  /** The bars of the symbols that had one, by symbol. */
  readonly bars: ReadonlyMap<SymbolId, Bar>;
  /** When the first of them arrived (Date.now()), for the decision latency. */
  readonly firstReceivedMs: number;
  /** The same moment on the monotonic clock (performance.now()): the sub-millisecond figure for metrics and benches. */
  readonly firstReceivedAt?: number;
}

export class SlotAssembler {
  readonly #symbols: readonly SymbolId[];
  readonly #queues = new Map<SymbolId, Bar[]>();
  readonly #received = new Map<number, number>();
  readonly #receivedAt = new Map<number, number>();
  #released = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    symbols: readonly SymbolId[],
    private readonly waitMs: number,
    private readonly onSlot: (slot: Slot) => void,
    private readonly onLate: (symbol: SymbolId, bar: Bar) => void = () => {},
  ) {
    this.#symbols = symbols;
    for (const s of symbols) this.#queues.set(s, []);
  }

  push(symbol: SymbolId, bar: Bar, receivedMs: number): void {
    if (bar.openTime <= this.#released) {
      this.onLate(symbol, bar);
      return;
    }
    this.#queues.get(symbol)!.push(bar);
    if (!this.#received.has(bar.openTime)) {
      this.#received.set(bar.openTime, receivedMs);
      this.#receivedAt.set(bar.openTime, performance.now());
    }
    this.#drain(false);
  }

  /** Releases every slot whose wait is over (called by the timer, and at shutdown with `force`). */
  flush(force = false): void {
    this.#drain(force);
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #drain(force: boolean): void {
    for (;;) {
      const t = this.#earliest();
      if (t === null) break;
      const waiting = this.#symbols.filter((s) => this.#queues.get(s)!.length === 0);
      const first = this.#received.get(t) ?? Date.now();
      if (waiting.length > 0 && !force && Date.now() - first < this.waitMs) {
        this.#arm(first + this.waitMs - Date.now());
        break;
      }
      const bars = new Map<SymbolId, Bar>();
      for (const s of this.#symbols) {
        const q = this.#queues.get(s)!;
        if (q.length > 0 && q[0].openTime === t) bars.set(s, q.shift()!);
      }
      this.#released = t;
      const at = this.#receivedAt.get(t) ?? performance.now();
      this.#received.delete(t);
      this.#receivedAt.delete(t);
      this.onSlot({openTimeMs: t, bars, firstReceivedMs: first, firstReceivedAt: at});
    }
  }

  /** The earliest queued bar time, or null. A symbol with a later bar queued has none at it. */
  #earliest(): number | null {
    let t = Number.POSITIVE_INFINITY;
    for (const q of this.#queues.values()) if (q.length > 0 && q[0].openTime < t) t = q[0].openTime;
    return t === Number.POSITIVE_INFINITY ? null : t;
  }

  #arm(delayMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#drain(false);
    }, Math.max(1, delayMs));
    this.#timer.unref();
  }
}
