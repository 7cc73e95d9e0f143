/**
 * The LLM source of a paper or live session: its wiring per symbol (the session's stores as the
 * prompt context and answer record, the endpoint, the bar deadline), the prompt history it needs
 * in the store, and the headline feeds it reads. See src/signals/llm/live.ts for the behaviour.
 *
 * Where things live: llm_answers and news_items belong with the session's market data. On DuckDB
 * (the default) that is the session's file. PostgreSQL has no such tables yet: a session on it
 * whose strategy calls an LLM, or that polls feeds, is refused at start.
 */
import type {LlmEndpoint} from '../adapters/openai/index.js';
import {type Analyzer, barColumnsFromBars, ErrorCode, type ExchangeClient, IftbError, type LlmClient, type SymbolId, timeframeMs} from '../core/index.js';
import {DEFAULT_SNAPSHOT, isLlmAnalyzer, type LlmBudget} from '../signals/llm/index.js';
import type {LiveConfig} from './live-config.js';
import {fetchClosedBars} from './live-data.js';
import type {LlmWiring} from './llm-runtime.js';
import {NewsFeedPoller} from './news-feeds.js';
import type {StateStores} from './state-stores.js';

export interface LiveLlmDeps {
  readonly stores: StateStores;
  /** From IFTB_LLM_BASE_URL / OPENAI_API_KEY; null or absent: none. */
  readonly endpoint?: LlmEndpoint | null;
  /** A ready client (tests); wins over `endpoint`. */
  readonly client?: LlmClient;
  /** Exchange time (headline arrivals are stamped with it, like bar closes). */
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export interface LiveLlm {
  /** The wiring of one symbol's LLM source. */
  wiring(symbol: SymbolId): Partial<LlmWiring>;
  /** The session the rows are stored under, once its record exists (before the first prepare). */
  bind(sessionId: string): void;
  /** Headline feeds (started by the runner, closed with the session); null when none is configured. */
  readonly news: NewsFeedPoller | null;
  /** How long a decision waits for the bar's answer. */
  readonly deadlineMs: number;
}

/**
 * The bar deadline: min(llm.timeoutMs, live.llmDeadlineFraction × the timeframe). The decision of
 * a bar waits at most this long, so the order path is never held past the bar (a 1m bar with the
 * defaults waits at most 10 s, a 1h bar at most llm.timeoutMs); the HTTP request itself may run
 * to llm.timeoutMs, its late answer stored but unused.
 */
export function liveLlmDeadlineMs(config: LiveConfig): number {
  return Math.max(1, Math.min(config.trading.llm.timeoutMs, Math.floor(config.live.llmDeadlineFraction * timeframeMs(config.trading.timeframe))));
}

export function liveLlm(config: LiveConfig, deps: LiveLlmDeps): LiveLlm {
  const {stores} = deps;
  const {trading, live} = config;
  let sessionId: string | null = null;
  const stored = stores.llm;
  const feeds = config.news?.feeds ?? [];
  const news = feeds.length > 0 && stored !== undefined ? new NewsFeedPoller(feeds, stored.news, {now: deps.now, log: deps.log}) : null;
  const deadlineMs = liveLlmDeadlineMs(config);
  const shared: {budget: LlmBudget | null} = {budget: null};
  return {
    news,
    deadlineMs,
    bind(id) {
      sessionId = id;
    },
    wiring(symbol) {
      // replay/off: as before, nothing recorded is read for live bars (a later recording must not change a restart's replay).
      if (stored === undefined || trading.llm.mode !== 'call') return {};
      const key = {exchange: trading.exchange, symbol, timeframe: trading.timeframe};
      return {
        answers: stored.answers,
        endpoint: deps.endpoint ?? null,
        ...(deps.client === undefined ? {} : {client: deps.client}),
        context: {
          bars: (range) => stores.marketData.readBars(key, range),
          funding: async (range) => {
            const rates = await stores.marketData.readFunding(trading.exchange, symbol, range);
            return rates.length > 0 ? rates : null;
          },
          news: (range) => stored.news.read(symbol, range),
        },
        live: {
          sessionId: () => {
            if (sessionId === null) throw new IftbError(ErrorCode.CONFIG_INVALID, 'the LLM source was prepared before the session record existed');
            return sessionId;
          },
          deadlineMs,
          everyBars: live.llmEveryBars,
          storedJournal: () => stores.sessions.journal(sessionId!),
          shared,
          ...(news === null ? {} : {settle: () => news.settle()}),
        },
      };
    },
  };
}

/** Refusals at start, before anything is stored: what a session on this store, with this environment, cannot do. */
export function refuseUnsupportedLlm(config: LiveConfig, stores: StateStores, analyzers: readonly Analyzer[], hasEndpoint = true): void {
  const calls = config.trading.llm.mode === 'call' && analyzers.some(isLlmAnalyzer);
  const feeds = (config.news?.feeds.length ?? 0) > 0;
  if (calls && !hasEndpoint) {
    throw new IftbError(ErrorCode.LLM_UNAVAILABLE, 'llm.mode call needs an LLM endpoint: set IFTB_LLM_BASE_URL (any OpenAI-compatible server) and/or OPENAI_API_KEY in the environment or .env');
  }
  if (stores.llm !== undefined || (!calls && !feeds)) return;
  throw new IftbError(ErrorCode.CONFIG_INVALID, `${calls ? 'llm.mode call' : 'news feeds'} in a session needs the DuckDB store (llm_answers and news_items are not in PostgreSQL yet): run this bot on --db, or set llm.mode replay and drop \`news\``);
}

/**
 * Prompts are built from the store's history (DEFAULT_SNAPSHOT.historyBars before each bar), as
 * `iftb llm record` builds them: the bars before the session's warm-up are fetched into the store
 * once, so the first prompts have the same history an offline rebuild will read.
 */
export async function backfillPromptHistory(config: LiveConfig, stores: StateStores, client: ExchangeClient, symbols: readonly SymbolId[], firstBarMs: number, nowMs: number): Promise<void> {
  const {trading} = config;
  const tf = timeframeMs(trading.timeframe);
  const fromMs = firstBarMs - DEFAULT_SNAPSHOT.historyBars * tf;
  for (const symbol of symbols) {
    const key = {exchange: trading.exchange, symbol, timeframe: trading.timeframe};
    const have = await stores.marketData.readBars(key, {fromMs, toMs: firstBarMs});
    if (have.length >= DEFAULT_SNAPSHOT.historyBars) continue;
    const until = have.length > 0 ? have.openTime[0] : Math.min(firstBarMs, nowMs);
    const fetched = await fetchClosedBars(client, symbol, trading.timeframe, fromMs, until);
    if (fetched.length === 0) continue;
    await stores.marketData.appendBars(key, barColumnsFromBars(fetched));
  }
}
