import {Redis} from 'ioredis';

export interface RedisOptions {
  /** Every key and channel starts with it (default 'iftb:'); tests use their own. */
  readonly prefix?: string;
}

/**
 * A connection that never queues or blocks the caller while Redis is down: commands fail at once
 * (the caller reports degraded) and ioredis reconnects in the background.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
  redis.on('error', () => undefined); // reported through the failing calls, never as an uncaught event
  return redis;
}

/** Resolves once connected (or rejects after timeoutMs); used where a command must not fail at startup. */
export async function ready(redis: Redis, timeoutMs = 3000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
