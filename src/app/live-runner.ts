/**
 * Starts a paper or live session and returns its handle: the composition root of `iftb live`.
 * Only here is the mode known: paper plugs the simulated venue, live the exchange (after the
 * refusals that guard real money).
 */
import {createBinanceExchangeClient, readBinanceEnvironment} from '../adapters/binance/index.js';
import {readLlmEnvironment} from '../adapters/openai/index.js';
import {ErrorCode, type ExchangeClient, IftbError} from '../core/index.js';
import type {NewsFeedPoller} from './news-feeds.js';
import {symbolEntries} from './backtest-config.js';
import {ExchangeActivity} from './exchange-activity.js';
import type {LiveConfig} from './live-config.js';
import {LiveLoop} from './live-loop.js';
import {attachRedis} from './live-redis.js';
import {composeLiveSession, type ComposedSession} from './live-session.js';
import {openStateStores, type StateStoreOptions, type StateStores} from './state-stores.js';

export interface LiveRunOptions extends StateStoreOptions {
  readonly testnet?: boolean;
  /** --confirm-live: must repeat the symbol(s) (comma-separated) before real orders are sent. */
  readonly confirmLive?: string;
  readonly modelsDir?: string;
  readonly log: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export interface LiveHandle {
  readonly session: ComposedSession;
  readonly loop: LiveLoop;
  /** REST requests and failures of the session's exchange client (metrics, alerts). */
  readonly exchange: ExchangeActivity;
  /** The exchange connection (health checks: is the venue reachable). */
  readonly client: ExchangeClient;
  /** Where the session's pinned models are resolved (reload-model). */
  readonly modelsDir?: string;
  /** KILL_SWITCH_ADMIN_KEY was given: force-deactivate can work. */
  readonly adminKeyConfigured: boolean;
  /** Stops (SIGTERM semantics) and closes every connection; resolves within the caller's deadline. */
  stop(reason: string): Promise<void>;
}

export async function startLive(config: LiveConfig, options: LiveRunOptions): Promise<LiveHandle> {
  const env = options.env ?? process.env;
  const binance = readBinanceEnvironment({testnet: options.testnet, env});
  if (config.live.mode === 'live') refuseLive(config, options, binance.credentials !== null);
  const exchange = new ExchangeActivity();
  const client: ExchangeClient = createBinanceExchangeClient({endpoints: binance.endpoints, credentials: binance.credentials, log: options.log, observer: exchange});
  let stores: StateStores | null = null;
  let news: NewsFeedPoller | null = null;
  try {
    stores = await openStateStores({...options, env});
    // The DuckDB file also holds the instrument specs; a PostgreSQL bot uses the built-in ones.
    const instruments = stores.instruments;
    if (config.live.mode === 'live') await refuseEngagedKillSwitch(stores);
    const llm = {endpoint: config.trading.llm.mode === 'call' ? readLlmEnvironment(env).endpoint : null};
    const session = await composeLiveSession(config, {stores, client, instruments, modelsDir: options.modelsDir, adminKey: env.KILL_SWITCH_ADMIN_KEY, log: options.log, llm});
    news = session.llm.news;
    await news?.start();
    const loop = new LiveLoop(session, {stores, client, instruments, modelsDir: options.modelsDir, adminKey: env.KILL_SWITCH_ADMIN_KEY, log: options.log, exchangeActivity: exchange});
    await loop.start();
    const redis = await attachRedis(session, loop, {publisher: stores.publisher, commands: stores.commands, log: options.log});
    if (config.live.mode === 'live' && session.parts.breaker.state !== 'CLOSED') {
      options.log(`warning: the circuit breaker is ${session.parts.breaker.state} after the restart replay; reset it through the API once checked`);
    }
    const opened = stores;
    return {
      session,
      loop,
      exchange,
      client,
      modelsDir: options.modelsDir,
      adminKeyConfigured: Boolean(env.KILL_SWITCH_ADMIN_KEY),
      async stop(reason: string) {
        try {
          await redis.close();
          await news?.close();
          await loop.stop(reason);
        } finally {
          await client.close();
          await opened.close();
        }
      },
    };
  } catch (error) {
    await news?.close();
    await client.close();
    await stores?.close();
    throw error;
  }
}

/** --live sends real orders: it refuses to start, with one clear line, unless everything is in place. */
function refuseLive(config: LiveConfig, options: LiveRunOptions, hasKeys: boolean): void {
  if (!hasKeys) throw new IftbError(ErrorCode.CONFIG_INVALID, '--live needs BINANCE_API_KEY and BINANCE_API_SECRET (environment or .env)');
  const symbols = symbolEntries(config.trading).map((e) => e.symbol).join(',');
  if (options.confirmLive !== symbols) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `--live sends real orders: repeat the symbols with --confirm-live ${symbols}`);
  }
}

async function refuseEngagedKillSwitch(stores: StateStores): Promise<void> {
  const latest = await stores.killSwitch.load();
  if (latest?.action === 'activate') {
    throw new IftbError(ErrorCode.KILL_SWITCH, `--live: the kill switch is engaged (since ${new Date(latest.atMs).toISOString()}, ${latest.by}: ${latest.reason}); release it first`);
  }
}
