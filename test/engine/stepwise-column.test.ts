import {describe, expect, it} from 'vitest';
import {StepwiseColumn} from '../../src/engine/stepwise-column.js';

describe('StepwiseColumn', () => {
  it('reads back one value per noted slot, the same as a column written every slot', () => {
    const values = Array.from({length: 5_000}, (_, i) => (i % 97 < 40 ? 0 : i % 97 < 70 ? 0.25 : -1.5) + (i > 4_000 ? 3 : 0));
    const column = new StepwiseColumn(new Float64Array(16));
    const written = new Float64Array(values.length);
    values.forEach((v, slot) => {
      column.note(slot, v);
      written[slot] = v;
      // Read now and then while noting (a live run reads between bars): later reads extend, never rewrite.
      if (slot % 1_111 === 0) expect(Array.from(column.column.subarray(0, slot + 1))).toEqual(Array.from(written.subarray(0, slot + 1)));
    });
    expect(column.column.length).toBeGreaterThanOrEqual(values.length);
    expect(Array.from(column.column.subarray(0, values.length))).toEqual(values);
  });

  it('keeps the array while it has room and fills slots no change was noted on with the last value', () => {
    const column = new StepwiseColumn(new Uint32Array(10));
    column.note(0, 4);
    column.note(1, 4);
    column.note(2, 9);
    const first = column.column;
    column.note(3, 9);
    column.note(4, 9);
    expect(column.column).toBe(first);
    expect(Array.from(first.subarray(0, 5))).toEqual([4, 4, 9, 9, 9]);
  });
});
