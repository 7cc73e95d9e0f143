import type {ActionIntent, JournalEvent, JournalLog, JournalSink, OrderRequest} from '../core/index.js';
import {RowBuffer} from '../core/index.js';

const OBJECT = 0;
const FILL = 1;
const ORDER = 2;
const INTENT = 3;

// Flags of a fill row / an order row.
const BUY = 1;
const MAKER = 2;
const REDUCE_ONLY = 4;
const HAS_PRICE = 8;
const HAS_STOP = 16;

/** Fill row: event time, order id, qty, price, fee, slippage, fill time, flags. */
const FILL_WIDTH = 8;
/** Order row: event time, id, qty, price, stop price, created, flags. */
const ORDER_WIDTH = 7;
/** Intent row: event time, first score, score shape. */
const INTENT_WIDTH = 3;

/**
 * A backtest's journal: fills, orders and intents (nearly every event of a run) kept as numeric
 * rows plus references to their strings, every other event as itself. An event becomes an object
 * again when read, with the keys in the order its producer wrote them (the engine's #submit and
 * #journalIntent, the simulated venue's fill), so its JSON is the producer's byte for byte.
 * Retaining a few hundred thousand event objects made the collector walk them all through the
 * per-bar loop; rows it never walks.
 */
export class ColumnarJournal implements JournalLog {
  /** Per event: kind, row in its kind's buffer. */
  readonly #events = new RowBuffer(2, 1024);
  readonly #objects: JournalEvent[] = [];
  readonly #fills = new RowBuffer(FILL_WIDTH);
  readonly #fillStrings: string[] = [];
  readonly #orders = new RowBuffer(ORDER_WIDTH);
  readonly #orderStrings: string[] = [];
  readonly #attached: Array<OrderRequest['attached']> = [];
  readonly #intents = new RowBuffer(INTENT_WIDTH);
  readonly #intentRefs: Array<ActionIntent> = [];
  readonly #intentSymbols: Array<string | undefined> = [];
  readonly #scores = new RowBuffer(1, 1024);
  readonly #shapes: Array<readonly string[]> = [];
  #array: JournalEvent[] = [];

  /** The sink the run's producers write to. */
  readonly sink: JournalSink = (event) => this.push(event);

  get length(): number {
    return this.#events.length;
  }

  push(event: JournalEvent): void {
    switch (event.type) {
      case 'fill':
        this.#event(FILL, this.#fill(event));
        return;
      case 'order':
        this.#event(ORDER, this.#order(event));
        return;
      case 'intent':
        this.#event(INTENT, this.#intent(event));
        return;
      default:
        this.#event(OBJECT, this.#objects.length);
        this.#objects.push(event);
    }
  }

  at(index: number): JournalEvent {
    if (index < this.#array.length) return this.#array[index];
    if (!(index >= 0 && index < this.length)) throw new RangeError(`journal has ${this.length} events, no event ${index}`);
    const e = this.#events.data;
    const row = e[2 * index + 1];
    switch (e[2 * index]) {
      case FILL:
        return this.#fillAt(row);
      case ORDER:
        return this.#orderAt(row);
      case INTENT:
        return this.#intentAt(row);
      default:
        return this.#objects[row];
    }
  }

  slice(from = 0, to = this.length): JournalEvent[] {
    const end = Math.min(to, this.length);
    const out: JournalEvent[] = [];
    for (let i = Math.max(0, from); i < end; i++) out.push(this.at(i));
    return out;
  }

  toArray(): readonly JournalEvent[] {
    for (let i = this.#array.length; i < this.length; i++) this.#array.push(this.at(i));
    return this.#array;
  }

  /** JSON.stringify(journal) is the events' array, as for an array journal. */
  toJSON(): readonly JournalEvent[] {
    return this.toArray();
  }

  *[Symbol.iterator](): Iterator<JournalEvent> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  #event(kind: number, row: number): void {
    const at = this.#events.append();
    const d = this.#events.data;
    d[at] = kind;
    d[at + 1] = row;
  }

  #fill(event: Extract<JournalEvent, {type: 'fill'}>): number {
    const f = event.fill;
    const row = this.#fills.length;
    const at = this.#fills.append();
    const d = this.#fills.data;
    d[at] = event.timeMs;
    d[at + 1] = f.orderId;
    d[at + 2] = f.qty;
    d[at + 3] = f.price;
    d[at + 4] = f.fee;
    d[at + 5] = f.slippage;
    d[at + 6] = f.timeMs;
    d[at + 7] = (f.side === 'buy' ? BUY : 0) | (f.liquidity === 'maker' ? MAKER : 0) | (f.reduceOnly ? REDUCE_ONLY : 0);
    this.#fillStrings.push(f.clientOrderId, f.symbol, f.reason);
    return row;
  }

