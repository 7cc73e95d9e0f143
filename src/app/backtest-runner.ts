import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {type BarSeries, ErrorCode, type FundingSeries, IftbError, type JournalEvent, type JournalLog, type ProgressSink, SILENT_PROGRESS, timeframeMs} from '../core/index.js';
import {configHash, parseConfig} from '../config/index.js';
import {DEFAULT_WEIGHTS, loadStrategy, parseParams, type SourceWeights, type StrategyDefinition} from '../decision/index.js';
import {ColumnarJournal} from '../engine/columnar-journal.js';
import {StepwiseColumn} from '../engine/stepwise-column.js';
import type {TradingEngine} from '../engine/trading-engine.js';
import type {Ledger} from '../portfolio/ledger.js';
import {KillSwitch, MemoryKillSwitchRepository} from '../risk/index.js';
import type {SimulatedVenue} from '../sim/index.js';
import type {LlmRunStats} from '../signals/llm/index.js';
import {type BacktestConfig, BacktestConfigSchema, symbolEntries} from './backtest-config.js';
import {type BacktestData, type DataNeeds, loadSymbolData, mergeTimeline, truncateData} from './backtest-data.js';
import {type InstrumentRunInfo, resolveInstrument} from './instrument-resolution.js';
import {llmRunStats, type LlmWiring, storeLlmWiring} from './llm-runtime.js';
import {type MlRunInfo, mlRunInfo} from './ml-run.js';
import {OperatorScript} from './operator-script.js';
import {checkPrepareCausality, type PrepareProbe, prepareCuts} from './prepare-causality.js';
import {composeLanes, composeTrading, type LaneOptions, laneInstrumentConfig, laneParams, prepareLanes, runIdentity, runNeeds, simulatedVenue} from './run-composition.js';
export {BacktestConfigSchema};

export interface BacktestRun {
  readonly runId: string;
  readonly config: BacktestConfig;
  readonly configHash: string;
  /** What configHash hashes: the config with defaults, params, strategy version and source, models. */
  readonly resolvedConfig: Readonly<Record<string, unknown>>;
  readonly dataHash: string;
  /** The instrument spec traded on: which stored versions, the config's overrides, the effective spec. */
  readonly instrument: InstrumentRunInfo;
  readonly strategy: StrategyDefinition;
  /** The first symbol's strategy parameters. */
  readonly params: unknown;
  /**
   * The first symbol's candles, one per slot: a single-symbol run's own bars (slot i is bar i); in
   * a portfolio, laid on the merged slots (NaN where it had no bar). Per-symbol data: `lanes`.
   */
  readonly bars: BarSeries;
  readonly funding: FundingSeries | null;
  /** First slot a decision was taken on (for one symbol, its first decision bar); earlier slots only warmed readings up. */
  readonly firstIndex: number;
  /** The symbols, in the config's order, with their own bars (indexed by bar, not slot). */
  readonly lanes: readonly RunLane[];
  /** Open time of every slot (the merged bar times of all symbols; one symbol: its bars' open times). */
  readonly timeline: Float64Array;
  readonly engine: TradingEngine;
  readonly ledger: Ledger;
  readonly journal: JournalLog;
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
  /** Fresh analyzers and their context, for the causality check of `prepare` (`iftb check lookahead`, --strict). */
  readonly probe: PrepareProbe;
}

/** One symbol of a finished run. */
export interface RunLane {
  readonly symbol: string;
  readonly bars: BarSeries;
  readonly funding: FundingSeries | null;
  /** This symbol's first decision bar (in its own bars). */
  readonly firstIndex: number;
  readonly params: unknown;
  readonly probe: PrepareProbe;
  readonly instrument: InstrumentRunInfo;
}

export interface RunOptions {
  readonly progress?: ProgressSink;
  /** Replay only the first N slots (bars of a single-symbol run), as if later candles did not exist yet. */
  readonly truncateBars?: number;
  /** Use this run id instead of the one derived from config and data (the look-ahead check's replays). */
  readonly runId?: string;
  /** Called after every slot with the live parts (bars: the first symbol's), for invariant checks in tests. */
  readonly onStep?: (index: number, parts: {readonly bars: BarSeries; readonly venue: SimulatedVenue; readonly ledger: Ledger; readonly engine: TradingEngine}) => void;
  /** Model registry folder for kit.ml.model (default models/ or $IFTB_MODELS_DIR). */
  readonly modelsDir?: string;
  /**
   * Refuse a run whose decision range overlaps an ML model's training or validation window
   * (IFTB_E_IN_SAMPLE), or whose analyzers' batch `prepare` reads later bars (IFTB_E_LOOKAHEAD).
   */
  readonly strict?: boolean;
  /**
   * The LLM source's recorded answers, prompt context and endpoint. runBacktest reads answers and
   * context from the store; no endpoint unless given (the CLI passes IFTB_LLM_BASE_URL/OPENAI_API_KEY).
   */
  readonly llm?: Partial<LlmWiring>;
  /** Score with these exact models per reference instead of resolving them now (`iftb live diff`: the session's models and swaps). */
  readonly models?: LaneOptions['models'];
}

