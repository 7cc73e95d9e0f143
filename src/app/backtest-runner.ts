import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {
  type BarColumns,
  type BarSeries,
  ErrorCode,
  type FundingSeries,
  IftbError,
  type JournalEvent,
  type ProgressSink,
  SILENT_PROGRESS,
  timeframeMs,
} from '../core/index.js';
import {configHash, parseConfig} from '../config/index.js';
import {DEFAULT_WEIGHTS, loadStrategy, parseParams, type SourceWeights, type StrategyDefinition, strategySourceHash} from '../decision/index.js';
import {TradingEngine} from '../engine/trading-engine.js';
import {Ledger} from '../portfolio/ledger.js';
import {CircuitBreaker, createRiskManager, createTradingGate, KillSwitch, MemoryKillSwitchRepository} from '../risk/index.js';
import {instrumentFor, SimulatedVenue} from '../sim/index.js';
import {type BacktestConfig, BacktestConfigSchema} from './backtest-config.js';
export {BacktestConfigSchema};
import {dataHash, withAnalyzerFunding} from './data-hash.js';
import {type MlRunInfo, mlRunInfo} from './ml-run.js';
import {alignMarkBars} from './mark-alignment.js';
import {OperatorScript} from './operator-script.js';
import {guardedDecide, guardedSetup} from './strategy-guard.js';
import {createStrategyKit, type StrategyKitOptions} from './strategy-kit.js';
import {llmRunStats, type LlmWiring, NO_LLM_WIRING, storeLlmWiring} from './llm-runtime.js';
import type {LlmRunStats} from '../signals/llm/index.js';

export interface BacktestRun {
  readonly runId: string;
  readonly config: BacktestConfig;
  readonly configHash: string;
  /** What configHash hashes: the config with defaults, params, strategy version and source, models. */
  readonly resolvedConfig: Readonly<Record<string, unknown>>;
  readonly dataHash: string;
  readonly strategy: StrategyDefinition;
  readonly params: unknown;
  readonly bars: BarSeries;
  readonly funding: FundingSeries | null;
  /** First bar a decision was taken on; earlier bars only warmed indicators up. */
  readonly firstIndex: number;
  readonly engine: TradingEngine;
  readonly ledger: Ledger;
  readonly journal: readonly JournalEvent[];
  /** Ensemble weight of each source (shared equally by a source's analyzers). */
  readonly weights: SourceWeights;
  /** Analyzers that were configured but could not answer, with the reason. */
  readonly unavailableSources: ReadonlyArray<{id: string; reason: string}>;
  /** journal.length after each step: which events each bar produced (the look-ahead check compares them). */
  readonly journalEnds: Uint32Array;
  /** Wall time of the per-bar loop alone (benchmarks); never written to run.json. */
  readonly loopSeconds: number;
  /** The models behind the ML analyzers and whether the decision range overlaps their training window; null without one. */
  readonly ml: MlRunInfo | null;
  /** What the LLM source did (answers replayed and called, cost, latency, contamination); null without one. */
  readonly llm: LlmRunStats | null;
}

export interface RunOptions {
  readonly progress?: ProgressSink;
  /** Replay only the first N loaded bars, as if later candles did not exist yet. */
  readonly truncateBars?: number;
  /** Use this run id instead of the one derived from config and data (the look-ahead check's replays). */
  readonly runId?: string;
  /** Called after every bar with the live parts, for invariant checks in tests. */
  readonly onStep?: (index: number, parts: {readonly bars: BarSeries; readonly venue: SimulatedVenue; readonly ledger: Ledger; readonly engine: TradingEngine}) => void;
  /** Model registry folder for kit.ml.model (default models/ or $IFTB_MODELS_DIR). */
  readonly modelsDir?: string;
  /** Refuse (IFTB_E_IN_SAMPLE) a run whose decision range overlaps an ML model's training or validation window. */
  readonly strict?: boolean;
  /**
   * The LLM source's recorded answers, prompt context and endpoint. runBacktest reads answers and
   * context from the store; no endpoint unless given (the CLI passes IFTB_LLM_BASE_URL/OPENAI_API_KEY).
   */
  readonly llm?: Partial<LlmWiring>;
}

/** Steps between progress updates; also where the loop yields so a progress bar can redraw. */
const CHUNK = 200_000;

