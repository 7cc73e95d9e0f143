/**
 * The one builder of a run: the backtest wiring and the live wiring (paper or real) both compose
 * their lanes, identity and trading parts here, so parity holds by construction. Only what is
 * plugged in differs: the data (stored columns or growing live buffers), the venue (simulated or
 * the exchange), the kill-switch store and the clock.
 */
import {
  type Analyzer,
  type AnalyzerContext,
  copyBarColumns,
  type DecisionContext,
  type ExecutionVenue,
  type InstrumentSpec,
  type Intent,
  type JournalSink,
  type SymbolId,
  timeframeMs,
} from '../core/index.js';
import {configHash, sha256Hex} from '../config/index.js';
import {parseParams, type StrategyDefinition, type StrategySetup, strategySourceHash} from '../decision/index.js';
import {TradingEngine} from '../engine/trading-engine.js';
import {Ledger} from '../portfolio/ledger.js';
import {CircuitBreaker, createRiskManager, createTradingGate, type GateKillSwitch, type OperableTradingGate} from '../risk/index.js';
import {SimulatedVenue} from '../sim/index.js';
import {isLlmAnalyzer} from '../signals/llm/index.js';
import type {BacktestConfig, SymbolEntry} from './backtest-config.js';
import type {BacktestData, DataNeeds} from './backtest-data.js';
import {dataHash, withAnalyzerFunding, withFundingMarks, withLlmAnswers} from './data-hash.js';
import {builtinInstrument, instrumentForRun, instrumentIdentity, type InstrumentRunInfo} from './instrument-resolution.js';
import {type LlmWiring, NO_LLM_WIRING} from './llm-runtime.js';
import type {MlRunInfo} from './ml-run.js';
import type {PrepareProbe} from './prepare-causality.js';
import {guardedDecide, guardedSetup} from './strategy-guard.js';
import {createStrategyKit, type StrategyKitOptions} from './strategy-kit.js';

/** One symbol of a composed run. */
export interface ComposedLane {
  readonly entry: SymbolEntry;
  readonly data: BacktestData;
  readonly params: unknown;
  readonly analyzers: readonly Analyzer[];
  readonly setup: StrategySetup;
  readonly instrument: InstrumentSpec;
  readonly instrumentInfo: InstrumentRunInfo;
  readonly context: AnalyzerContext;
  readonly probe: PrepareProbe;
  /** The strategy's decision with this symbol's parameters. */
  readonly decide: (context: DecisionContext) => Intent;
}

export interface LaneOptions {
  readonly modelsDir?: string;
  /** One wiring for every symbol, or a symbol's own (a live session's prompt context is per symbol). */
  readonly llm?: Partial<LlmWiring> | ((symbol: SymbolId) => Partial<LlmWiring>);
  readonly strict: boolean;
  /** A session's recorded models per reference (StrategyKitOptions.models). */
  readonly models?: StrategyKitOptions['models'];
}

/** How much history the strategy's readings need, and whether an analyzer reads funding. */
export function needsOf(strategy: StrategyDefinition, params: unknown, kit: StrategyKitOptions): DataNeeds {
  const setup = guardedSetup(strategy, params, createStrategyKit(kit));
  const readings = [...(setup.analyzers ?? []), ...Object.values(setup.indicators ?? {})];
  return {warmup: Math.max(0, ...readings.map((r) => r.warmupBars)), analyzerFunding: (setup.analyzers ?? []).some((a) => a.usesFunding === true)};
}

/** The data every symbol of the config needs (the largest warm-up of any of them). */
export function runNeeds(config: BacktestConfig, strategy: StrategyDefinition, entries: readonly SymbolEntry[], modelsDir?: string, models?: StrategyKitOptions['models']): DataNeeds {
  const needs = entries.map((e) => needsOf(strategy, parseParams(strategy, laneParams(config, e)), {modelsDir, ...(models === undefined ? {} : {models})}));
  return {warmup: Math.max(...needs.map((n) => n.warmup)), analyzerFunding: needs.some((n) => n.analyzerFunding)};
}

/** What instrument resolution reads for a symbol: the run's keys, the symbol's own `instrument` over the run's. */
export function laneInstrumentConfig(config: BacktestConfig, entry: SymbolEntry): BacktestConfig {
  return {...config, symbol: entry.symbol, instrument: entry.instrument === undefined ? config.instrument : {...config.instrument, ...entry.instrument}};
}

