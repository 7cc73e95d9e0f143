import {grown, RowBuffer} from '../core/index.js';

type Column = Float64Array | Uint32Array;

/**
 * A per-slot column whose value changes on few slots (a position, the journal's length): kept as
 * its changes, filled out to one value per slot only when read. Writing a fresh page of a column
 * costs several times a write to a touched one, and a run writes a column per slot for millions of
 * slots; this one writes only when the value changes.
 */
export class StepwiseColumn<T extends Column> {
  /** Rows of (first slot, value). */
  readonly #changes = new RowBuffer(2, 64);
  #last = Number.NaN;
  #slots = 0;
  #filled = 0;
  #change = 0;
  #column: T;
  readonly #one = new Float64Array(1);

  /** `column`: room for the slots expected (a fresh column costs nothing until written); grown when they are more. */
  constructor(column: T) {
    this.#column = column;
  }

  /** values[k] at `slot` (how the engine notes a double: see TradingEngine's #now). */
  noteAt(slot: number, values: Float64Array, k: number): void {
    this.#slots = slot + 1;
    const value = values[k];
    if (value === this.#last) return;
    this.#last = value;
    const at = this.#changes.append();
    const d = this.#changes.data;
    d[at] = slot;
    d[at + 1] = value;
  }

  /** The value at `slot` (slots are noted in order; a slot not noted repeats the one before). */
  note(slot: number, value: number): void {
    this.#one[0] = value;
    this.noteAt(slot, this.#one, 0);
  }

  /** One value per noted slot (the same array while it has room, extended as slots are noted). */
  get column(): T {
    const n = this.#slots;
    if (this.#filled === n) return this.#column;
    if (this.#column.length < n) this.#column = grown(this.#column, Math.max(n, 2 * this.#column.length));
    const d = this.#changes.data;
    const changes = this.#changes.length;
    let k = this.#change;
    const column = this.#column;
    for (let slot = this.#filled; slot < n; slot++) {
      while (k + 1 < changes && d[2 * (k + 1)] <= slot) k++;
      column[slot] = d[2 * k + 1];
    }
    this.#change = k;
    this.#filled = n;
    return column;
  }
}
