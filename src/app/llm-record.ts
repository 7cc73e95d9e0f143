/**
 * `iftb llm record`: asks the endpoint about a range of bars ahead of backtests and stores every
 * request and answer. Resumable: a bar whose exact request (same prompt, model and request hash)
 * already has an ok answer is skipped, so an interrupted or budget-stopped recording continues
 * where it left off when run again.
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {
  type Analyzer,
  ErrorCode,
  IftbError,
  type ProgressSink,
  SILENT_PROGRESS,
  timeframeMs,
} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {loadStrategy, parseParams, type StrategyKit} from '../decision/index.js';
import {
  askAll,
  buildLlmRequest,
  DEFAULT_SNAPSHOT,
  LlmBudget,
  LlmRequester,
  marketSnapshot,
  modelInfo,
  percentile,
  prepareRequest,
  promptTemplate,
} from '../signals/llm/index.js';
import {adx, atr, bollingerPercentB, createTaAnalyzer, ema, rsi, sma} from '../signals/ta/index.js';
import {unavailableAnalyzer} from '../signals/unavailable-analyzer.js';
import {BacktestConfigSchema} from './backtest-config.js';
import {clientFor, type LlmWiring, promptReadings, storeLlmWiring} from './llm-runtime.js';

export interface LlmRecordRequest {
  /** Backtest-style config: strategy, params, exchange, symbol, timeframe, fromMs, toMs (both required), llm. */
  readonly config: unknown;
  /** Ask about every Nth bar (aligned to the epoch, so ranges recorded separately line up). */
  readonly every?: number;
  readonly progress?: ProgressSink;
  /** Endpoint (or a ready client); answers and context come from the store. */
  readonly llm?: Partial<LlmWiring>;
}

export interface LlmRecordReport {
  readonly promptIds: readonly string[];
  readonly model: string;
  readonly endpoint: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly every: number;
  /** Bar × prompt pairs in the range. */
  readonly targets: number;
  readonly alreadyRecorded: number;
  readonly ok: number;
  readonly invalid: number;
  readonly errors: number;
  /** Left unasked: the budget ran out or calling stopped. */
  readonly notAsked: number;
  readonly calls: number;
  readonly failedCalls: number;
  readonly tokens: {readonly prompt: number; readonly completion: number; readonly total: number};
  readonly costUsd: number;
  readonly latencyMsP50: number | null;
  readonly latencyMsP95: number | null;
  /** Why recording stopped early, null if it did not. */
  readonly stopped: string | null;
  readonly stoppedBy: 'budget' | 'failures' | null;
}

/** The LLM prompt ids a strategy reads, from its setup with a kit that builds nothing heavy. */
export function llmPromptIds(setup: (kit: StrategyKit) => {analyzers?: readonly Analyzer[]}): string[] {
  const ids: string[] = [];
  const kit: StrategyKit = {
    ta: {sma, ema, rsi, atr, adx, bollingerPercentB, composite: (options) => createTaAnalyzer(options ?? {})},
    ml: {model: (ref) => unavailableAnalyzer(`ml.${ref}`, 'ml', 'not used while recording')},
    llm: {
      read: (promptId) => {
        promptTemplate(promptId);
        ids.push(promptId);
        return unavailableAnalyzer(`llm.${promptId}`, 'llm', 'recording');
      },
    },
  };
  setup(kit);
  return [...new Set(ids)];
}

