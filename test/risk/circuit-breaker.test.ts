import {describe, expect, it} from 'vitest';
import type {HealthSnapshot, JournalEvent} from '../../src/core/index.js';
import {BreakerConfigSchema, CircuitBreaker, type BreakerConfigInput} from '../../src/risk/index.js';
import {DAY, health, HOUR, recordingJournal, T0} from './fixtures.js';

type BreakerEvent = Extract<JournalEvent, {type: 'breaker'}>;

/** A breaker on hourly bars: bar i closes at T0 + i hours. */
function setup(config: BreakerConfigInput = {}) {
  const journal = recordingJournal();
  const breaker = new CircuitBreaker(config, journal.sink);
  let i = 0;
  const snapshot = health();
  const bar = (overrides: Partial<HealthSnapshot> = {}): void => {
    Object.assign(snapshot, {equity: snapshot.equity, staleData: false, dataAgeMs: 0, decisionLatencyMs: 0, venueRequests: 0, venueErrors: 0}, overrides);
    snapshot.timeMs = T0 + i++ * HOUR;
    breaker.evaluate(snapshot);
  };
  const bars = (n: number, overrides: Partial<HealthSnapshot> = {}): void => {
    for (let k = 0; k < n; k++) bar(overrides);
  };
  const events = (): BreakerEvent[] => journal.events.filter((e): e is BreakerEvent => e.type === 'breaker');
  const brief = (): string[] => events().map((e) => `${e.rule}:${e.level}:${e.state}`);
  return {breaker, bar, bars, events, brief, journal, now: () => T0 + (i - 1) * HOUR};
}

describe('breaker config', () => {
  it('defaults to the runbook thresholds and trading states', () => {
    const c = BreakerConfigSchema.parse({});
    expect(c.drawdown).toEqual({enabled: true, warnPct: 10, tripPct: 15});
    expect(c.dailyLoss).toEqual({enabled: true, warnPct: 3, tripPct: 5});
    expect(c.errorRate).toEqual({enabled: true, warnPct: 5, tripPct: 10, minRequests: 20});
    expect(c.latency).toEqual({enabled: true, warnMs: 500, tripMs: 1000});
    expect(c.lossStreak).toEqual({enabled: true, trades: 5});
    expect(c.staleData).toEqual({enabled: true});
    expect([c.cooldownBars, c.halfOpenBars, c.halfOpenState]).toEqual([24, 12, 'active']);
    expect(c.imposes).toEqual({
      drawdown: 'halted',
      'daily-loss': 'reducing',
      'loss-streak': 'reducing',
      'error-rate': 'halted',
      latency: 'reducing',
      'stale-data': 'halted',
    });
  });

  it('keeps the other defaults when one threshold is overridden, and refuses a warning above its trip', () => {
    expect(BreakerConfigSchema.parse({drawdown: {tripPct: 20}}).drawdown).toEqual({enabled: true, warnPct: 10, tripPct: 20});
    expect(BreakerConfigSchema.safeParse({dailyLoss: {warnPct: 6}}).success).toBe(false);
    expect(() => new CircuitBreaker({cooldownBars: 0})).toThrow(/IFTB_E_CONFIG_INVALID|cooldownBars/);
  });
});