/** The candles, mark candles and funding a run consumes, already aligned. */
export interface BacktestData {
  readonly bars: BarSeries;
  readonly mark: BarColumns | null;
  readonly funding: FundingSeries | null;
  /** First bar a decision is taken on. */
  readonly firstIndex: number;
  /**
   * Funding rates for analyzers that read them (ML features), loaded even with funding payments
   * off, from a few days before the first bar to the last bar's close. Absent: analyzers get `funding`.
   */
  readonly analyzerFunding?: FundingSeries | null;
}

/** Funding settlements read before the first bar, so the first bars' funding features are defined. */
const ANALYZER_FUNDING_LOOKBACK_MS = 3 * 86_400_000;

/** Validates a raw config, its strategy and the strategy's params without touching a store: bad input fails before anything is opened. */
export async function validateBacktestConfig(rawConfig: unknown): Promise<{config: BacktestConfig; strategy: StrategyDefinition}> {
  const config = parseConfig(BacktestConfigSchema, rawConfig, 'backtest config');
  const strategy = await loadStrategy(config.strategy);
  parseParams(strategy, config.params);
  return {config, strategy};
}

/** Composes a backtest from a validated config and runs it over stored candles. */
export async function runBacktest(store: DuckDbStore, rawConfig: unknown, options: RunOptions = {}): Promise<BacktestRun> {
  const config = parseConfig(BacktestConfigSchema, rawConfig, 'backtest config');
  const strategy = await loadStrategy(config.strategy);
  const needs = needsOf(strategy, parseParams(strategy, config.params), {modelsDir: options.modelsDir});
  const data = await loadBacktestData(store, config, needs, options.truncateBars);
  const llm = {...storeLlmWiring(store, config, options.llm?.endpoint ?? null), ...options.llm};
  return executeBacktest(config, strategy, data, {...options, llm});
}

/** How much history the strategy's readings need, and whether an analyzer reads funding. */
function needsOf(strategy: StrategyDefinition, params: unknown, kit: StrategyKitOptions): {warmup: number; analyzerFunding: boolean} {
  const setup = guardedSetup(strategy, params, createStrategyKit(kit));
  const readings = [...(setup.analyzers ?? []), ...Object.values(setup.indicators ?? {})];
  return {warmup: Math.max(0, ...readings.map((r) => r.warmupBars)), analyzerFunding: (setup.analyzers ?? []).some((a) => a.usesFunding === true)};
}

async function loadBacktestData(
  store: DuckDbStore,
  config: BacktestConfig,
  needs: {warmup: number; analyzerFunding: boolean},
  truncateBars?: number,
): Promise<BacktestData> {
  const {warmup} = needs;
  const tf = timeframeMs(config.timeframe);
  const key = {exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe};
  const fromMs = config.fromMs ?? -Infinity;
  const loaded = await store.marketData.readBars(key, {fromMs: Number.isFinite(fromMs) ? fromMs - warmup * tf : -Infinity, toMs: config.toMs ?? Infinity});
  const bars = truncateBars === undefined ? loaded : truncate(loaded, truncateBars);
  const firstIndex = Number.isFinite(fromMs) ? bars.openTime.findIndex((t) => t >= fromMs) : Math.min(warmup, bars.length);
  if (bars.length === 0 || firstIndex < 0 || firstIndex >= bars.length) {
    throw new IftbError(ErrorCode.DATA_MISSING, `no ${config.symbol} ${config.timeframe} candles stored in the requested range (see \`iftb data list\`)`);
  }
  const range = {fromMs: bars.openTime[0], toMs: bars.openTime[bars.length - 1] + tf};
  const markRaw = await store.marketData.readBars(key, range, 'mark');
  const mark = markRaw.length > 0 ? alignMarkBars(bars, markRaw) : null;
  const fundingRaw = config.funding ? await store.marketData.readFunding(config.exchange, config.symbol, range) : null;
  const funding = fundingRaw && fundingRaw.length > 0 ? fundingRaw : null;
  if (config.funding && !funding) {
    throw new IftbError(ErrorCode.DATA_MISSING, `funding is on but no ${config.symbol} funding rates are stored for the range; import them or pass --funding off`);
  }
  let analyzerFunding: FundingSeries | null | undefined;
  if (needs.analyzerFunding) {
    const lastClose = range.toMs;
    const rates = await store.marketData.readFunding(config.exchange, config.symbol, {fromMs: range.fromMs - ANALYZER_FUNDING_LOOKBACK_MS, toMs: lastClose + 1});
    analyzerFunding = rates.length > 0 ? rates : null;
  }
  return {bars, mark, funding, firstIndex, ...(analyzerFunding === undefined ? {} : {analyzerFunding})};
}

