import {describe, expect, it} from 'vitest';
import {allocateBarColumns, barViewAt, copyBarColumns, createBarView} from '../../src/core/index.js';

function columns(n: number) {
  const c = allocateBarColumns(n);
  for (let i = 0; i < n; i++) {
    c.openTime[i] = i * 60_000;
    c.open[i] = 100 + i;
    c.high[i] = 101 + i;
    c.low[i] = 99 + i;
    c.close[i] = 100.5 + i;
    c.volume[i] = 10 + i;
  }
  return c;
}

describe('BarView', () => {
  it('shows bars up to its bound and NaN for every later (or negative) index', () => {
    const view = barViewAt(columns(10), 4);
    expect(view.index).toBe(4);
    expect(view.length).toBe(5);
    expect([view.open(4), view.high(4), view.low(4), view.close(4), view.volume(4), view.openTime(4)]).toEqual([104, 105, 103, 104.5, 14, 240_000]);
    expect(view.field('close', 4)).toBe(104.5);
    for (const k of [5, 9, 10, -1, 4.5]) {
      expect(view.close(k)).toBeNaN();
      expect(view.open(k)).toBeNaN();
      expect(view.field('high', k)).toBeNaN();
    }
  });

  it('moves only through its cursor, and the cursor is not reachable from the view', () => {
    const cursor = createBarView(columns(10));
    expect(cursor.view.close(0)).toBeNaN();
    cursor.moveTo(2);
    expect(cursor.view.close(2)).toBe(102.5);
    expect(cursor.view.close(3)).toBeNaN();
    const reachable = [...Object.getOwnPropertyNames(cursor.view), ...Object.getOwnPropertyNames(Object.getPrototypeOf(cursor.view))];
    expect(reachable.sort()).toEqual(['close', 'constructor', 'field', 'high', 'index', 'length', 'low', 'open', 'openTime', 'toJSON', 'volume']);
    expect(JSON.stringify(cursor.view)).toBe('{"index":2}');
  });

  it('cannot be written to: assignments throw and the columns stay as they were', () => {
    const data = columns(10);
    const view = barViewAt(data, 3);
    const bars = view as unknown as Record<string, unknown>;
    expect(() => {
      (bars.open as unknown as number[])[4] = 1;
    }).toThrow(TypeError);
    expect(() => {
      bars.index = 9;
    }).toThrow(TypeError);
    expect(() => {
      bars.close = () => 0;
    }).toThrow(TypeError);
    expect(() => {
      (Object.getPrototypeOf(view) as Record<string, unknown>).close = () => 0;
    }).toThrow(TypeError);
    expect(view.index).toBe(3);
    expect(data.open[4]).toBe(104);
    expect(view.close(3)).toBe(103.5);
  });

  it('rebinds to grown columns without moving its bound', () => {
    const cursor = createBarView(columns(3));
    cursor.moveTo(2);
    const grown = columns(6);
    grown.close[2] = 7;
    cursor.rebind(grown);
    expect(cursor.view.close(2)).toBe(7);
    expect(cursor.view.close(3)).toBeNaN();
  });

  it('copies columns for batch readers, so writes to the copy reach nothing else', () => {
    const data = columns(4);
    const copy = copyBarColumns(data);
    copy.close[1] = -1;
    expect(data.close[1]).toBe(101.5);
    expect(copy.length).toBe(4);
  });
});