/** A symbol's strategy parameters: the run's, with the symbol's own over them. */
export function laneParams(config: BacktestConfig, entry: SymbolEntry): Record<string, unknown> {
  return entry.params === undefined ? config.params : {...config.params, ...entry.params};
}

/** Sets up the strategy once per symbol: its analyzers and indicators, instrument spec and prepare probe. */
export function composeLanes(
  config: BacktestConfig,
  strategy: StrategyDefinition,
  entries: readonly SymbolEntry[],
  datas: readonly BacktestData[],
  journal: JournalSink,
  options: LaneOptions,
): ComposedLane[] {
  const tf = timeframeMs(config.timeframe);
  const discard = () => {};
  return entries.map((entry, k) => {
    const data = datas[k];
    const symbol = entry.symbol;
    const params = parseParams(strategy, laneParams(config, entry));
    const llm = {
      config: config.llm, market: {...config, symbol}, wiring: {...NO_LLM_WIRING, ...(typeof options.llm === 'function' ? options.llm(symbol) : options.llm)}, journal,
      decisionFromMs: data.bars.openTime[data.firstIndex], strict: options.strict,
    };
    const kit = (sink: JournalSink) => createStrategyKit({modelsDir: options.modelsDir, llm: {...llm, journal: sink}, ...(options.models === undefined ? {} : {models: options.models})});
    const setup = guardedSetup(strategy, params, kit(journal));
    const analyzers = setup.analyzers ?? [];
    const context = {timeframeMs: tf, funding: data.analyzerFunding !== undefined ? data.analyzerFunding : data.funding};
    const instrumentInfo = instrumentForRun(data.instrument ?? builtinInstrument(config.exchange, symbol), laneInstrumentConfig(config, entry));
    const probe: PrepareProbe = {context, analyzers: () => guardedSetup(strategy, params, kit(discard)).analyzers ?? []};
    const decide = guardedDecide(strategy, params);
    return {entry, data, params, analyzers, setup, instrument: instrumentInfo.spec, instrumentInfo, context, probe, decide};
  });
}

/**
 * Runs every analyzer's batch `prepare` over its symbol's bars [0, n) (default: all), on a private
 * copy: nothing it writes reaches the venue's or the ledger's columns.
 */
export async function prepareLanes(lanes: readonly ComposedLane[]): Promise<void> {
  for (const l of lanes) {
    if (!l.analyzers.some((a) => typeof a.prepare === 'function')) continue;
    const own = copyBarColumns(l.data.bars);
    for (const analyzer of l.analyzers) await analyzer.prepare?.(own, 0, own.length, l.context);
  }
}

export interface RunIdentity {
  /** What configHash hashes: the config with defaults, params, strategy version and source, models, instrument. */
  readonly resolved: Readonly<Record<string, unknown>>;
  readonly configHash: string;
  readonly dataHash: string;
}

/**
 * The run's identity: everything that decides its result. An LLM section is left out when no
 * analyzer asks an LLM, so the shell's IFTB_LLM_MODEL cannot change an sma-cross run's id; the
 * model files it used (not their manifests' creation times) and the LLM answers it replayed are in.
 */
export function runIdentity(config: BacktestConfig, strategy: StrategyDefinition, lanes: readonly ComposedLane[], ml: MlRunInfo | null): RunIdentity {
  const allAnalyzers = lanes.flatMap((l) => l.analyzers);
  const usesLlm = allAnalyzers.some((a) => a.source === 'llm');
  const resolved = {
    ...config,
    ...(config.symbols === undefined ? {} : {symbol: lanes[0].entry.symbol}),
    ...(usesLlm ? {} : {llm: undefined}),
    params: lanes[0].params,
    ...(config.symbols === undefined ? {} : {symbols: lanes.map((l) => ({...l.entry, params: l.params}))}),
    strategyVersion: strategy.version,
    strategySource: strategySourceHash(strategy),
    ...(ml ? {models: ml.models.map((m) => ({model: m.model, onnxSha256: m.onnxSha256}))} : {}),
    instrumentSpec: lanes.length === 1 ? instrumentIdentity(lanes[0].instrumentInfo) : lanes.map((l) => instrumentIdentity(l.instrumentInfo)),
  };
  const laneHashes = lanes.map((l) => {
    const market = laneMarketHash(l.data, l.analyzers.some((a) => a.usesFunding === true));
    return withLlmAnswers(market, l.analyzers.filter(isLlmAnalyzer).map((a) => ({id: a.id, digest: a.answersDigest})));
  });
  return {resolved, configHash: configHash(resolved), dataHash: laneHashes.length === 1 ? laneHashes[0] : sha256Hex(laneHashes.join(','))};
}

