import {describe, expect, it} from 'vitest';
import {isIftbError, type KillSwitchEventRecord, type KillSwitchRepository} from '../../src/core/index.js';
import {hashSecret, KillSwitch, MemoryKillSwitchRepository, randomConfirmationCode, sequentialCodeGenerator} from '../../src/risk/index.js';
import {recordingJournal, T0} from './fixtures.js';

const ADMIN_KEY = 'correct horse battery staple';

function clock(start = T0) {
  let t = start;
  return () => (t += 1000);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function openSwitch(repo: KillSwitchRepository = new MemoryKillSwitchRepository()) {
  const journal = recordingJournal();
  const ks = await KillSwitch.open(repo, {codeGenerator: sequentialCodeGenerator(), adminKeyHash: hashSecret(ADMIN_KEY), journal: journal.sink, now: clock()});
  return {ks, repo, journal};
}

describe('kill switch', () => {
  it('activates, persists the event and returns a confirmation code stored only as a hash', async () => {
    const repo = new MemoryKillSwitchRepository();
    const {ks, journal} = await openSwitch(repo);
    expect(ks.engaged).toBe(false);
    const {confirmationCode} = await ks.activate('exchange outage', 'alice');
    expect(confirmationCode).toBe('BT0001');
    expect(ks.engaged).toBe(true);
    expect(repo.events).toEqual([
      {action: 'activate', reason: 'exchange outage', by: 'alice', atMs: T0 + 1000, confirmationCodeHash: hashSecret('BT0001')},
    ]);
    expect(JSON.stringify(repo.events)).not.toContain('BT0001');
    expect(journal.events).toEqual([{type: 'kill-switch', timeMs: T0 + 1000, action: 'activate', reason: 'exchange outage', by: 'alice'}]);
    expect(ks.status()).toEqual({
      engaged: true,
      activatedAtMs: T0 + 1000,
      reason: 'exchange outage',
      by: 'alice',
      requiresAdminKey: false,
      last: {action: 'activate', reason: 'exchange outage', by: 'alice', atMs: T0 + 1000},
    });
  });

  it('refuses a second activation while active with IFTB_E_KILL_SWITCH', async () => {
    const {ks, repo} = await openSwitch();
    await ks.activate('first', 'alice');
    const error = await rejection(ks.activate('second', 'bob'));
    expect(isIftbError(error, 'IFTB_E_KILL_SWITCH')).toBe(true);
    expect((error as Error).message).toMatch(/already active/);
    expect((repo as MemoryKillSwitchRepository).events).toHaveLength(1);
  });

  it('deactivates only with the confirmation code, case-insensitively', async () => {
    const {ks, repo} = await openSwitch();
    const {confirmationCode} = await ks.activate('test', 'alice');
    const wrong = await rejection(ks.deactivate('ZZ9999', 'bob'));
    expect(isIftbError(wrong, 'IFTB_E_KILL_SWITCH')).toBe(true);
    expect((wrong as Error).message).toMatch(/wrong confirmation code/);
    expect(ks.engaged).toBe(true);
    await ks.deactivate(` ${confirmationCode.toLowerCase()} `, 'bob');
    expect(ks.engaged).toBe(false);
    expect((repo as MemoryKillSwitchRepository).events.at(-1)).toMatchObject({action: 'deactivate', by: 'bob', confirmationCodeHash: null});
    expect(isIftbError(await rejection(ks.deactivate(confirmationCode, 'bob')), 'IFTB_E_KILL_SWITCH')).toBe(true);
  });

  it('force-deactivates with the admin key and rejects a wrong key', async () => {
    const {ks, journal} = await openSwitch();
    await ks.activate('test', 'alice');
    const wrong = await rejection(ks.forceDeactivate('guess', 'mallory'));
    expect(isIftbError(wrong, 'IFTB_E_KILL_SWITCH')).toBe(true);
    expect(ks.engaged).toBe(true);
    await ks.forceDeactivate(ADMIN_KEY, 'root', 'incident closed');
    expect(ks.engaged).toBe(false);
    expect(journal.events.at(-1)).toMatchObject({type: 'kill-switch', action: 'force-deactivate', by: 'root', reason: 'incident closed'});
  });

  it('refuses force-deactivate when no admin key is configured', async () => {
    const ks = await KillSwitch.open(new MemoryKillSwitchRepository(), {now: clock()});
    await ks.activate('test', 'alice');
    expect((await rejection(ks.forceDeactivate(ADMIN_KEY, 'root')) as Error).message).toMatch(/not configured/);
  });

  it('stays latched across open() on the same repository, and the old code still releases it', async () => {
    const repo = new MemoryKillSwitchRepository();
    const first = await openSwitch(repo);
    const {confirmationCode} = await first.ks.activate('restart test', 'alice');
    const second = await openSwitch(repo);
    expect(second.ks.engaged).toBe(true);
    expect(second.ks.activations).toBe(1);
    expect(second.ks.status()).toMatchObject({reason: 'restart test', by: 'alice'});
    await second.ks.deactivate(confirmationCode, 'bob');
    const third = await openSwitch(repo);
    expect(third.ks.engaged).toBe(false);
  });

  it('treats a hand-inserted activation without a code as releasable only with the admin key', async () => {
    const manual: KillSwitchEventRecord = {action: 'activate', reason: '긴급 중단 사유', by: 'operator', atMs: T0, confirmationCodeHash: null};
    const {ks} = await openSwitch(new MemoryKillSwitchRepository([manual]));
    expect(ks.engaged).toBe(true);
    expect(ks.status().requiresAdminKey).toBe(true);
    expect((await rejection(ks.deactivate('ABC123', 'bob')) as Error).message).toMatch(/admin key/);
    await ks.forceDeactivate(ADMIN_KEY, 'root');
    expect(ks.engaged).toBe(false);
  });

  it('gives deterministic codes from an injected generator, and random A-Z0-9 codes by default', async () => {
    const gen = sequentialCodeGenerator('QA');
    expect([gen(), gen(), gen()]).toEqual(['QA0001', 'QA0002', 'QA0003']);
    for (let k = 0; k < 200; k++) expect(randomConfirmationCode()).toMatch(/^[A-Z0-9]{6}$/);
    const ks = await KillSwitch.open(new MemoryKillSwitchRepository(), {now: clock()});
    expect((await ks.activate('x', 'y')).confirmationCode).toMatch(/^[A-Z0-9]{6}$/);
    const bad = await KillSwitch.open(new MemoryKillSwitchRepository(), {now: clock(), codeGenerator: () => 'short'});
    expect(isIftbError(await rejection(bad.activate('x', 'y')), 'IFTB_E_INPUT_INVALID')).toBe(true);
    expect(bad.engaged).toBe(false);
  });

  it('engages even when the store fails on activation, and stays engaged when the store fails on deactivation', async () => {
    const memory = new MemoryKillSwitchRepository();
    let failing = false;
    const flaky: KillSwitchRepository = {
      load: () => memory.load(),
      append: async (event) => {
        if (failing) throw new Error('disk full');
        await memory.append(event);
      },
      watch: (onEvent) => memory.watch(onEvent),
    };
    const {ks} = await openSwitch(flaky);
    const {confirmationCode} = await ks.activate('a', 'alice');
    failing = true;
    const error = await rejection(ks.deactivate(confirmationCode, 'bob'));
    expect(isIftbError(error, 'IFTB_E_STORE_FAILED')).toBe(true);
    expect(ks.engaged).toBe(true);
    failing = false;
    await ks.deactivate(confirmationCode, 'bob');
    failing = true;
    const stored = await rejection(ks.activate('b', 'alice'));
    expect(isIftbError(stored, 'IFTB_E_STORE_FAILED')).toBe(true);
    expect((stored as Error).message).toMatch(/engaged in memory/);
    expect(ks.engaged).toBe(true);
  });

  it('runs concurrent activations one at a time: exactly one wins', async () => {
    const {ks, repo} = await openSwitch();
    const results = await Promise.allSettled([ks.activate('a', 'alice'), ks.activate('b', 'bob')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((repo as MemoryKillSwitchRepository).events).toHaveLength(1);
    expect(ks.activations).toBe(1);
  });

  it('observe: an outside activation (a psql insert seen by watch) engages once; outside releases and its own echoes are ignored', async () => {
    const repo = new MemoryKillSwitchRepository();
    const {ks} = await openSwitch(repo);
    const seen: KillSwitchEventRecord[] = [];
    await repo.watch((event) => seen.push(event));
    const {confirmationCode} = await ks.activate('own', 'alice');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await ks.observe(seen[0])).toBe('ignored'); // its own activation, echoed back
    await ks.deactivate(confirmationCode, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await ks.observe(seen[0])).toBe('ignored'); // a late echo of the old activation does not re-engage
    expect(await ks.observe(seen[1])).toBe('ignored');
    expect(ks.engaged).toBe(false);
    const byHand: KillSwitchEventRecord = {action: 'activate', reason: '긴급 중단 사유', by: 'operator', atMs: T0 + 5, confirmationCodeHash: null};
    expect(await ks.observe(byHand)).toBe('engaged');
    expect(ks.engaged).toBe(true);
    expect(ks.activations).toBe(2);
    expect(ks.status()).toMatchObject({reason: '긴급 중단 사유', requiresAdminKey: true});
    expect(await ks.observe({...byHand, action: 'deactivate', atMs: T0 + 6})).toBe('ignored'); // releases need the code or admin key
    expect(ks.engaged).toBe(true);
  });
});
