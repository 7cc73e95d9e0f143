import {type ClosedTrade, type SignalSource, timeframeMs} from '../core/index.js';
import {canonicalJson} from '../config/index.js';
import {computeMetrics, type Metrics} from '../portfolio/metrics.js';
import {signalAccuracy} from '../portfolio/signal-accuracy.js';
import type {BacktestRun} from './backtest-runner.js';
import type {MlRunInfo} from './ml-run.js';
import type {InstrumentRunInfo} from './instrument-resolution.js';
import type {LlmRunStats} from '../signals/llm/index.js';
import {type Halt, haltsOf} from '../report/index.js';
import {type PortfolioParts, type PortfolioSource, type PortfolioSummary, summarizePortfolio} from './portfolio-summary.js';

const YEAR_MS = 365 * 86_400_000;

export interface SourceSummary {
  readonly id: string;
  readonly source: SignalSource;
  /** Bars (of the decision window) on which the source gave a reading. */
  readonly activeBars: number;
  readonly status: 'active' | 'abstained';
  readonly note?: string;
  /** Ensemble weight of this analyzer before renormalisation over the active ones. */
  readonly weight: number;
  readonly accuracy: ReturnType<typeof signalAccuracy>;
}

/** Everything in run.json: deterministic, so the same inputs give byte-identical files. */
export interface RunSummary {
  readonly runId: string;
  readonly mode: 'backtest';
  readonly strategy: {readonly name: string; readonly version: string; readonly sourceSha256?: string; readonly params: unknown};
  readonly market: {
    readonly exchange: string;
    readonly symbol: string;
    readonly timeframe: string;
    readonly firstBarMs: number;
    readonly lastBarMs: number;
    readonly warmupBars: number;
    /** A portfolio's symbols, in the config's order (absent for one symbol). */
    readonly symbols?: readonly string[];
  };
  readonly config: unknown;
  readonly configHash: string;
  readonly dataHash: string;
  readonly finalEquity: number;
  readonly bars: number;
  readonly trades: number;
  readonly metrics: Metrics;
  /** Per analyzer; in a portfolio each source's accuracy is pooled over the symbols (per symbol: `portfolio.symbols[].sources`). */
  readonly sources: readonly (SourceSummary | PortfolioSource)[];
  /** The ML models the run used and whether its decision range overlaps their training window (absent without one). */
  readonly ml?: MlRunInfo;
  /**
   * The LLM source: answers replayed / called / missed, requests, tokens, cost, latency p50/p95,
   * and `contaminated` when it used answers for bars before the model's training cutoff (absent without one).
   */
  readonly llm?: LlmRunStats;
  /** The instrument spec traded on: stored versions (as-of, source, hash), default brackets, config overrides, notes, the spec itself. */
  readonly instrument: InstrumentRunInfo;
  readonly ensembleAccuracy: ReturnType<typeof signalAccuracy>;
  readonly events: Readonly<Record<string, number>>;
  /** Each breaker trip and kill-switch activation: rule, time, figures, how long it held, how it ended. */
  readonly halts: readonly Halt[];
  /** A run of several symbols: per-symbol breakdown, correlation of their returns, account exposure (absent for one symbol). */
  readonly portfolio?: PortfolioSummary;
  readonly tradeList: readonly ClosedTrade[];
}

/**
 * A run's metrics, exactly as run.json has them, without the rest of the summary (an optimiser
 * trial stores only these; signal accuracy, halts and the replayable config cost it as much as
 * its per-bar loop).
 */
export function runMetrics(run: BacktestRun): Metrics {
  return run.lanes.length > 1 ? summarizeRun(run).metrics : metricsOf(run, null);
}

function metricsOf(run: BacktestRun, portfolio: PortfolioParts | null): Metrics {
  const {engine, ledger, config, firstIndex} = run;
  const r = engine.recorder;
  const n = r.length;
  const equity = r.equity.subarray(firstIndex, n);
  const times = r.timeMs.subarray(firstIndex, n);
  const totals = ledger.totals;
  const tf = timeframeMs(config.timeframe);
  return computeMetrics({
    timeMs: times,
    equity,
    initialEquity: config.cash,
    trades: ledger.trades,
    totalFees: totals.fees,
    totalFunding: totals.funding,
    totalLiquidationFees: totals.liquidationFees,
    totalSlippage: totals.slippage,
    liquidations: totals.liquidations,
    exposureBars: portfolio ? portfolio.exposureSlots : countExposure(r.positionQty, firstIndex, n),
    barsPerYear: YEAR_MS / tf,
  });
}

