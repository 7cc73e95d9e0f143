import {describe, expect, it} from 'vitest';
import {DuckDbKillSwitchRepository, DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {useTempStores} from '../../support/duckdb-stores.js';

describe('DuckDbKillSwitchRepository', () => {
  const stores = useTempStores();

  it('returns null before the switch was ever used', async () => {
    const {store} = await stores.open();
    expect(await new DuckDbKillSwitchRepository(store.db).load()).toBeNull();
  });

  it('keeps an append-only log whose newest row decides, and survives reopening the file', async () => {
    const {store, path} = await stores.open();
    const repo = new DuckDbKillSwitchRepository(store.db);
    await repo.append({action: 'activate', reason: 'exchange outage', by: 'alice', atMs: 1_700_000_000_123, confirmationCodeHash: 'ab'.repeat(32)});
    await repo.append({action: 'deactivate', reason: 'resolved', by: 'bob', atMs: 1_700_000_100_000, confirmationCodeHash: null});
    await repo.append({action: 'activate', reason: 'again', by: 'carol', atMs: 1_700_000_200_000, confirmationCodeHash: 'cd'.repeat(32)});
    store.close();
    const reopened = await DuckDbStore.open(path, {seed: false});
    try {
      expect(await new DuckDbKillSwitchRepository(reopened.db).load()).toEqual({
        action: 'activate', reason: 'again', by: 'carol', atMs: 1_700_000_200_000, confirmationCodeHash: 'cd'.repeat(32),
      });
    } finally {
      reopened.close();
    }
  });

  it('treats the runbook manual insert (activated_at, reason) as an activation without a code', async () => {
    const {store} = await stores.open();
    await store.db.run(`INSERT INTO kill_switch_events (activated_at, reason) VALUES (NOW(), '긴급 중단 사유')`);
    const record = await new DuckDbKillSwitchRepository(store.db).load();
    expect(record).toMatchObject({action: 'activate', reason: '긴급 중단 사유', by: 'operator', confirmationCodeHash: null});
  });
});