export async function recordLlmAnswers(store: DuckDbStore, request: LlmRecordRequest): Promise<LlmRecordReport> {
  const config = parseConfig(BacktestConfigSchema, request.config, 'llm record config');
  const every = request.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new IftbError(ErrorCode.INPUT_INVALID, `--every must be a whole number ≥ 1, got ${every}`);
  if (config.fromMs === undefined || config.toMs === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, 'llm record needs --from and --to');
  const strategy = await loadStrategy(config.strategy);
  const params = parseParams(strategy, config.params);
  const promptIds = llmPromptIds((kit) => strategy.setup(params, kit));
  if (promptIds.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, `strategy ${strategy.name} has no LLM source (kit.llm.read): nothing to record`);

  const llm = config.llm;
  const wiring = {...storeLlmWiring(store, config, request.llm?.endpoint ?? null), ...request.llm};
  const client = clientFor(wiring, llm);
  if (client === null) {
    throw new IftbError(ErrorCode.LLM_UNAVAILABLE, 'no LLM endpoint configured: set IFTB_LLM_BASE_URL (any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1) and/or OPENAI_API_KEY, in the environment or .env');
  }

  const tf = timeframeMs(config.timeframe);
  const snapshot = {...DEFAULT_SNAPSHOT, symbol: config.symbol, timeframe: config.timeframe, timeframeMs: tf, readings: promptReadings};
  const key = {exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe};
  const bars = await store.marketData.readBars(key, {fromMs: config.fromMs - snapshot.historyBars * tf, toMs: config.toMs});
  const targets: number[] = [];
  for (let i = 0; i < bars.length; i++) {
    const open = bars.openTime[i];
    if (open >= config.fromMs && Math.round((open + tf) / tf) % every === 0) targets.push(i);
  }
  if (targets.length === 0) {
    throw new IftbError(ErrorCode.DATA_MISSING, `no ${config.symbol} ${config.timeframe} candles stored in the requested range (see \`iftb data list\`)`);
  }
  const closeOf = (i: number) => bars.openTime[i] + tf;
  const firstClose = closeOf(targets[0]);
  const lastClose = closeOf(targets[targets.length - 1]);
  const context = wiring.context!;
  const funding = await context.funding({fromMs: firstClose - snapshot.fundingMaxAgeMs, toMs: lastClose + 1});
  const news = await context.news({fromMs: firstClose - snapshot.newsLookbackMs, toMs: lastClose + 1});

  const info = modelInfo(llm.models, llm.model);
  const budget = new LlmBudget(llm.maxCalls, llm.budgetUsd, info !== null);
  const progress = request.progress ?? SILENT_PROGRESS;
  const counts = {alreadyRecorded: 0, ok: 0, invalid: 0, errors: 0, notAsked: 0, failedCalls: 0, prompt: 0, completion: 0, cost: 0};
  const latencies: number[] = [];
  let stopped: string | null = null;
  let stoppedBy: LlmRecordReport['stoppedBy'] = null;
  let done = 0;
  progress.start(targets.length * promptIds.length, `llm record ${llm.model} ${config.symbol} ${config.timeframe}`);
  try {
    for (const promptId of promptIds) {
      const seriesKey = {...key, promptId, model: llm.model};
      const answered = wiring.answers ? await wiring.answers.answeredRequests(seriesKey, firstClose, lastClose) : new Set<string>();
      const requester = new LlmRequester({client, store: wiring.answers, key: seriesKey, model: info, budget});
      const template = promptTemplate(promptId);
      const tasks = targets.map((index) => ({index, barCloseMs: closeOf(index)}));
      const tick = () => progress.update(++done);
      const result = await askAll(requester, tasks, {
        concurrency: llm.concurrency,
        maxConsecutiveFailures: llm.maxConsecutiveFailures,
        prepare: (t) => {
          const prepared = prepareRequest(buildLlmRequest(template, marketSnapshot(bars, t.index, snapshot, funding, news), llm.model, llm.temperature));
          return answered.has(`${t.barCloseMs}:${prepared.requestHash}`) ? null : prepared;
        },
        onSkip: () => {
          counts.alreadyRecorded++;
          tick();
        },
        onOutcome: (_t, outcome) => {
          if (outcome.status === 'ok') {
            counts.ok++;
            latencies.push(outcome.latencyMs);
          } else if (outcome.status === 'invalid') counts.invalid++;
          else if (outcome.status === 'error') counts.errors++;
          else counts.notAsked++;
          counts.failedCalls += outcome.errors;
          counts.prompt += outcome.promptTokens;
          counts.completion += outcome.completionTokens;
          counts.cost += outcome.costUsd;
          tick();
        },
      });
      if (result.stopped !== null) {
        stopped = result.stopped;
        stoppedBy = result.stopped.startsWith('LLM budget') ? 'budget' : 'failures';
        counts.notAsked += tasks.length - result.stoppedAt;
        const rest = promptIds.slice(promptIds.indexOf(promptId) + 1).length;
        counts.notAsked += rest * targets.length;
        break;
      }
    }
  } finally {
    progress.stop();
  }
  latencies.sort((a, b) => a - b);
  return {
    promptIds, model: llm.model, endpoint: client.endpoint, symbol: config.symbol, timeframe: config.timeframe,
    fromMs: config.fromMs, toMs: config.toMs, every, targets: targets.length * promptIds.length,
    alreadyRecorded: counts.alreadyRecorded, ok: counts.ok, invalid: counts.invalid, errors: counts.errors, notAsked: counts.notAsked,
    calls: budget.calls, failedCalls: counts.failedCalls,
    tokens: {prompt: counts.prompt, completion: counts.completion, total: counts.prompt + counts.completion},
    costUsd: counts.cost, latencyMsP50: percentile(latencies, 0.5), latencyMsP95: percentile(latencies, 0.95), stopped, stoppedBy,
  };
}