export function summarizeRun(run: BacktestRun): RunSummary {
  const {engine, ledger, bars, config, firstIndex} = run;
  const r = engine.recorder;
  const n = r.length;
  const tf = timeframeMs(config.timeframe);
  // A portfolio's figures are per slot (one equity curve); its readings are per symbol, on its own bars.
  const portfolio = run.lanes.length > 1 ? summarizePortfolio(run) : null;
  const metrics = metricsOf(run, portfolio);
  const window = {startIndex: firstIndex, endIndex: n, horizonBars: config.accuracyHorizonBars};
  const close = bars.close.subarray(0, n);
  const unavailable = new Map(run.unavailableSources.map((s) => [s.id, s.reason]));
  const perSource: Record<string, number> = {};
  for (const s of r.signals) perSource[s.source] = (perSource[s.source] ?? 0) + 1;
  const sources = portfolio ? portfolio.sources : r.signals.map((s): SourceSummary => {
    let activeBars = 0;
    for (let i = firstIndex; i < n; i++) activeBars += s.active[i];
    return {
      id: s.id,
      source: s.source,
      activeBars,
      status: activeBars > 0 ? 'active' : 'abstained',
      ...(unavailable.has(s.id) ? {note: unavailable.get(s.id)} : {}),
      weight: run.weights[s.source] / perSource[s.source],
      accuracy: signalAccuracy({close, scores: s.score, confidences: s.confidence, active: s.active, ...window}),
    };
  });
  const events: Record<string, number> = {};
  for (const e of run.journal) events[e.type] = (events[e.type] ?? 0) + 1;
  if (engine.repeatedDenials > 0) events['denied-repeats'] = engine.repeatedDenials;
  return {
    runId: run.runId,
    mode: 'backtest',
    strategy: {
      name: run.strategy.name,
      version: run.strategy.version,
      ...(typeof run.resolvedConfig.strategySource === 'string' ? {sourceSha256: run.resolvedConfig.strategySource} : {}),
      params: JSON.parse(canonicalJson(run.params)) as unknown,
    },
    market: {
      exchange: config.exchange,
      symbol: config.symbol,
      timeframe: config.timeframe,
      firstBarMs: bars.openTime[firstIndex],
      lastBarMs: bars.openTime[n - 1],
      warmupBars: firstIndex,
      ...(portfolio ? {symbols: run.lanes.map((l) => l.symbol)} : {}),
    },
    config: replayableConfig(run),
    configHash: run.configHash,
    dataHash: run.dataHash,
    finalEquity: metrics.finalEquity,
    bars: metrics.bars,
    trades: metrics.tradeCount,
    metrics,
    sources,
    ...(run.ml ? {ml: run.ml} : {}),
    ...(run.llm ? {llm: run.llm} : {}),
    instrument: run.instrument,
    ensembleAccuracy: portfolio ? portfolio.ensembleAccuracy : signalAccuracy({
      close, scores: r.ensembleScore, confidences: r.ensembleConfidence, active: r.ensembleActive, ...window,
    }),
    events,
    halts: haltsOf(run.journal.toArray(), bars.openTime[n - 1] + tf),
    ...(portfolio ? {portfolio: portfolio.portfolio} : {}),
    tradeList: ledger.trades,
  };
}

function countExposure(positionQty: Float64Array, from: number, to: number): number {
  let bars = 0;
  for (let i = from; i < to; i++) if (positionQty[i] !== 0) bars++;
  return bars;
}

/**
 * The config as `iftb backtest --config` takes it (so `iftb report` can replay it), with defaults
 * filled in and keys in canonical order: equal configs given in another order write the same bytes.
 * Identity-only fields (strategy version and source hash, model hashes) live elsewhere in run.json.
 */
function replayableConfig(run: BacktestRun): unknown {
  const {strategyVersion: _version, strategySource: _source, models: _models, instrumentSpec: _instrument, ...config} = run.resolvedConfig;
  return JSON.parse(canonicalJson(config)) as unknown;
}
