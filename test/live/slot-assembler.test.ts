import {afterEach, describe, expect, it} from 'vitest';
import type {Bar} from '../../src/core/index.js';
import {type Slot, SlotAssembler} from '../../src/live/slot-assembler.js';
import {MINUTE, waveBars} from '../support/live-candles.js';

const bar = (openTime: number): Bar => ({openTime, open: 1, high: 1, low: 1, close: 1, volume: 1});

describe('SlotAssembler', () => {
  let assembler: SlotAssembler | null = null;
  afterEach(() => assembler?.close());

  it('one symbol: every bar is its own slot at once', () => {
    const slots: Slot[] = [];
    assembler = new SlotAssembler(['A'], 60_000, (s) => slots.push(s));
    for (const b of waveBars(0, 3)) assembler.push('A', b, 1000 + b.openTime);
    expect(slots.map((s) => s.openTimeMs)).toEqual([0, MINUTE, 2 * MINUTE]);
    expect(slots[1].firstReceivedMs).toBe(1000 + MINUTE);
  });

  it('releases a portfolio slot when every symbol has its bar, or when one already sent a later bar', () => {
    const slots: Slot[] = [];
    const now = Date.now();
    assembler = new SlotAssembler(['A', 'B'], 60_000, (s) => slots.push(s));
    assembler.push('A', bar(0), now);
    expect(slots).toEqual([]);
    assembler.push('B', bar(0), now + 1);
    expect(slots.map((s) => [s.openTimeMs, [...s.bars.keys()]])).toEqual([[0, ['A', 'B']]]);
    // B has no bar at 1m: its 2m bar says so, and the 1m slot goes out with A alone, then 2m waits for A.
    assembler.push('A', bar(MINUTE), now + 2);
    expect(slots).toHaveLength(1);
    assembler.push('B', bar(2 * MINUTE), now + 3);
    expect(slots.map((s) => [s.openTimeMs, [...s.bars.keys()]])).toEqual([[0, ['A', 'B']], [MINUTE, ['A']]]);
    assembler.push('A', bar(2 * MINUTE), now + 4);
    expect(slots.map((s) => s.openTimeMs)).toEqual([0, MINUTE, 2 * MINUTE]);
    expect(slots[2].firstReceivedMs).toBe(now + 3);
  });

  it('releases a straggling slot after waitMs, and hands a bar arriving after its slot to onLate', async () => {
    const slots: Slot[] = [];
    const late: [string, number][] = [];
    assembler = new SlotAssembler(['A', 'B'], 50, (s) => slots.push(s), (symbol, b) => late.push([symbol, b.openTime]));
    assembler.push('A', bar(0), Date.now());
    expect(slots).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (slots.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(slots.map((s) => [s.openTimeMs, [...s.bars.keys()]])).toEqual([[0, ['A']]]);
    assembler.push('B', bar(0), Date.now());
    expect(late).toEqual([['B', 0]]);
    expect(slots).toHaveLength(1);
  });

  it('flush(force) releases what waits (shutdown)', () => {
    const slots: Slot[] = [];
    assembler = new SlotAssembler(['A', 'B'], 60_000, (s) => slots.push(s));
    assembler.push('A', bar(0), Date.now());
    assembler.flush();
    expect(slots).toEqual([]);
    assembler.flush(true);
    expect(slots.map((s) => s.openTimeMs)).toEqual([0]);
  });
});