/** Runs a validated config over data in memory: the part a benchmark or a test can drive without a store. */
export async function executeBacktest(
  config: BacktestConfig,
  strategy: StrategyDefinition,
  data: BacktestData,
  options: RunOptions = {},
): Promise<BacktestRun> {
  const progress = options.progress ?? SILENT_PROGRESS;
  const params = parseParams(strategy, config.params);
  const {bars, mark, funding, firstIndex} = data;
  const llm = {
    config: config.llm, market: config, wiring: {...NO_LLM_WIRING, ...options.llm}, journal: (event: JournalEvent) => sink(event),
    decisionFromMs: bars.openTime[firstIndex], strict: options.strict ?? false,
  };
  const setup = guardedSetup(strategy, params, createStrategyKit({modelsDir: options.modelsDir, llm}));
  const analyzers = setup.analyzers ?? [];
  const indicators = setup.indicators ?? {};
  const tf = timeframeMs(config.timeframe);
  const ml = mlRunInfo(analyzers, bars.openTime[firstIndex], bars.openTime[bars.length - 1] + tf, tf);
  if (options.strict && ml?.inSample) {
    const m = ml.models.find((x) => x.inSample)!;
    throw new IftbError(
      ErrorCode.IN_SAMPLE,
      `--strict: the decision range overlaps ${m.model}'s training/validation window (${m.trainWindow.from} → ${m.validationWindow.to}) on ${m.inSampleBars} bars; start at ${m.validationWindow.to} or later, or use a model trained before the range`,
    );
  }
  const usesFunding = analyzers.some((a) => a.usesFunding === true);
  const contextFunding = data.analyzerFunding !== undefined ? data.analyzerFunding : funding;

  // The run's identity covers the model files it used (not their manifests' creation times).
  // The run's identity: everything that decides its result. An LLM section is left out when no
  // analyzer asks an LLM, so the shell's IFTB_LLM_MODEL cannot change an sma-cross run's id.
  const usesLlm = analyzers.some((a) => a.source === 'llm');
  const resolved = {
    ...config,
    ...(usesLlm ? {} : {llm: undefined}),
    params,
    strategyVersion: strategy.version,
    strategySource: strategySourceHash(strategy),
    ...(ml ? {models: ml.models.map((m) => ({model: m.model, onnxSha256: m.onnxSha256}))} : {}),
  };
  const cHash = configHash(resolved);
  const dHash = usesFunding && data.analyzerFunding !== undefined ? withAnalyzerFunding(dataHash(bars, mark, funding), data.analyzerFunding) : dataHash(bars, mark, funding);
  const runId = options.runId ?? configHash({config: cHash, data: dHash}).slice(0, 12);

  const journal: JournalEvent[] = [];
  const sink = (event: JournalEvent) => journal.push(event);
  const base = instrumentFor(config.symbol);
  const instrument = {...base, makerFeeRate: config.makerFee ?? base.makerFeeRate, takerFeeRate: config.takerFee ?? base.takerFeeRate};
  const venue = new SimulatedVenue({
    symbol: config.symbol, bars, timeframeMs: tf, mark, funding, instrument, initialBalance: config.cash,
    leverage: config.leverage, marginMode: config.marginMode, slippage: config.slippage, fundingEnabled: config.funding,
  });
  const ledger = new Ledger(config.symbol, config.cash, bars.openTime[0], tf);
  const resetAfter = config.breakerResetAfterBars;
  // breakerResetAfterBars: each trip schedules a reset N bars on (the breaker journals its trips, so nothing runs per bar).
  const breakerSink = resetAfter === undefined ? sink : (event: JournalEvent) => {
    sink(event);
    if (event.type === 'breaker' && event.level === 'trip') {
      script.schedule({atMs: event.timeMs + resetAfter * tf, action: 'auto-reset-breaker', reason: `breakerResetAfterBars=${resetAfter}`});
    }
  };
  const breaker = new CircuitBreaker(config.breaker, breakerSink);
  // The backtest's kill switch lives in memory: a scheduled activation must never latch the live one.
  let codes = 0;
  const script: OperatorScript = new OperatorScript(config.operatorActions, () => ({gate, breaker, killSwitch, engine, journal: sink}));
  const killSwitch = await KillSwitch.open(new MemoryKillSwitchRepository(), {
    codeGenerator: () => `${runId.slice(0, 4).toUpperCase()}${String(++codes).padStart(2, '0')}`,
    journal: sink,
    now: () => script.nowMs,
  });
  const gate = createTradingGate({breaker, killSwitch, journal: sink});
  const risk = createRiskManager({...config.risk, maxLeverage: Math.min(config.risk.maxLeverage, config.leverage)}, {journal: sink});
  const engine = new TradingEngine({
    runId, symbol: config.symbol, timeframeMs: tf, bars, venue, ledger, gate, risk, instrument,
    decide: guardedDecide(strategy, params), analyzers, indicators, weights: setup.weights, atr: setup.atr,
    journal: sink, warmupBars: firstIndex, simulatedLatencyMs: config.simulatedLatencyMs,
  });

  const journalEnds = new Uint32Array(bars.length);
  const context = {timeframeMs: tf, funding: contextFunding};
  for (const analyzer of analyzers) await analyzer.prepare?.(bars, 0, bars.length, context);
  progress.start(bars.length, `backtest ${strategy.name} ${config.symbol} ${config.timeframe}`);
  const span: Span = {engine, bars, tf, journal, journalEnds, script, onStep: options.onStep, parts: {bars, venue, ledger, engine}};
  const loopStarted = performance.now();
  let i = 0;
  while (i < bars.length) {
    const end = Math.min(bars.length, (Math.floor(i / CHUNK) + 1) * CHUNK);
    i = stepSpan(span, i, end);
    if (i < end) {
      // An operator action is due before bar i's decision; the next span steps bar i itself.
      await script.apply(bars.openTime[i] + tf);
      continue;
    }
    progress.update(i);
    if (i < bars.length) await new Promise((resolve) => setImmediate(resolve));
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  progress.stop();

  const unavailableSources = analyzers
    .filter((a): a is typeof a & {unavailable: string} => typeof (a as {unavailable?: unknown}).unavailable === 'string')
    .map((a) => ({id: a.id, reason: a.unavailable}));
  const weights = {...DEFAULT_WEIGHTS, ...setup.weights};
  return {runId, config, configHash: cHash, resolvedConfig: resolved, dataHash: dHash, strategy, params, bars, funding, firstIndex, engine, ledger, journal, weights, unavailableSources, journalEnds, loopSeconds, ml, llm: llmRunStats(analyzers)};
}

interface Span {
  readonly engine: TradingEngine;
  readonly bars: BarSeries;
  readonly tf: number;
  readonly journal: readonly JournalEvent[];
  readonly journalEnds: Uint32Array;
  readonly script: OperatorScript;
  readonly onStep: RunOptions['onStep'];
  readonly parts: Parameters<NonNullable<RunOptions['onStep']>>[1];
}

/**
 * Steps bars [from, to) and returns `to`, or the first bar an operator action is due at. A plain
 * function, not the async runner: locals of an async function live in its heap frame, which the
 * per-bar loop would pay for on every bar.
 */
function stepSpan(span: Span, from: number, to: number): number {
  const {engine, bars, tf, journal, journalEnds, script, onStep} = span;
  for (let i = from; i < to; i++) {
    if (script.pendingAt(bars.openTime[i] + tf)) return i;
    engine.step(i);
    journalEnds[i] = journal.length;
    if (onStep !== undefined) onStep(i, span.parts);
  }
  return to;
}

/** Views of the first n bars: reading past them yields undefined, never the future. */
function truncate(series: BarSeries, n: number): BarSeries {
  const k = Math.max(0, Math.min(n, series.length));
  return {
    key: series.key, length: k, openTime: series.openTime.subarray(0, k), open: series.open.subarray(0, k), high: series.high.subarray(0, k),
    low: series.low.subarray(0, k), close: series.close.subarray(0, k), volume: series.volume.subarray(0, k),
  };
}
