/**
 * A paper session with --redis (a private redis-server the test stops): a snapshot per bar and a
 * heartbeat for API replicas, operator commands over the bus into the loop, and Redis stopping
 * mid-session: the bot trades on (its store is the truth), the lock it can no longer renew puts
 * trading into reducing, the publisher reports degraded and recovers when Redis is back.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Redis} from 'ioredis';
import {afterEach, describe, expect, it} from 'vitest';
import {RedisSessionCommandBus} from '../../../src/adapters/redis/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import type {Bar, LiveSnapshot} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {startTestRedis, type TestRedis} from '../../support/redis-server.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const CONFIG = SMA_CROSS_1M;

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the Redis window of a running session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  let redis: TestRedis | null = null;
  let reader: Redis | null = null;
  let bus: RedisSessionCommandBus | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await bus?.close();
    reader?.disconnect();
    await exchange?.close();
    await redis?.stop();
    handle = null;
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('publishes a snapshot per bar and a heartbeat, takes commands from the bus, and survives Redis stopping', async () => {
    redis = await startTestRedis();
    const prefix = `iftbtest${process.pid}:`;
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 20);
    dir = mkdtempSync(join(tmpdir(), 'iftb-redis-'));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl};
    const lines: string[] = [];
    handle = await startLive(parseLiveConfig({...CONFIG, live: {pollGraceMs: 60_000}}), {db: join(dir, 'bot.duckdb'), env, redis: redis.url, redisPrefix: prefix, lockTtlMs: 1500, log: (l) => lines.push(l)});
    const h = handle;
    const sessionId = h.session.session.sessionId;
    reader = new Redis(redis.url, {lazyConnect: false, maxRetriesPerRequest: 1});
    reader.on('error', () => undefined); // the test stops the server on purpose
    const snapshot = async () => {
      const json = await reader!.get(`${prefix}snapshot:${sessionId}`).catch(() => null);
      return json === null ? null : (JSON.parse(json) as LiveSnapshot);
    };
    const step = async (bar: Bar) => {
      exchange!.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => h.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
    };
    const future = all.slice(HISTORY);
    for (const bar of future.slice(0, 3)) await step(bar);
    await waitFor(async () => (await snapshot())?.lastBar?.openTime === future[2].openTime, 'the snapshot of the last bar');
    expect(await snapshot()).toMatchObject({sessionId, tradingState: 'active', breaker: 'CLOSED', killSwitch: {engaged: false}, lastBar: {symbol: 'BTC/USDT:USDT', close: future[2].close}});
    expect(Number(await reader.get(`${prefix}heartbeat:${sessionId}`))).toBeGreaterThan(0);
    expect(await reader.pttl(`${prefix}heartbeat:${sessionId}`)).toBeGreaterThan(0);

    // An API replica pauses the bot over the bus; the same command id delivered again is applied once.
    bus = new RedisSessionCommandBus(redis.url, {prefix});
    const pause = {commandId: 'api-1', kind: 'pause' as const, reason: 'maintenance', by: 'api', receivedMs: Date.now(), appliedBeforeBarMs: null, outcome: null};
    expect(await bus.send(sessionId, pause)).toBe(1);
    await waitFor(() => h.session.parts.gate.status().paused, 'the pause to apply');
    await waitFor(async () => (await snapshot())?.tradingState === h.session.parts.gate.status().state && h.session.parts.gate.status().state !== 'active', 'the snapshot to show it');
    await bus.send(sessionId, pause);
    await step(future[3]);
    expect(lines.filter((l) => /command pause from api: ok/.test(l))).toHaveLength(1);
    await bus.send(sessionId, {...pause, commandId: 'api-2', kind: 'resume', reason: 'done'});
    await waitFor(() => !h.session.parts.gate.status().paused && h.session.parts.gate.status().state === 'active', 'the resume to apply');

    // Redis goes away: bars are still decided; the lock cannot be renewed, so no new exposure.
    await redis.stop();
    await waitFor(() => lines.some((l) => /lost the bot lock/.test(l)), 'the lock to be lost', 15_000);
    for (const bar of future.slice(4, 7)) await step(bar);
    expect(h.session.parts.gate.status().state).toBe('reducing');
    expect(h.session.parts.gate.status().restrictions['bot-lock']).toBe('reducing');
    expect(h.loop.journal.some((e) => e.type === 'state' && e.to === 'reducing' && e.cause === 'bot-lock')).toBe(true);

    // Back: the snapshots flow again (the lost lock stays lost until a restart takes it again).
    await redis.start();
    // Reconnecting takes the clients a moment (backoff): the bars go on until a snapshot of the latest one lands.
    let landed: LiveSnapshot | null = null;
    for (const bar of future.slice(7)) {
      await step(bar);
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && landed === null) {
        const seen = await snapshot();
        if (seen?.lastBar?.openTime === bar.openTime) landed = seen;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (landed !== null) break;
    }
    expect(landed).not.toBeNull();
    expect(landed?.tradingState).toBe('reducing');
  });
});
