/** A typed array of `size` elements holding `a`'s (how a run's columns and row buffers grow). */
export function grown<T extends Float64Array | Uint32Array | Uint8Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/**
 * Fixed-width numeric rows in one growable Float64Array: how a run keeps the records it makes by
 * the hundred thousand (cash entries, round trips, fills) without an object per record, so the
 * garbage collector never walks them and the per-bar loop does not pay for what it retains.
 */
export class RowBuffer {
  #data: Float64Array;
  #rows = 0;

  constructor(readonly width: number, initialRows = 256) {
    this.#data = new Float64Array(width * initialRows);
  }

  get length(): number {
    return this.#rows;
  }

  /** Appends a row and returns its offset in `data` (write the row's fields at offset + 0 … width − 1). */
  append(): number {
    const at = this.#rows * this.width;
    if (at + this.width > this.#data.length) this.#data = grown(this.#data, this.#data.length * 2);
    this.#rows++;
    return at;
  }

  /** The backing array (replaced when it grows: read it after the appends, never keep it across them). */
  get data(): Float64Array {
    return this.#data;
  }
}
