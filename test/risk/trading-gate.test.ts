import {describe, expect, it} from 'vitest';
import type {JournalEvent} from '../../src/core/index.js';
import {CircuitBreaker, createTradingGate, hashSecret, KillSwitch, MemoryKillSwitchRepository, sequentialCodeGenerator} from '../../src/risk/index.js';
import {health, HOUR, recordingJournal, T0} from './fixtures.js';

type StateEvent = Extract<JournalEvent, {type: 'state'}>;

async function setup(repo = new MemoryKillSwitchRepository(), now?: () => number) {
  const journal = recordingJournal();
  const breaker = new CircuitBreaker({dailyLoss: {enabled: false}}, journal.sink);
  const killSwitch = await KillSwitch.open(repo, {codeGenerator: sequentialCodeGenerator(), adminKeyHash: hashSecret('admin'), journal: journal.sink, now: () => T0});
  const gate = createTradingGate({breaker, killSwitch, journal: journal.sink, now});
  let i = 0;
  const bar = (equity = 10_000, extra: Partial<ReturnType<typeof health>> = {}) => gate.onBar(health({timeMs: T0 + i++ * HOUR, equity, ...extra}));
  const states = () => journal.events.filter((e): e is StateEvent => e.type === 'state').map((e) => `${e.from}>${e.to}: ${e.cause}`);
  return {journal, breaker, killSwitch, gate, bar, states};
}

