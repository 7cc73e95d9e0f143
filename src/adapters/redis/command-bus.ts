import type {Redis} from 'ioredis';
import {z} from 'zod';
import type {SessionCommand, SessionCommandBus} from '../../core/index.js';
import {connectRedis, ready, type RedisOptions} from './connection.js';

const KINDS = ['kill-switch', 'deactivate-kill-switch', 'force-deactivate-kill-switch', 'pause', 'resume', 'reset-breaker', 'close-all', 'reload-model'] as const;
const commandSchema = z.object({
  commandId: z.string().min(1).max(200),
  kind: z.enum(KINDS),
  reason: z.string().max(2000),
  by: z.string().max(200),
  receivedMs: z.number().int(),
  appliedBeforeBarMs: z.null(),
  outcome: z.null(),
});

/**
 * Operator commands over Redis pub/sub (`<prefix>commands:<session>`), so any API replica reaches
 * the one bot running a session. Pub/sub keeps nothing: a command sent while no bot listens
 * reaches nobody and send() says so (0 receivers); the bot stores each one it receives in its
 * SessionStore, which stays the record. Delivered at most once per commandId per subscription.
 */
export class RedisSessionCommandBus implements SessionCommandBus {
  readonly #publisher: Redis;
  readonly #url: string;
  readonly #prefix: string;
  readonly #subscribers = new Set<Redis>();

  constructor(url: string, options: RedisOptions = {}) {
    this.#url = url;
    this.#prefix = options.prefix ?? 'iftb:';
    this.#publisher = connectRedis(url);
  }

  async send(sessionId: string, command: SessionCommand): Promise<number> {
    await ready(this.#publisher);
    return this.#publisher.publish(this.#channel(sessionId), JSON.stringify(commandSchema.parse(command)));
  }

  async subscribe(sessionId: string, onCommand: (command: SessionCommand) => void): Promise<{close(): Promise<void>}> {
    const subscriber = connectRedis(this.#url);
    this.#subscribers.add(subscriber);
    const seen = new Set<string>();
    const channel = this.#channel(sessionId);
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      let parsed: SessionCommand;
      try {
        parsed = commandSchema.parse(JSON.parse(message));
      } catch {
        return; // not a command of ours: ignored, never thrown into the bot
      }
      if (seen.has(parsed.commandId)) return;
      seen.add(parsed.commandId);
      onCommand(parsed);
    });
    await ready(subscriber);
    await subscriber.subscribe(channel); // ioredis re-subscribes by itself after a reconnect
    return {
      close: async () => {
        this.#subscribers.delete(subscriber);
        subscriber.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    for (const s of this.#subscribers) s.disconnect();
    this.#subscribers.clear();
    this.#publisher.disconnect();
  }

  #channel(sessionId: string): string {
    return `${this.#prefix}commands:${sessionId}`;
  }
}
