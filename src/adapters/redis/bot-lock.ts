import {randomUUID} from 'node:crypto';
import {hostname} from 'node:os';
import type {Redis} from 'ioredis';
import {type BotLock, type BotLockHandle, type BotLockKey, botLockName, type BotLockOptions, ErrorCode, IftbError} from '../../core/index.js';
import {connectRedis, ready, type RedisOptions} from './connection.js';

// Extend only while the key still holds our token; delete only our own lock.
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisBotLockOptions extends RedisOptions {
  /** Lock lifetime without renewal (default 15 s): how long a killed bot blocks a successor. */
  readonly ttlMs?: number;
}

/**
 * The bot lock over Redis: SET NX PX, renewed every ttl/3 by compare-and-extend, released by
 * compare-and-delete. A bot that cannot renew (Redis down) treats the lock as lost once its TTL
 * has run out since the last renewal, because another bot may take it then.
 */
export class RedisBotLock implements BotLock {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #handles = new Set<BotLockHandle>();

  constructor(url: string, options: RedisBotLockOptions = {}) {
    this.#redis = connectRedis(url);
    this.#prefix = options.prefix ?? 'iftb:';
    this.#ttlMs = options.ttlMs ?? 15_000;
  }

  async acquire(key: BotLockKey, options: BotLockOptions): Promise<BotLockHandle> {
    const name = `${this.#prefix}lock:${botLockName(key)}`;
    const token = `${hostname()}:${process.pid}:${randomUUID()}`;
    try {
      await ready(this.#redis);
    } catch (error) {
      throw new IftbError(ErrorCode.STORE_FAILED, `cannot take the bot lock ${botLockName(key)}: ${(error as Error).message}`, {retryable: true, cause: error});
    }
    const ok = await this.#redis.set(name, token, 'PX', this.#ttlMs, 'NX');
    if (ok !== 'OK') {
      const [holder, ttl] = await Promise.all([this.#redis.get(name), this.#redis.pttl(name)]);
      throw new IftbError(ErrorCode.BOT_LOCKED,
        `another bot holds ${botLockName(key)} (${holder ?? 'unknown'}, lock expires in ${Math.max(0, ttl)} ms unless renewed); refusing to trade it twice`);
    }
    let held = true;
    let renewedAt = Date.now();
    const lose = (reason: 'taken' | 'expired', detail: string) => {
      if (!held) return;
      held = false;
      clearInterval(timer);
      this.#handles.delete(handle);
      options.onLost(reason, detail);
    };
    const renew = async () => {
      try {
        const extended = await this.#redis.eval(EXTEND, 1, name, token, String(this.#ttlMs));
        if (Number(extended) === 1) renewedAt = Date.now();
        else lose('taken', `lock ${name} expired or was taken by another bot`);
      } catch (error) {
        // Give up before the key can expire: a successor may take it the moment it does.
        if (Date.now() - renewedAt >= (this.#ttlMs * 2) / 3) lose('expired', `could not renew ${name} for ${this.#ttlMs} ms: ${(error as Error).message}`);
      }
    };
    const timer = setInterval(() => void renew(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    timer.unref();
    const handle: BotLockHandle = {
      key,
      token,
      held: () => held,
      release: async () => {
        if (!held) return;
        held = false;
        clearInterval(timer);
        this.#handles.delete(handle);
        await this.#redis.eval(RELEASE, 1, name, token).catch(() => undefined);
      },
    };
    this.#handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#handles].map((h) => h.release()));
    this.#redis.disconnect();
  }
}
