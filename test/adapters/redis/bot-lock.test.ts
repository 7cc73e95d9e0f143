import {type ChildProcess, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RedisBotLock} from '../../../src/adapters/redis/index.js';
import {ErrorCode} from '../../../src/core/index.js';
import {REPO_ROOT, tempDir} from '../../support/candle-files.js';
import {startTestRedis, type TestRedis} from '../../support/redis-server.js';

const KEY = {exchange: 'binanceusdm', accountId: 'acct-1', symbol: 'BTC/USDT:USDT'};
const TTL = 1500;
let redis: TestRedis;
let script: string;

beforeAll(async () => {
  redis = await startTestRedis();
  // A bot as a real process: takes the lock with the built adapter and holds it (npm test builds first).
  script = join(tempDir('iftb-lock-'), 'holder.mjs');
  const lib = pathToFileURL(join(REPO_ROOT, 'dist/src/adapters/redis/index.js')).href;
  writeFileSync(script, `
    import {RedisBotLock} from ${JSON.stringify(lib)};
    const [url, prefix, retry] = process.argv.slice(2);
    const lock = new RedisBotLock(url, {prefix, ttlMs: ${TTL}});
    for (;;) {
      try {
        await lock.acquire(${JSON.stringify(KEY)}, {onLost: (reason) => console.log('LOST ' + reason)});
        console.log('ACQUIRED ' + Date.now());
        break;
      } catch (error) {
        if (retry !== 'retry') { console.log('REFUSED ' + error.code + ' ' + error.message); process.exit(3); }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    setInterval(() => {}, 1000);
  `);
});
afterAll(async () => {
  await redis?.stop();
});

function holder(prefix: string, retry = false): {child: ChildProcess; line: Promise<string>} {
  const child = spawn(process.execPath, [script, redis.url, prefix, retry ? 'retry' : 'once'], {stdio: ['ignore', 'pipe', 'inherit']});
  const line = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
  });
  return {child, line};
}

describe('RedisBotLock: one bot per account+symbol', () => {
  it('a second process refuses; after kill -9 of the first, a third takes over only once the lock expired', async () => {
    const prefix = `iftb-test-${randomBytes(4).toString('hex')}:`;
    const first = holder(prefix);
    try {
      expect(await first.line).toMatch(/^ACQUIRED/);
      await new Promise((resolve) => setTimeout(resolve, TTL)); // several renewals: the lock outlives its first TTL
      const secondLine = await holder(prefix).line;
      expect(secondLine).toMatch(new RegExp(`^REFUSED ${ErrorCode.BOT_LOCKED} another bot holds binanceusdm:acct-1:BTC/USDT:USDT`));
      const probe = new Redis(redis.url);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      const remaining = await probe.pttl(`${prefix}lock:binanceusdm:acct-1:BTC/USDT:USDT`);
      probe.disconnect();
      expect(remaining).toBeGreaterThan(0);
      const third = holder(prefix, true);
      try {
        const took = Number((await third.line).split(' ')[1]);
        expect(took - killedAt).toBeGreaterThanOrEqual(remaining - 50);
        expect(took - killedAt).toBeLessThan(TTL + 1000);
      } finally {
        third.child.kill('SIGKILL');
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  it('tells the holder it lost the lock when another took it, and releases only its own', async () => {
    const prefix = `iftb-test-${randomBytes(4).toString('hex')}:`;
    const lock = new RedisBotLock(redis.url, {prefix, ttlMs: 300});
    const losses: string[] = [];
    try {
      const handle = await lock.acquire(KEY, {onLost: (reason) => losses.push(reason)});
      const probe = new Redis(redis.url);
      await probe.set(`${prefix}lock:binanceusdm:acct-1:BTC/USDT:USDT`, 'intruder', 'PX', 5000);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(losses).toEqual(['taken']);
      expect(handle.held()).toBe(false);
      await handle.release();
      expect(await probe.get(`${prefix}lock:binanceusdm:acct-1:BTC/USDT:USDT`)).toBe('intruder');
      probe.disconnect();
    } finally {
      await lock.close();
    }
  });
});