/** Steps between progress updates; also where the loop yields so a progress bar can redraw. */
const CHUNK = 200_000;

export type {BacktestData};

/** Validates a raw config, its strategy and the strategy's params (every symbol's) without touching a store: bad input fails before anything is opened. */
export async function validateBacktestConfig(rawConfig: unknown): Promise<{config: BacktestConfig; strategy: StrategyDefinition}> {
  const config = parseConfig(BacktestConfigSchema, rawConfig, 'backtest config');
  const strategy = await loadStrategy(config.strategy);
  for (const entry of symbolEntries(config)) parseParams(strategy, laneParams(config, entry));
  return {config, strategy};
}

/** What a backtest reads before it runs: its parsed config, strategy, each symbol's stored data, the LLM wiring. */
export interface BacktestInputs {
  readonly config: BacktestConfig;
  readonly strategy: StrategyDefinition;
  readonly data: readonly BacktestData[];
  readonly needs: DataNeeds;
  readonly llm: Partial<LlmWiring>;
}

/** Reads a config's inputs from the store, exactly as runBacktest does (a queue worker checks them before running). */
export async function loadBacktestInputs(store: DuckDbStore, rawConfig: unknown, options: RunOptions = {}): Promise<BacktestInputs> {
  const config = parseConfig(BacktestConfigSchema, rawConfig, 'backtest config');
  const strategy = await loadStrategy(config.strategy);
  const entries = symbolEntries(config);
  const needs = runNeeds(config, strategy, entries, options.modelsDir, options.models);
  const data = [];
  for (const e of entries) {
    const d = await loadSymbolData(store, config, e.symbol, needs);
    const range = {fromMs: d.bars.openTime[d.firstIndex], toMs: d.bars.openTime[d.bars.length - 1]};
    data.push({...d, instrument: await resolveInstrument(store.instruments, laneInstrumentConfig(config, e), range)});
  }
  const llm = {...storeLlmWiring(store, config, options.llm?.endpoint ?? null), ...options.llm};
  return {config, strategy, data, needs, llm};
}

/** Composes a backtest from a validated config and runs it over stored candles (one symbol or a portfolio). */
export async function runBacktest(store: DuckDbStore, rawConfig: unknown, options: RunOptions = {}): Promise<BacktestRun> {
  return runBacktestInputs(await loadBacktestInputs(store, rawConfig, options), options);
}

/** Runs inputs loadBacktestInputs read. */
export function runBacktestInputs(inputs: BacktestInputs, options: RunOptions = {}): Promise<BacktestRun> {
  return executeBacktest(inputs.config, inputs.strategy, inputs.data, {...options, llm: inputs.llm});
}

/**
 * Runs a validated config over data in memory: the part a benchmark or a test can drive without a
 * store. One BacktestData per symbol of the config, in its order (a single one for one symbol).
 */
