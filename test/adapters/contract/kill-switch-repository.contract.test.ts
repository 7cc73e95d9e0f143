import {describe, expect, it} from 'vitest';
import type {KillSwitchRecord} from '../../../src/core/index.js';
import {STORE_KINDS, useContractStores} from './stores.js';

const stores = useContractStores();

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(STORE_KINDS)('KillSwitchRepository contract (%s)', (kind) => {
  it('keeps an append-only log whose newest row decides, across a reopen', async () => {
    const s = await stores.open(kind);
    expect(await s.killSwitch.load()).toBeNull();
    await s.killSwitch.append({action: 'activate', reason: 'exchange outage', by: 'alice', atMs: 1_700_000_000_123, confirmationCodeHash: 'ab'.repeat(32)});
    await s.killSwitch.append({action: 'deactivate', reason: 'resolved', by: 'bob', atMs: 1_700_000_100_000, confirmationCodeHash: null});
    await s.killSwitch.append({action: 'activate', reason: 'again', by: 'carol', atMs: 1_700_000_200_007, confirmationCodeHash: 'cd'.repeat(32)});
    const again = await s.reopen();
    expect(await again.killSwitch.load()).toEqual({action: 'activate', reason: 'again', by: 'carol', atMs: 1_700_000_200_007, confirmationCodeHash: 'cd'.repeat(32)});
  });

  it('treats the runbook hand insert (activated_at, reason) as an activation without a code', async () => {
    const s = await stores.open(kind);
    await s.sql(`INSERT INTO kill_switch_events (activated_at, reason) VALUES (NOW(), '긴급 중단 사유')`);
    expect(await s.killSwitch.load()).toMatchObject({action: 'activate', reason: '긴급 중단 사유', by: 'operator', confirmationCodeHash: null});
  });

  it('watch reports every later event once and in order, its own and hand-inserted ones, and nothing from before', async () => {
    const s = await stores.open(kind);
    await s.killSwitch.append({action: 'activate', reason: 'before the watch', by: 'x', atMs: 1_000, confirmationCodeHash: null});
    const seen: KillSwitchRecord[] = [];
    const watch = await s.killSwitch.watch((event) => seen.push(event), {pollMs: 50});
    try {
      await s.killSwitch.append({action: 'force-deactivate', reason: 'admin', by: 'ops', atMs: 2_000, confirmationCodeHash: null});
      await s.sql(`INSERT INTO kill_switch_events (activated_at, reason) VALUES (NOW(), 'by hand')`);
      await until(() => seen.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 150)); // a few more polls: no repeats
      expect(seen.map((e) => [e.action, e.reason])).toEqual([['force-deactivate', 'admin'], ['activate', 'by hand']]);
      expect(watch.mode()).toBe(kind === 'postgres' ? 'listen' : 'poll');
    } finally {
      await watch.close();
    }
  });
});
