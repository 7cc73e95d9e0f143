import type {Redis} from 'ioredis';
import type {LiveSnapshot, PublisherHealth, SnapshotPublisher} from '../../core/index.js';
import {connectRedis, type RedisOptions} from './connection.js';

export interface RedisSnapshotPublisherOptions extends RedisOptions {
  /** Heartbeat refresh interval (default 5 s); the key lives 3 intervals. */
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

/**
 * Publishes the bot's live snapshot to Redis (key `<prefix>snapshot:<session>` plus channel
 * `<prefix>snapshots`) and keeps `<prefix>heartbeat:<session>` alive with a TTL. Redis is a
 * window, never the source of truth: every call returns at once, failures only turn health() to
 * 'degraded' (and back to 'ok' on the next write that lands).
 */
export class RedisSnapshotPublisher implements SnapshotPublisher {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  #health: PublisherHealth;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string, options: RedisSnapshotPublisherOptions = {}) {
    this.#redis = connectRedis(url);
    this.#prefix = options.prefix ?? 'iftb:';
    this.#heartbeatMs = options.heartbeatMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#health = {state: 'ok', detail: 'no write yet', sinceMs: this.#now()};
  }

  publish(snapshot: LiveSnapshot): void {
    const json = JSON.stringify(snapshot);
    this.#track(
      this.#redis
        .multi()
        .set(`${this.#prefix}snapshot:${snapshot.sessionId}`, json)
        .publish(`${this.#prefix}snapshots`, json)
        .exec(),
      'snapshot',
    );
  }

  startHeartbeat(sessionId: string): void {
    if (this.#timer) clearInterval(this.#timer);
    const beat = () =>
      this.#track(this.#redis.set(`${this.#prefix}heartbeat:${sessionId}`, String(this.#now()), 'PX', this.#heartbeatMs * 3), 'heartbeat');
    beat();
    this.#timer = setInterval(beat, this.#heartbeatMs);
    this.#timer.unref();
  }

  health(): PublisherHealth {
    return this.#health;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#redis.disconnect();
  }

  #track(write: Promise<unknown>, what: string): void {
    write.then(
      (result) => {
        // MULTI replies carry per-command errors instead of rejecting.
        const failed = Array.isArray(result) ? result.find(([error]) => error) : undefined;
        if (failed) return this.#set('degraded', `${what}: ${(failed[0] as Error).message}`);
        if (this.#health.state !== 'ok' || this.#health.detail === 'no write yet') this.#set('ok', `${what} written`);
      },
      (error: Error) => this.#set('degraded', `${what} not written: ${error.message}`),
    );
  }

  #set(state: PublisherHealth['state'], detail: string): void {
    this.#health = {state, detail, sinceMs: state === this.#health.state ? this.#health.sinceMs : this.#now()};
  }
}
