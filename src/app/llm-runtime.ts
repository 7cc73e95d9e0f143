/**
 * Composition of the LLM source: the recorded-answer store, the prompt context (candles, funding,
 * headlines) and the endpoint client, handed to strategies through kit.llm.read.
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {createOpenAiClient, type LlmEndpoint} from '../adapters/openai/index.js';
import {
  type Analyzer,
  type ExchangeId,
  type JournalSink,
  type LlmAnswerStore,
  type LlmClient,
  type PromptContextSource,
  type SymbolId,
  type Timeframe,
  timeframeMs,
} from '../core/index.js';
import {isLlmAnalyzer, LlmAnalyzer, type LiveLlmOptions, type LlmConfig, type LlmRunStats, type PromptReadings, summarizeLlmParts} from '../signals/llm/index.js';
import {adx, atr, createTaAnalyzer, ema, rsi} from '../signals/ta/index.js';
import {unavailableAnalyzer} from '../signals/unavailable-analyzer.js';

/** Where the LLM source reads recorded answers and prompt context, and what it may call. */
export interface LlmWiring {
  readonly answers: LlmAnswerStore | null;
  readonly context: PromptContextSource | null;
  /** From IFTB_LLM_BASE_URL / OPENAI_API_KEY; null: none configured. */
  readonly endpoint: LlmEndpoint | null;
  /** A ready client (tests); wins over `endpoint`. */
  readonly client?: LlmClient | null;
  /** A paper or live session: ask bar by bar within a deadline and a per-session budget. */
  readonly live?: LiveLlmOptions;
}

export const NO_LLM_WIRING: LlmWiring = {answers: null, context: null, endpoint: null};

export interface LlmMarket {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly timeframe: Timeframe;
}

/** Recorded answers and prompt context from the DuckDB store. */
export function storeLlmWiring(store: DuckDbStore, market: LlmMarket, endpoint: LlmEndpoint | null): LlmWiring {
  const key = {exchange: market.exchange, symbol: market.symbol, timeframe: market.timeframe};
  return {
    answers: store.llmAnswers,
    endpoint,
    context: {
      bars: (range) => store.marketData.readBars(key, range),
      funding: async (range) => {
        const rates = await store.marketData.readFunding(market.exchange, market.symbol, range);
        return rates.length > 0 ? rates : null;
      },
      news: (range) => store.news.read(market.symbol, range),
    },
  };
}

/** What kit.llm.read needs besides the prompt id. */
export interface LlmKitRuntime {
  readonly config: LlmConfig;
  readonly market: LlmMarket;
  readonly wiring: LlmWiring;
  readonly journal: JournalSink;
  /** Open time of the first decision bar. */
  readonly decisionFromMs: number;
  readonly strict: boolean;
}

/** The readings a market-read prompt shows: the TA composite and a few plain indicators, fresh each time. */
export function promptReadings(): PromptReadings {
  return {
    ta: createTaAnalyzer(),
    indicators: {'RSI(14)': rsi(14), 'ATR(14)': atr(14), 'ADX(14)': adx(14), 'EMA(20)': ema(20), 'EMA(50)': ema(50)},
  };
}

export function clientFor(wiring: LlmWiring, config: LlmConfig): LlmClient | null {
  if (wiring.client !== undefined) return wiring.client;
  return wiring.endpoint === null ? null : createOpenAiClient(wiring.endpoint, {timeoutMs: config.timeoutMs});
}

/** kit.llm.read: without a runtime (warm-up probes) or with llm.mode off, a source that abstains and says why. */
export function llmAnalyzer(promptId: string, runtime: LlmKitRuntime | undefined): Analyzer {
  if (runtime === undefined) return unavailableAnalyzer(`llm.${promptId}`, 'llm', 'no LLM endpoint configured: the LLM source abstains');
  const {config, market, wiring} = runtime;
  if (config.mode === 'off') return unavailableAnalyzer(`llm.${promptId}`, 'llm', 'the LLM source is off (llm.mode off)');
  return new LlmAnalyzer({
    promptId,
    config,
    market: {...market, timeframeMs: timeframeMs(market.timeframe)},
    answers: wiring.answers,
    client: clientFor(wiring, config),
    context: wiring.context,
    readings: promptReadings,
    journal: runtime.journal,
    decisionFromMs: runtime.decisionFromMs,
    strict: runtime.strict,
    ...(wiring.live === undefined ? {} : {live: wiring.live}),
  });
}

/** run.json `llm` from the strategy's analyzers; null when it has no LLM source. */
export function llmRunStats(analyzers: readonly Analyzer[]): LlmRunStats | null {
  return summarizeLlmParts(analyzers.filter(isLlmAnalyzer).map((a) => a.runPart));
}