export async function executeBacktest(
  config: BacktestConfig,
  strategy: StrategyDefinition,
  dataIn: BacktestData | readonly BacktestData[],
  options: RunOptions = {},
): Promise<BacktestRun> {
  const progress = options.progress ?? SILENT_PROGRESS;
  const entries = symbolEntries(config);
  // A portfolio's `symbol` is its first (what the run id already hashes), so readers of config.symbol see it.
  if (config.symbols !== undefined && config.symbol !== entries[0].symbol) config = {...config, symbol: entries[0].symbol};
  const full = Array.isArray(dataIn) ? (dataIn as readonly BacktestData[]) : [dataIn as BacktestData];
  if (full.length !== entries.length) throw new IftbError(ErrorCode.INPUT_INVALID, `${full.length} data sets for ${entries.length} symbols`);
  const fullTimeline = mergeTimeline(full);
  const cut = options.truncateBars;
  const datas = cut === undefined || cut >= fullTimeline.length ? full : full.map((d) => truncateData(d, fullTimeline[Math.max(0, cut)]));
  const timeline = cut === undefined || cut >= fullTimeline.length ? fullTimeline : fullTimeline.subarray(0, Math.max(0, cut));
  const tf = timeframeMs(config.timeframe);
  const strict = options.strict ?? false;
  const journal = new ColumnarJournal();
  const sink = journal.sink;

  const lanes = composeLanes(config, strategy, entries, datas, sink, {modelsDir: options.modelsDir, llm: options.llm, strict, ...(options.models === undefined ? {} : {models: options.models})});
  const allAnalyzers = lanes.flatMap((l) => l.analyzers);
  const first = lanes[0].data;
  const firstSlot = Math.min(...lanes.map((l) => firstIndexIn(timeline, l.data.bars.openTime[l.data.firstIndex])));
  const lastClose = timeline[timeline.length - 1] + tf;
  // A portfolio's symbols each run the strategy's analyzers: a model shared by them is listed once.
  const mlAnalyzers = lanes.length === 1 ? allAnalyzers : allAnalyzers.filter((a, k) => allAnalyzers.findIndex((b) => b.id === a.id) === k);
  const ml = mlRunInfo(mlAnalyzers, timeline[firstSlot], lastClose, tf);
  if (strict && ml?.inSample) {
    const m = ml.models.find((x) => x.inSample)!;
    throw new IftbError(
      ErrorCode.IN_SAMPLE,
      `--strict: the decision range overlaps ${m.model}'s training/validation window (${m.trainWindow.from} → ${m.validationWindow.to}) on ${m.inSampleBars} bars; start at ${m.validationWindow.to} or later, or use a model trained before the range`,
    );
  }
  // Before the run id: what the analyzers read in prepare (the LLM answers replayed) is part of it.
  await prepareLanes(lanes);
  const identity = runIdentity(config, strategy, lanes, ml);
  const runId = options.runId ?? configHash({config: identity.configHash, data: identity.dataHash}).slice(0, 12);

  const venue = simulatedVenue(config, lanes);
  // The backtest's kill switch lives in memory: a scheduled activation must never latch the live one.
  let codes = 0;
  const script: OperatorScript = new OperatorScript(config.operatorActions, () => ({gate, breaker, killSwitch, engine, journal: sink}));
  const killSwitch = await KillSwitch.open(new MemoryKillSwitchRepository(), {
    codeGenerator: () => `${runId.slice(0, 4).toUpperCase()}${String(++codes).padStart(2, '0')}`,
    journal: sink,
    now: () => script.nowMs,
  });
  const resetAfter = config.breakerResetAfterBars;
  // breakerResetAfterBars: each trip schedules a reset N bars on (the breaker journals its trips, so nothing runs per bar).
  const breakerJournal = resetAfter === undefined ? sink : (event: JournalEvent) => {
    sink(event);
    if (event.type === 'breaker' && event.level === 'trip') {
      script.schedule({atMs: event.timeMs + resetAfter * tf, action: 'auto-reset-breaker', reason: `breakerResetAfterBars=${resetAfter}`});
    }
  };
  const {ledger, breaker, gate, engine} = composeTrading(config, lanes, {runId, venue, killSwitch, journal: sink, breakerJournal, startMs: timeline[0], capacity: timeline.length, timeline});

  const journalEnds = new StepwiseColumn(new Uint32Array(timeline.length));
  const n = timeline.length;
  progress.start(n, `backtest ${strategy.name} ${entries.length === 1 ? entries[0].symbol : `${entries.length} symbols`} ${config.timeframe}`);
  const span: Span = {engine, timeline, tf, journal, journalEnds, script, onStep: options.onStep, parts: {bars: first.bars, venue, ledger, engine}};
  const loopStarted = performance.now();
  let i = 0;
  while (i < n) {
    const end = Math.min(n, (Math.floor(i / CHUNK) + 1) * CHUNK);
    i = stepSpan(span, i, end);
    if (i < end) {
      // An operator action is due before slot i's decisions; the next span steps slot i itself.
      await script.apply(timeline[i] + tf);
      continue;
    }
    progress.update(i);
    if (i < n) await new Promise((resolve) => setImmediate(resolve));
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  progress.stop();

  const unavailableSources = allAnalyzers
    .filter((a): a is typeof a & {unavailable: string} => typeof (a as {unavailable?: unknown}).unavailable === 'string')
    .map((a) => ({id: a.id, reason: a.unavailable}));
  const weights = {...DEFAULT_WEIGHTS, ...lanes[0].setup.weights};
  const runLanes: RunLane[] = lanes.map((l) => ({
    symbol: l.entry.symbol, bars: l.data.bars, funding: l.data.funding, firstIndex: l.data.firstIndex, params: l.params, probe: l.probe,
    instrument: l.instrumentInfo,
  }));
  const run: BacktestRun = {
    runId, config, configHash: identity.configHash, resolvedConfig: identity.resolved, dataHash: identity.dataHash, strategy, params: lanes[0].params,
    bars: lanes.length === 1 ? first.bars : slotAligned(first.bars, timeline), funding: first.funding, firstIndex: firstSlot,
    lanes: runLanes, timeline, engine, ledger, journal, weights, unavailableSources, loopSeconds, ml,
    get journalEnds() {
      return journalEnds.column;
    },
    llm: llmRunStats(allAnalyzers), probe: lanes[0].probe, instrument: lanes[0].instrumentInfo,
  };
  if (strict) await refuseNonCausalPrepare(run);
  return run;
}

/** Index of the first slot opening at or after `timeMs`. */
function firstIndexIn(timeline: Float64Array, timeMs: number): number {
  let k = 0;
  while (k < timeline.length && timeline[k] < timeMs) k++;
  return k;
}

/** A symbol's candles laid on the run's slots (NaN where it had no bar): what per-slot readers of a portfolio use. */
export function slotAligned(bars: BarSeries, timeline: Float64Array): BarSeries {
  const n = timeline.length;
  const out = {key: bars.key, length: n, openTime: Float64Array.from(timeline), open: new Float64Array(n).fill(NaN), high: new Float64Array(n).fill(NaN),
    low: new Float64Array(n).fill(NaN), close: new Float64Array(n).fill(NaN), volume: new Float64Array(n).fill(NaN)};
  let j = 0;
  for (let k = 0; k < n; k++) {
    while (j < bars.length && bars.openTime[j] < timeline[k]) j++;
    if (j < bars.length && bars.openTime[j] === timeline[k]) {
      out.open[k] = bars.open[j];
      out.high[k] = bars.high[j];
      out.low[k] = bars.low[j];
      out.close[k] = bars.close[j];
      out.volume[k] = bars.volume[j];
    }
  }
  return out;
}

/** --strict: every bar with an intent and a sample of the others must read the same with the series cut after it. */
async function refuseNonCausalPrepare(run: BacktestRun): Promise<void> {
  for (const lane of run.lanes) {
    const probed = {probe: lane.probe, bars: lane.bars, firstIndex: lane.firstIndex, journal: run.journal, engine: {recorder: {signals: laneSignals(run, lane)}}};
    const [v] = await checkPrepareCausality(probed, prepareCuts(probed, {maxCuts: STRICT_PREPARE_CUTS}));
    if (v !== undefined) {
      throw new IftbError(
        ErrorCode.LOOKAHEAD,
        `--strict: ${v.what} at ${lane.symbol} bar ${v.barIndex} (${new Date(v.timeMs).toISOString()}): its batch prepare reads later candles; see \`iftb check lookahead --strategy ${run.strategy.name}\``,
      );
    }
  }
}

/** A symbol's recorded readings indexed by its own bars (a portfolio records them by slot). */
function laneSignals(run: BacktestRun, lane: RunLane) {
  const k = run.lanes.indexOf(lane);
  const rec = run.engine.recorder.lanes[k];
  if (run.lanes.length === 1) return rec.signals;
  const slotOf = new Int32Array(lane.bars.length);
  let j = 0;
  for (let s = 0; s < run.timeline.length && j < lane.bars.length; s++) if (run.timeline[s] === lane.bars.openTime[j]) slotOf[j++] = s;
  return rec.signals.map((sig) => ({
    id: sig.id, score: Float64Array.from(slotOf, (s) => sig.score[s]), confidence: Float64Array.from(slotOf, (s) => sig.confidence[s]), active: Uint8Array.from(slotOf, (s) => sig.active[s]),
  }));
}

/** How many cut points --strict checks (the CLI's `check lookahead` checks every decision bar). */
const STRICT_PREPARE_CUTS = 256;

interface Span {
  readonly engine: TradingEngine;
  readonly timeline: Float64Array;
  readonly tf: number;
  readonly journal: JournalLog;
  readonly journalEnds: StepwiseColumn<Uint32Array>;
  readonly script: OperatorScript;
  readonly onStep: RunOptions['onStep'];
  readonly parts: Parameters<NonNullable<RunOptions['onStep']>>[1];
}

/**
 * Steps slots [from, to) and returns `to`, or the first slot an operator action is due at. A plain
 * function, not the async runner: locals of an async function live in its heap frame, which the
 * per-bar loop would pay for on every bar.
 */
function stepSpan(span: Span, from: number, to: number): number {
  const {engine, timeline, tf, journal, journalEnds, script, onStep} = span;
  for (let i = from; i < to; i++) {
    if (script.pendingAtSlot(timeline, i, tf)) return i;
    engine.stepAtSlot(timeline, i);
    journalEnds.note(i, journal.length);
    if (onStep !== undefined) onStep(i, span.parts);
  }
  return to;
}