describe('drawdown rule', () => {
  it('warns once at 10 %, trips OPEN and halted at 15 %, and stays OPEN until a manual reset', () => {
    const t = setup({dailyLoss: {enabled: false}});
    t.bar({equity: 10_000});
    t.bar({equity: 9_000});
    t.bar({equity: 8_950});
    expect(t.brief()).toEqual(['drawdown:warn:CLOSED']);
    t.bar({equity: 8_500});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.imposedState).toBe('halted');
    expect(t.brief()).toEqual(['drawdown:warn:CLOSED', 'drawdown:trip:OPEN']);
    t.bars(200, {equity: 9_900});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.status()).toMatchObject({trippedRule: 'drawdown', openRules: ['drawdown'], manualResetRequired: true, until: null});
  });

  it('journals a recovery when the drawdown goes back below the warning level', () => {
    const t = setup({dailyLoss: {enabled: false}});
    t.bar({equity: 10_000});
    t.bar({equity: 8_900});
    t.bar({equity: 9_600});
    expect(t.brief()).toEqual(['drawdown:warn:CLOSED', 'drawdown:recover:CLOSED']);
    expect(t.breaker.state).toBe('CLOSED');
  });

  it('resets manually to CLOSED and rebases the peak so the same drawdown does not trip again', () => {
    const t = setup({dailyLoss: {enabled: false}});
    t.bar({equity: 10_000});
    t.bar({equity: 8_000});
    expect(t.breaker.reset('ops', t.now() + 1)).toBe(true);
    const reset = t.events().at(-1)!;
    expect(reset).toMatchObject({rule: 'manual', level: 'reset', state: 'CLOSED', timeMs: t.now() + 1});
    expect(reset.detail).toMatch(/ops/);
    expect(t.breaker.status()).toMatchObject({state: 'CLOSED', imposedState: 'active', trippedRule: null, metrics: {peakEquity: 8_000}});
    t.bar({equity: 8_000});
    expect(t.breaker.state).toBe('CLOSED');
    t.bar({equity: 6_800});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.status().metrics.drawdownPct).toBeCloseTo(15, 10);
  });

  it('refuses a reset while CLOSED', () => {
    const t = setup();
    t.bar();
    expect(t.breaker.reset('ops', T0)).toBe(false);
    expect(t.events()).toEqual([]);
  });
});

describe('daily-loss rule', () => {
  it('warns at 3 %, trips at 5 % into reducing until the next UTC day, then HALF_OPEN and CLOSED after 12 clean bars', () => {
    const t = setup({drawdown: {enabled: false}});
    t.bar({equity: 10_000});
    t.bar({equity: 9_690});
    expect(t.brief()).toEqual(['daily-loss:warn:CLOSED']);
    t.bar({equity: 9_500});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.imposedState).toBe('reducing');
    expect(t.breaker.status().until).toBe(T0 + DAY);
    t.bars(21, {equity: 9_500});
    expect(t.breaker.state).toBe('OPEN');
    t.bar({equity: 9_500}); // closes at T0 + 24 h: the next UTC day starts at 9 500
    expect(t.breaker.state).toBe('HALF_OPEN');
    expect(t.breaker.imposedState).toBe('active');
    expect(t.breaker.status()).toMatchObject({since: T0 + DAY, halfOpenBarsLeft: 12, metrics: {dayStartEquity: 9_500, dailyLossPct: 0}});
    t.bars(11, {equity: 9_500});
    expect(t.breaker.state).toBe('HALF_OPEN');
    t.bar({equity: 9_500});
    expect(t.breaker.state).toBe('CLOSED');
    expect(t.brief()).toEqual([
      'daily-loss:warn:CLOSED',
      'daily-loss:trip:OPEN',
      'daily-loss:recover:OPEN', // the warning clears (new day, new base) ...
      'daily-loss:recover:HALF_OPEN', // ... and the trip releases
      'daily-loss:recover:CLOSED',
    ]);
  });
});

describe('HALF_OPEN', () => {
  it('goes back to OPEN at once when any trip condition holds', () => {
    const t = setup({halfOpenBars: 5});
    t.bar({staleData: true});
    t.bar();
    expect(t.breaker.state).toBe('HALF_OPEN');
    t.bars(2);
    t.bar({decisionLatencyMs: 1_500});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.trippedRule).toBe('latency');
    expect(t.breaker.imposedState).toBe('reducing');
  });

  it('re-opens in the same bar when a cooled-down rule still holds', () => {
    const t = setup({cooldownBars: 3});
    t.bar({decisionLatencyMs: 2_000});
    t.bars(2, {decisionLatencyMs: 2_000});
    expect(t.breaker.state).toBe('OPEN');
    t.bar({decisionLatencyMs: 2_000});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.brief()).toEqual(['latency:warn:CLOSED', 'latency:trip:OPEN', 'latency:recover:HALF_OPEN', 'latency:trip:OPEN']);
  });
});

