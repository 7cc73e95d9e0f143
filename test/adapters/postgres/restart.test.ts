import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PgStore} from '../../../src/adapters/postgres/index.js';
import {ErrorCode, type IftbError, isIftbError} from '../../../src/core/index.js';
import {commit, sessionRecord} from '../contract/session-fixtures.js';
import {createTestCluster, type TestCluster} from '../../support/pg-cluster.js';
import {createDatabase, pgUrl} from '../../support/postgres.js';

// Its own cluster: restarting the machine's shared one would break other suites.
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await createTestCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.drop();
}, 120_000);

describe('PostgreSQL restarted during writes (pg_ctlcluster restart)', () => {
  it('rejects with retryable IFTB_E_STORE_FAILED while down, loses nothing committed, and recovers by itself', async () => {
    await createDatabase('iftb_restart', cluster.adminUrl);
    const store = await PgStore.open(pgUrl('iftb_restart', cluster.port), {connectTimeoutMs: 1000});
    try {
      await store.sessions.createSession(sessionRecord());
      const failures: IftbError[] = [];
      let restart: Promise<void> | null = null;
      let restarted = false;
      let journalEnd = 0;
      const N = 40;
      for (let i = 0; i < N; i++) {
        if (i === 5) restart = cluster.restart().then(() => void (restarted = true));
        const bar = commit(i, journalEnd + 2, 2);
        // The bot's loop: retry a retryable failure; an identical commit that did land resolves.
        for (;;) {
          try {
            await store.sessions.commitBar('p3f9a2c1', bar);
            break;
          } catch (error) {
            if (!isIftbError(error, ErrorCode.STORE_FAILED) || !error.retryable) throw error;
            failures.push(error);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        journalEnd += 2;
        if (i >= 5 && i < N - 5 && !restarted) await new Promise((resolve) => setTimeout(resolve, 50)); // keep writing through the restart
      }
      await restart;
      expect(restarted).toBe(true);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((f) => f.code === ErrorCode.STORE_FAILED && f.retryable)).toBe(true);
      const bars = await store.sessions.bars('p3f9a2c1');
      expect(bars.map((b) => b.journalEnd)).toEqual(Array.from({length: N}, (_, i) => 2 * (i + 1)));
      expect(await store.sessions.journal('p3f9a2c1')).toHaveLength(2 * N);
      expect(await store.runs.cash('p3f9a2c1')).toHaveLength(N);
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable server as retryable, and the same store works once it is back', async () => {
    await createDatabase('iftb_down', cluster.adminUrl);
    const store = await PgStore.open(pgUrl('iftb_down', cluster.port), {connectTimeoutMs: 1000});
    try {
      await store.killSwitch.append({action: 'activate', reason: 'before', by: 'a', atMs: 1000, confirmationCodeHash: null});
      await cluster.stop();
      await expect(store.killSwitch.append({action: 'activate', reason: 'while down', by: 'a', atMs: 2000, confirmationCodeHash: null}))
        .rejects.toMatchObject({code: ErrorCode.STORE_FAILED, retryable: true});
      await expect(store.sessions.session('x')).rejects.toMatchObject({code: ErrorCode.STORE_FAILED, retryable: true});
      await cluster.start();
      await store.killSwitch.append({action: 'activate', reason: 'after', by: 'a', atMs: 3000, confirmationCodeHash: null});
      expect(await store.killSwitch.load()).toMatchObject({reason: 'after'});
    } finally {
      await cluster.start().catch(() => undefined); // running again whatever happened
      await store.close();
    }
  });
});