/** The hash of a symbol's market data in a run's data hash (the LLM answers it replays come on top). */
export function laneMarketHash(d: BacktestData, usesAnalyzerFunding: boolean): string {
  const base = withFundingMarks(d.knownDataHash ?? dataHash(d.bars, d.mark, d.funding), d.fundingMarks ?? null);
  return usesAnalyzerFunding && d.analyzerFunding !== undefined ? withAnalyzerFunding(base, d.analyzerFunding) : base;
}

/** The simulated USDⓈ-M venue over the lanes' data (backtests and paper trading). */
export function simulatedVenue(config: BacktestConfig, lanes: readonly ComposedLane[]): SimulatedVenue {
  return new SimulatedVenue({
    timeframeMs: timeframeMs(config.timeframe), initialBalance: config.cash, leverage: config.leverage, marginMode: config.marginMode,
    slippage: config.slippage, fundingEnabled: config.funding,
    lanes: lanes.map((l) => ({
      symbol: l.entry.symbol, bars: l.data.bars, mark: l.data.mark, funding: l.data.funding, fundingMarks: l.data.fundingMarks ?? null,
      instrument: l.instrument, leverage: l.entry.leverage, marginMode: l.entry.marginMode,
    })),
  });
}

export interface TradingParts {
  readonly ledger: Ledger;
  readonly breaker: CircuitBreaker;
  readonly gate: OperableTradingGate;
  readonly engine: TradingEngine;
}

export interface TradingWiring {
  readonly runId: string;
  readonly venue: ExecutionVenue;
  readonly killSwitch: GateKillSwitch;
  readonly journal: JournalSink;
  /** Time of the ledger's opening deposit (the first bar's open). */
  readonly startMs: number;
  /** Slots to size the recorder for. */
  readonly capacity: number;
  /** Replay: every slot's open time, known up front (the recorder derives slot times instead of writing them). */
  readonly timeline?: Float64Array;
  /** Live: the clock for state changes noticed between bars (a kill switch engaged from the API). */
  readonly now?: () => number;
  /** Where the breaker journals (default `journal`): a backtest's breakerResetAfterBars watches its trips there. */
  readonly breakerJournal?: JournalSink;
}

/** Ledger, breaker, gate, risk managers and the engine over the lanes and a venue. */
export function composeTrading(config: BacktestConfig, lanes: readonly ComposedLane[], w: TradingWiring): TradingParts {
  const tf = timeframeMs(config.timeframe);
  const ledger = new Ledger(lanes.map((l) => l.entry.symbol), config.cash, w.startMs, tf);
  const breaker = new CircuitBreaker(config.breaker, w.breakerJournal ?? w.journal);
  const gate = createTradingGate({breaker, killSwitch: w.killSwitch, journal: w.journal, ...(w.now === undefined ? {} : {now: w.now})});
  const riskFor = (over: Partial<BacktestConfig['risk']> | undefined, leverage: number) => {
    const merged = over === undefined ? config.risk : {...config.risk, ...over};
    return createRiskManager({...merged, maxLeverage: Math.min(merged.maxLeverage, leverage)}, {journal: w.journal});
  };
  const risk = riskFor(undefined, config.leverage);
  const engine = new TradingEngine({
    runId: w.runId, timeframeMs: tf, venue: w.venue, ledger, gate, risk, journal: w.journal, simulatedLatencyMs: config.simulatedLatencyMs, capacity: w.capacity,
    ...(w.timeline === undefined ? {} : {timeline: w.timeline}),
    lanes: lanes.map((l) => ({
      symbol: l.entry.symbol, bars: l.data.bars, instrument: l.instrument, decide: l.decide,
      analyzers: l.analyzers, indicators: l.setup.indicators ?? {}, weights: l.setup.weights, atr: l.setup.atr, warmupBars: l.data.firstIndex,
      ...(l.entry.risk === undefined && l.entry.leverage === undefined ? {} : {risk: riskFor(l.entry.risk, l.entry.leverage ?? config.leverage)}),
    })),
  });
  return {ledger, breaker, gate, engine};
}
