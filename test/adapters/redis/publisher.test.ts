import {randomBytes} from 'node:crypto';
import {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RedisSessionCommandBus, RedisSnapshotPublisher} from '../../../src/adapters/redis/index.js';
import type {LiveSnapshot, SessionCommand} from '../../../src/core/index.js';
import {startTestRedis, type TestRedis} from '../../support/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const snapshot = (atMs: number): LiveSnapshot => ({
  sessionId: 's1', atMs, lastBar: {symbol: 'BTC/USDT:USDT', openTime: atMs - 60_000, close: 93_000}, positions: [{symbol: 'BTC/USDT:USDT', qty: 0.003, entryPrice: 92_500}],
  equity: 10_012.5, tradingState: 'active', breaker: 'CLOSED', killSwitch: {engaged: false, reason: null},
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Redis live snapshot, heartbeat and commands', () => {
  it('publishes the snapshot and a heartbeat with a TTL; with Redis stopped it degrades without throwing, and recovers', async () => {
    const prefix = `iftb-test-${randomBytes(4).toString('hex')}:`;
    const publisher = new RedisSnapshotPublisher(redis.url, {prefix, heartbeatMs: 100});
    const probe = new Redis(redis.url, {lazyConnect: true});
    probe.on('error', () => undefined);
    try {
      await until(async () => (publisher.publish(snapshot(1)), publisher.health().state === 'ok' && publisher.health().detail !== 'no write yet'));
      publisher.startHeartbeat('s1');
      await probe.connect();
      await until(async () => (await probe.get(`${prefix}heartbeat:s1`)) !== null);
      const ttl = await probe.pttl(`${prefix}heartbeat:s1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
      expect(JSON.parse((await probe.get(`${prefix}snapshot:s1`))!)).toEqual(snapshot(1));
      probe.disconnect();

      await redis.stop();
      const started = Date.now();
      for (let i = 0; i < 20; i++) expect(() => publisher.publish(snapshot(2 + i))).not.toThrow();
      expect(Date.now() - started).toBeLessThan(100); // never blocks the bar loop
      await until(() => publisher.health().state === 'degraded');
      expect(publisher.health().detail).toMatch(/not written/);

      await redis.start();
      await until(() => (publisher.publish(snapshot(99)), publisher.health().state === 'ok'), 10_000);
    } finally {
      probe.disconnect();
      await publisher.close();
    }
  });

  it('delivers operator commands from any replica to the bot, once per commandId', async () => {
    const prefix = `iftb-test-${randomBytes(4).toString('hex')}:`;
    const botSide = new RedisSessionCommandBus(redis.url, {prefix});
    const replicaA = new RedisSessionCommandBus(redis.url, {prefix});
    const replicaB = new RedisSessionCommandBus(redis.url, {prefix});
    const got: SessionCommand[] = [];
    try {
      const command: SessionCommand = {commandId: 'c-1', kind: 'kill-switch', reason: '긴급', by: 'api', receivedMs: 5, appliedBeforeBarMs: null, outcome: null};
      expect(await replicaA.send('s1', command)).toBe(0); // nobody listens yet: the API can say so
      const sub = await botSide.subscribe('s1', (c) => got.push(c));
      expect(await replicaA.send('s1', command)).toBe(1);
      expect(await replicaB.send('s1', command)).toBe(1);
      expect(await replicaB.send('s1', {...command, commandId: 'c-2', kind: 'pause'})).toBe(1);
      await until(() => got.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(got.map((c) => c.commandId)).toEqual(['c-1', 'c-2']);
      await sub.close();
    } finally {
      await Promise.all([botSide.close(), replicaA.close(), replicaB.close()]);
    }
  });
});
