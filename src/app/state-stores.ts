import {DEFAULT_DB_PATH, type DuckDbNewsStore, DuckDbStore} from '../adapters/duckdb/index.js';
import {FileBotLock} from '../adapters/duckdb/bot-lock.js';
import {PgStore, redactUrl} from '../adapters/postgres/index.js';
import {RedisBotLock, RedisSessionCommandBus, RedisSnapshotPublisher} from '../adapters/redis/index.js';
import type {BotLock, InstrumentStore, KillSwitchRepository, LlmAnswerStore, MarketDataStore, RunStore, SessionCommandBus, SessionStore, SnapshotPublisher} from '../core/index.js';

export type StoreTarget = {readonly kind: 'duckdb'; readonly path: string} | {readonly kind: 'postgres'; readonly url: string};

export interface StateStoreOptions {
  /** `--store`: a postgres:// URL (or a DuckDB path); falls back to IFTB_DATABASE_URL, then to the DuckDB file. */
  readonly store?: string;
  /** `--db`: the DuckDB file when no PostgreSQL URL is given. */
  readonly db?: string;
  /** `--redis`: falls back to IFTB_REDIS_URL; none by default. */
  readonly redis?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Key prefix in Redis (default 'iftb:'). */
  readonly redisPrefix?: string;
  /** Redis lock TTL (default 15 s). */
  readonly lockTtlMs?: number;
}

/** Everything a running bot keeps: the ports the live runner is wired with. */
export interface StateStores {
  readonly kind: 'duckdb' | 'postgres';
  /** Where the state lives, safe to print (no password). */
  readonly location: string;
  readonly runs: RunStore;
  readonly sessions: SessionStore;
  readonly killSwitch: KillSwitchRepository;
  readonly marketData: MarketDataStore;
  /** Redis when configured, else a PostgreSQL advisory lock, else a lock file beside the DuckDB file. */
  readonly botLock: BotLock;
  /** Only with Redis: the live snapshot and heartbeat, and operator commands from API replicas. */
  readonly publisher: SnapshotPublisher | null;
  readonly commands: SessionCommandBus | null;
  /** Stored instrument specs (the DuckDB store's table); absent on PostgreSQL (the built-in specs). */
  readonly instruments?: InstrumentStore;
  /**
   * Where a session's LLM requests and answers (llm_answers) and polled headlines (news_items) go:
   * the session's market data store. DuckDB only: PostgreSQL has no such tables yet, so a session
   * on it cannot call an LLM or poll feeds (refused at start).
   */
  readonly llm?: {readonly answers: LlmAnswerStore; readonly news: DuckDbNewsStore};
  close(): Promise<void>;
}

const isPgUrl = (value: string) => /^postgres(ql)?:\/\//.test(value);

export function resolveStoreTarget(options: StateStoreOptions): StoreTarget {
  const env = options.env ?? process.env;
  const store = options.store ?? env.IFTB_DATABASE_URL;
  if (store && isPgUrl(store)) return {kind: 'postgres', url: store};
  return {kind: 'duckdb', path: store || options.db || env.IFTB_DB || DEFAULT_DB_PATH};
}

export function resolveRedisUrl(options: StateStoreOptions): string | null {
  return options.redis ?? (options.env ?? process.env).IFTB_REDIS_URL ?? null;
}

/** Opens the state stores a paper or live session runs on (migrating the schema if needed). */
export async function openStateStores(options: StateStoreOptions = {}): Promise<StateStores> {
  const target = resolveStoreTarget(options);
  const redisUrl = resolveRedisUrl(options);
  const redis = redisUrl === null ? null : {
    lock: new RedisBotLock(redisUrl, {prefix: options.redisPrefix, ttlMs: options.lockTtlMs}),
    publisher: new RedisSnapshotPublisher(redisUrl, {prefix: options.redisPrefix}),
    commands: new RedisSessionCommandBus(redisUrl, {prefix: options.redisPrefix}),
  };
  const closeRedis = async () => {
    await redis?.lock.close();
    await redis?.publisher.close();
    await redis?.commands.close();
  };
  try {
    if (target.kind === 'postgres') {
      const pg = await PgStore.open(target.url);
      return {
        kind: 'postgres', location: redactUrl(target.url), runs: pg.runs, sessions: pg.sessions, killSwitch: pg.killSwitch, marketData: pg.marketData,
        botLock: redis?.lock ?? pg.botLock, publisher: redis?.publisher ?? null, commands: redis?.commands ?? null,
        close: async () => {
          await closeRedis();
          await pg.close();
        },
      };
    }
    const duck = await DuckDbStore.open(target.path, {seed: false});
    const fileLock = new FileBotLock(`${target.path}.locks`);
    return {
      kind: 'duckdb', location: target.path, runs: duck.runs, sessions: duck.sessions, killSwitch: duck.killSwitch, marketData: duck.marketData,
      botLock: redis?.lock ?? fileLock, publisher: redis?.publisher ?? null, commands: redis?.commands ?? null, instruments: duck.instruments,
      llm: {answers: duck.llmAnswers, news: duck.news},
      close: async () => {
        await closeRedis();
        await fileLock.close();
        duck.close();
      },
    };
  } catch (error) {
    await closeRedis();
    throw error;
  }
}
