import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import type {JournalEvent} from '../../src/core/index.js';
import {HOUR, useSampleStore} from '../support/sample-store.js';

const FROM = Date.UTC(2024, 0, 1);
const BASE = {
  strategy: 'sma-cross', params: {fast: 5, slow: 20, qty: 0.05}, symbol: 'BTC/USDT:USDT', timeframe: '1h',
  fromMs: FROM, toMs: Date.UTC(2024, 2, 1), breaker: {lossStreak: {enabled: false}},
};

const of = <T extends JournalEvent['type']>(journal: readonly JournalEvent[], type: T) =>
  journal.filter((e): e is Extract<JournalEvent, {type: T}> => e.type === type);

describe('operator actions in a backtest', () => {
  const sample = useSampleStore();

  it('kill switch: halts, flattens within one bar, once, and nothing new is opened afterwards', async () => {
    const at = FROM + 30 * 24 * HOUR + 30 * 60_000; // mid-bar: takes effect at the next bar close
    const run = await runBacktest(sample.store(), {...BASE, operatorActions: [{atMs: at, action: 'kill-switch', reason: 'drill'}]});
    const closeOfEffect = Math.ceil(at / HOUR) * HOUR;
    const ks = of(run.journal.toArray(), 'kill-switch');
    expect(ks.map((e) => e.action)).toEqual(['activate', 'flatten']);
    expect(ks[1].timeMs).toBe(closeOfEffect);
    const flattenFill = of(run.journal.toArray(), 'fill').find((e) => e.fill.reason === 'kill-switch');
    expect(flattenFill, 'a reduce-only close filled').toBeDefined();
    // The flatten order is decided at the close and fills in the very next bar (at its open).
    expect(flattenFill!.fill.timeMs).toBeGreaterThanOrEqual(closeOfEffect);
    expect(flattenFill!.fill.timeMs).toBeLessThan(closeOfEffect + HOUR);
    const r = run.engine.recorder;
    const after = run.bars.openTime.findIndex((t) => t >= closeOfEffect + HOUR);
    for (let i = after; i < r.length; i++) expect(r.positionQty[i]).toBe(0);
    expect(of(run.journal.toArray(), 'order').filter((e) => e.timeMs > closeOfEffect)).toEqual([]);
    expect(of(run.journal.toArray(), 'state').at(-1)).toMatchObject({to: 'halted'});
  });

  it('pause lets exits through but no new exposure; resume trades again', async () => {
    const pauseAt = FROM + 10 * 24 * HOUR;
    const resumeAt = FROM + 40 * 24 * HOUR;
    const run = await runBacktest(sample.store(), {
      ...BASE,
      operatorActions: [{atMs: pauseAt, action: 'pause'}, {atMs: resumeAt, action: 'resume'}],
    });
    const entries = of(run.journal.toArray(), 'order').filter((e) => !e.order.reduceOnly);
    expect(entries.filter((e) => e.timeMs >= pauseAt && e.timeMs < resumeAt)).toEqual([]);
    expect(entries.some((e) => e.timeMs >= resumeAt)).toBe(true);
    expect(of(run.journal.toArray(), 'state').map((e) => [e.from, e.to])).toEqual([['active', 'reducing'], ['reducing', 'active']]);
  });

  it('close-all flattens at the next bar and the strategy may re-enter later', async () => {
    const at = FROM + 20 * 24 * HOUR;
    const run = await runBacktest(sample.store(), {...BASE, operatorActions: [{atMs: at, action: 'close-all'}]});
    const close = of(run.journal.toArray(), 'fill').find((e) => e.fill.reason === 'close-all');
    expect(close).toBeDefined();
    expect(close!.fill.timeMs).toBeGreaterThanOrEqual(at);
    expect(close!.fill.timeMs).toBeLessThan(at + 2 * HOUR);
    expect(of(run.journal.toArray(), 'order').some((e) => e.timeMs > at + HOUR && !e.order.reduceOnly)).toBe(true);
  });

  it('drawdown breaker: warns, trips to OPEN and halts new entries until a reset', async () => {
    const run = await runBacktest(sample.store(), {
      ...BASE,
      params: {fast: 5, slow: 20, qty: 2},
      leverage: 10,
      risk: {maxLeverage: 10},
      breaker: {lossStreak: {enabled: false}, drawdown: {warnPct: 1, tripPct: 2}},
    });
    const breaker = of(run.journal.toArray(), 'breaker').filter((e) => e.rule === 'drawdown');
    const levels = breaker.map((e) => e.level);
    expect(levels[0]).toBe('warn');
    expect(levels).toContain('trip');
    const trip = breaker.find((e) => e.level === 'trip')!;
    // A drawdown trip needs a manual reset: the breaker stays OPEN and trading stays halted.
    expect(of(run.journal.toArray(), 'breaker').filter((e) => e.timeMs > trip.timeMs && e.state !== 'OPEN')).toEqual([]);
    expect(of(run.journal.toArray(), 'state').filter((e) => e.timeMs > trip.timeMs)).toEqual([]);
    expect(trip.state).toBe('OPEN');
    expect(of(run.journal.toArray(), 'state').find((e) => e.timeMs === trip.timeMs)).toMatchObject({to: 'halted'});
    expect(of(run.journal.toArray(), 'order').filter((e) => e.timeMs > trip.timeMs && !e.order.reduceOnly)).toEqual([]);
  });
});