  #fillAt(row: number): JournalEvent {
    const d = this.#fills.data;
    const at = row * FILL_WIDTH;
    const flags = d[at + 7];
    const s = this.#fillStrings;
    return {
      type: 'fill',
      timeMs: d[at],
      fill: {
        orderId: d[at + 1], clientOrderId: s[3 * row], symbol: s[3 * row + 1], side: flags & BUY ? 'buy' : 'sell', qty: d[at + 2],
        price: d[at + 3], fee: d[at + 4], liquidity: flags & MAKER ? 'maker' : 'taker', slippage: d[at + 5], timeMs: d[at + 6],
        reason: s[3 * row + 2], reduceOnly: (flags & REDUCE_ONLY) !== 0,
      },
    };
  }

  #order(event: Extract<JournalEvent, {type: 'order'}>): number {
    const o = event.order;
    const row = this.#orders.length;
    const at = this.#orders.append();
    const d = this.#orders.data;
    d[at] = event.timeMs;
    d[at + 1] = o.id;
    d[at + 2] = o.qty;
    d[at + 3] = o.price ?? 0;
    d[at + 4] = o.stopPrice ?? 0;
    d[at + 5] = o.createdMs;
    d[at + 6] = (o.side === 'buy' ? BUY : 0) | (o.reduceOnly ? REDUCE_ONLY : 0) | (o.price === undefined ? 0 : HAS_PRICE) | (o.stopPrice === undefined ? 0 : HAS_STOP);
    this.#orderStrings.push(o.clientOrderId, o.symbol, o.type, o.reason);
    this.#attached.push(o.attached);
    return row;
  }

  #orderAt(row: number): JournalEvent {
    const d = this.#orders.data;
    const at = row * ORDER_WIDTH;
    const flags = d[at + 6];
    const s = this.#orderStrings;
    const order: OrderRequest = {
      id: d[at + 1], clientOrderId: s[4 * row], symbol: s[4 * row + 1], side: flags & BUY ? 'buy' : 'sell',
      type: s[4 * row + 2] as OrderRequest['type'], qty: d[at + 2], price: flags & HAS_PRICE ? d[at + 3] : undefined,
      stopPrice: flags & HAS_STOP ? d[at + 4] : undefined, reduceOnly: (flags & REDUCE_ONLY) !== 0, reason: s[4 * row + 3],
      createdMs: d[at + 5], attached: this.#attached[row],
    };
    return {type: 'order', timeMs: d[at], order};
  }

  #intent(event: Extract<JournalEvent, {type: 'intent'}>): number {
    const row = this.#intents.length;
    const at = this.#intents.append();
    const d = this.#intents.data;
    d[at] = event.timeMs;
    d[at + 1] = this.#scores.length;
    d[at + 2] = this.#shapeOf(event.scores);
    for (const key in event.scores) {
      const k = this.#scores.append();
      this.#scores.data[k] = event.scores[key];
    }
    this.#intentRefs.push(event.intent);
    this.#intentSymbols.push(event.symbol);
    return row;
  }

  /** The index of the scores' key list (one per lane, in practice): the last one if it matches. */
  #shapeOf(scores: Readonly<Record<string, number>>): number {
    const shapes = this.#shapes;
    for (let s = shapes.length - 1; s >= 0; s--) {
      const keys = shapes[s];
      let j = 0;
      let same = true;
      for (const key in scores) {
        if (keys[j++] !== key) {
          same = false;
          break;
        }
      }
      if (same && j === keys.length) return s;
    }
    shapes.push(Object.keys(scores));
    return shapes.length - 1;
  }

  #intentAt(row: number): JournalEvent {
    const d = this.#intents.data;
    const at = row * INTENT_WIDTH;
    const keys = this.#shapes[d[at + 2]];
    const first = d[at + 1];
    const values = this.#scores.data;
    const scores: Record<string, number> = {};
    for (let k = 0; k < keys.length; k++) scores[keys[k]] = values[first + k];
    const symbol = this.#intentSymbols[row];
    const intent = this.#intentRefs[row];
    return symbol === undefined ? {type: 'intent', timeMs: d[at], intent, scores} : {type: 'intent', timeMs: d[at], intent, scores, symbol};
  }
}