describe('loss-streak rule', () => {
  it('trips into reducing after 5 consecutive losing trades and cools down for 24 bars', () => {
    const t = setup();
    t.bars(3);
    for (let k = 0; k < 5; k++) t.breaker.recordTrade(-10, t.now() + k);
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.imposedState).toBe('reducing');
    expect(t.events().at(-1)).toMatchObject({rule: 'loss-streak', level: 'trip', state: 'OPEN', timeMs: t.now() + 4});
    // The trade closed after bar 3's decision: bars 4 to 27 (24 decisions) stay OPEN.
    expect(t.breaker.status().cooldownBarsLeft).toBe(24);
    t.bars(24);
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.status().cooldownBarsLeft).toBe(0);
    t.bar();
    expect(t.breaker.state).toBe('HALF_OPEN');
  });

  it('is broken by a winning trade', () => {
    const t = setup();
    t.bar();
    for (const pnl of [-1, -1, -1, -1, 5, -1, -1, -1, -1]) t.breaker.recordTrade(pnl, T0);
    expect(t.breaker.state).toBe('CLOSED');
    expect(t.breaker.status().metrics.lossStreak).toBe(4);
  });
});

describe('error-rate rule', () => {
  it('judges only from 20 requests, warns at 5 % and trips into halted at 10 %', () => {
    const t = setup();
    t.bar({venueRequests: 19, venueErrors: 19});
    expect(t.breaker.state).toBe('CLOSED');
    t.bar({venueRequests: 100, venueErrors: 6});
    expect(t.brief()).toEqual(['error-rate:warn:CLOSED']);
    t.bar({venueRequests: 100, venueErrors: 10});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.imposedState).toBe('halted');
    expect(t.breaker.status().metrics.errorRatePct).toBe(10);
  });
});

describe('latency rule', () => {
  it('warns at 500 ms and trips into reducing at 1 s', () => {
    const t = setup();
    t.bar({decisionLatencyMs: 600});
    expect(t.brief()).toEqual(['latency:warn:CLOSED']);
    expect(t.breaker.status().warnings).toEqual(['latency']);
    t.bar({decisionLatencyMs: 1_000});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.imposedState).toBe('reducing');
  });
});

describe('stale-data rule', () => {
  it('halts on stale data and goes HALF_OPEN on the first fresh bar', () => {
    const t = setup();
    t.bar({staleData: true});
    expect([t.breaker.state, t.breaker.imposedState]).toEqual(['OPEN', 'halted']);
    t.bar({staleData: true});
    expect(t.breaker.state).toBe('OPEN');
    t.bar();
    expect(t.breaker.state).toBe('HALF_OPEN');
    expect(t.brief()).toEqual(['stale-data:trip:OPEN', 'stale-data:recover:HALF_OPEN']);
  });

  it('treats data older than maxDataAgeMs as stale when configured', () => {
    const t = setup({staleData: {maxDataAgeMs: 5_000}});
    t.bar({dataAgeMs: 5_000});
    expect(t.breaker.state).toBe('CLOSED');
    t.bar({dataAgeMs: 5_001});
    expect(t.breaker.state).toBe('OPEN');
  });
});

describe('several rules at once', () => {
  it('imposes the strictest state of the rules holding it OPEN and stays OPEN until all release', () => {
    const t = setup({cooldownBars: 2, dailyLoss: {enabled: false}});
    t.bar({equity: 10_000, decisionLatencyMs: 1_200});
    expect(t.breaker.imposedState).toBe('reducing');
    t.bar({equity: 8_000});
    expect(t.breaker.imposedState).toBe('halted');
    t.bar({equity: 8_000});
    expect(t.breaker.state).toBe('OPEN');
    expect(t.breaker.status().openRules).toEqual(['drawdown']);
    expect(t.events().at(-1)!.detail).toMatch(/still OPEN on drawdown/);
  });

  it('does not journal anything on uneventful bars', () => {
    const t = setup();
    t.bars(1_000, {equity: 10_000, venueRequests: 50, venueErrors: 1, decisionLatencyMs: 100});
    expect(t.journal.events).toEqual([]);
  });

  it('lets a rule impose a custom state or be disabled', () => {
    const t = setup({imposes: {latency: 'halted'}, staleData: {enabled: false}});
    t.bar({staleData: true});
    expect(t.breaker.state).toBe('CLOSED');
    t.bar({decisionLatencyMs: 5_000});
    expect(t.breaker.imposedState).toBe('halted');
  });
});