describe('trading gate', () => {
  it('folds pause, breaker and kill switch into the strictest state, journaling each change with its cause', async () => {
    const t = await setup();
    t.bar();
    expect(t.gate.state()).toBe('active');
    expect(t.gate.pause('alice', T0 + 10)).toBe(true);
    expect(t.gate.pause('alice', T0 + 11)).toBe(false);
    expect(t.gate.state()).toBe('reducing');
    t.bar(8_000); // 20 % drawdown: the breaker halts
    expect(t.gate.state()).toBe('halted');
    expect(t.gate.resume('bob', T0 + 2 * HOUR)).toBe(true);
    expect(t.gate.state()).toBe('halted');
    expect(t.gate.resetBreaker('bob', T0 + 3 * HOUR)).toBe(true);
    expect(t.gate.state()).toBe('active');
    expect(t.states()).toEqual([
      'active>reducing: paused by alice',
      'reducing>halted: circuit breaker OPEN (drawdown)',
      'halted>active: circuit breaker CLOSED',
    ]);
    const pauseEvent = t.journal.events.find((e) => e.type === 'state');
    expect(pauseEvent?.timeMs).toBe(T0 + 10);
  });

  it('takes the stricter of a pause and a reducing breaker', async () => {
    const t = await setup();
    t.bar(10_000, {decisionLatencyMs: 1_500});
    expect(t.gate.state()).toBe('reducing');
    t.gate.pause('alice', T0 + 1);
    t.gate.resume('alice', T0 + 2);
    expect(t.gate.state()).toBe('reducing');
    expect(t.states()).toEqual(['active>reducing: circuit breaker OPEN (latency)']);
  });

  it('halts on the kill switch, noticing an activation made between bars, and releases on deactivation', async () => {
    let clock = T0 + 5;
    const t = await setup(new MemoryKillSwitchRepository(), () => clock);
    t.bar();
    const {confirmationCode} = await t.killSwitch.activate('manual', 'alice');
    expect(t.gate.state()).toBe('halted');
    clock = T0 + 50;
    await t.killSwitch.deactivate(confirmationCode, 'alice');
    t.bar();
    expect(t.gate.state()).toBe('active');
    expect(t.states()).toEqual(['active>halted: kill switch engaged', 'halted>active: kill switch released']);
    expect(t.journal.events.filter((e) => e.type === 'state').map((e) => e.timeMs)).toEqual([T0 + 5, T0 + HOUR]);
  });

  it('denies by state: reducing refuses new exposure, halted allows only flattening reduce-only orders', async () => {
    const t = await setup();
    t.bar();
    expect(t.gate.deny({reduceOnly: false, reason: 'entry'})).toBeNull();
    t.gate.pause('alice', T0);
    expect(t.gate.deny({reduceOnly: false, reason: 'entry'})).toBe('state-reducing');
    expect(t.gate.deny({reduceOnly: true, reason: 'exit'})).toBeNull();
    await t.killSwitch.activate('stop', 'alice');
    expect(t.gate.deny({reduceOnly: false, reason: 'kill-switch'})).toBe('state-halted');
    expect(t.gate.deny({reduceOnly: true, reason: 'exit'})).toBe('state-halted');
    for (const reason of ['kill-switch', 'close-all', 'stop-loss', 'take-profit', 'liquidation']) {
      expect(t.gate.deny({reduceOnly: true, reason})).toBeNull();
    }
  });

  it('asks to flatten exactly once per kill switch activation', async () => {
    const t = await setup();
    t.bar();
    expect(t.gate.mustFlatten()).toBe(false);
    const {confirmationCode} = await t.killSwitch.activate('stop', 'alice');
    expect(t.gate.mustFlatten()).toBe(true);
    expect(t.gate.mustFlatten()).toBe(true); // until the engine reports it flattened
    t.gate.flattened(T0 + 1);
    expect(t.gate.mustFlatten()).toBe(false);
    t.bar();
    expect(t.gate.mustFlatten()).toBe(false);
    await t.killSwitch.deactivate(confirmationCode, 'alice');
    expect(t.gate.mustFlatten()).toBe(false);
    await t.killSwitch.activate('again', 'alice');
    expect(t.gate.mustFlatten()).toBe(true);
    t.gate.flattened(T0 + 2);
    expect(t.gate.mustFlatten()).toBe(false);
    expect(t.gate.status()).toMatchObject({state: 'halted', killSwitchEngaged: true, flattenPending: false});
  });

  it('flattens once after a restart with the kill switch still latched, and journals the halted state at the first bar', async () => {
    const repo = new MemoryKillSwitchRepository();
    const before = await setup(repo);
    await before.killSwitch.activate('overnight', 'alice');
    const t = await setup(repo);
    t.bar();
    expect(t.gate.state()).toBe('halted');
    expect(t.gate.mustFlatten()).toBe(true);
    t.gate.flattened(T0);
    expect(t.gate.mustFlatten()).toBe(false);
    expect(t.states()).toEqual(['active>halted: kill switch engaged']);
  });

  it('forwards closed trades to the breaker: a losing streak makes the gate reducing', async () => {
    const t = await setup();
    t.bar();
    for (let k = 0; k < 5; k++) t.gate.onTradeClosed(-5, T0 + k);
    expect(t.breaker.state).toBe('OPEN');
    expect(t.gate.state()).toBe('reducing');
    expect(t.states()).toEqual(['active>reducing: circuit breaker OPEN (loss-streak)']);
    expect(t.journal.events.filter((e) => e.type === 'state')[0].timeMs).toBe(T0 + 4);
  });

  it('reports its status for the operations API', async () => {
    const t = await setup();
    t.bar();
    t.gate.pause('alice', T0);
    expect(t.gate.status()).toEqual({
      state: 'reducing',
      paused: true,
      pausedBy: 'alice',
      killSwitchEngaged: false,
      breakerState: 'CLOSED',
      breakerImposes: 'active',
      flattenPending: false,
      restrictions: {},
    });
    // Reading the status journals nothing, even with a change pending: a kill switch engaged
    // between bars shows as halted, and the change is journaled at the next bar's time, as a
    // restart replay of the journal would place it.
    await t.killSwitch.activate('manual', 'carol');
    const before = t.journal.events.length;
    expect(t.gate.status()).toMatchObject({state: 'halted', killSwitchEngaged: true});
    expect(t.journal.events.length).toBe(before);
    t.bar();
    expect(t.journal.events.filter((e) => e.type === 'state').at(-1)).toMatchObject({to: 'halted', timeMs: T0 + HOUR, cause: 'kill switch engaged'});
    await t.killSwitch.forceDeactivate('admin', 'carol');
    // A restriction (e.g. a reconciliation mismatch in a live session) shows with its cause.
    t.gate.resume('alice', T0 + 1);
    t.gate.restrict('reconciliation', 'reducing', T0 + 2);
    expect(t.gate.status()).toMatchObject({state: 'reducing', paused: false, restrictions: {reconciliation: 'reducing'}});
  });
});
