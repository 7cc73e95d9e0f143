/**
 * The one place the optimiser calls the backtest. A sweep loads its market data once (the widest
 * window any trial needs); each trial takes views of it exactly as `runBacktest` would have read
 * them for its config — same bars, mark candles and funding, hence the same data hash and run id
 * as `iftb backtest --config <trial config>` — and runs the full pipeline through executeBacktest.
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {type BarColumns, type BarSeries, ErrorCode, type FundingSeries, IftbError, timeframeMs} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {loadStrategy, parseParams, type StrategyDefinition} from '../decision/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import {periodReturns, type PeriodReturns} from '../optimize/period-returns.js';
import {type BacktestConfig, BacktestConfigSchema} from './backtest-config.js';
import {type BacktestRun, executeBacktest} from './backtest-runner.js';
import type {BacktestData} from './backtest-data.js';
import {needsOf} from './run-composition.js';
import {dataHash, withAnalyzerFunding} from './data-hash.js';
import {alignMarkBars} from './mark-alignment.js';
import {runMetrics, summarizeRun, type RunSummary} from './run-summary.js';

/** Funding settlements analyzers read before the first bar (as runBacktest reads them). */
const ANALYZER_FUNDING_LOOKBACK_MS = 3 * 86_400_000;

/** Everything a sweep's trials can draw their data from, loaded once. */
export interface SweepMarket {
  readonly bars: BarSeries;
  /** Mark candles aligned to `bars` (NaN where missing); null when none are stored. */
  readonly mark: BarColumns | null;
  /** Funding over the whole range; null when funding is off for the sweep. */
  readonly funding: FundingSeries | null;
  /** Funding for analyzers (ML features) when the strategy reads it. */
  readonly analyzerFunding: FundingSeries | null;
  readonly usesAnalyzerFunding: boolean;
  /** sha256 over all of the above: workers check theirs against the coordinator's before running a trial. */
  readonly dataHash: string;
}

/** What a sweep's base config says about its data (trials differ only in params and window). */
export type MarketSpec = Pick<BacktestConfig, 'exchange' | 'symbol' | 'timeframe' | 'toMs' | 'funding'>;

/** Reads every stored bar up to the sweep's end (trials take their warm-up from before their window). */
export async function loadSweepMarket(store: DuckDbStore, spec: MarketSpec, usesAnalyzerFunding: boolean): Promise<SweepMarket> {
  const tf = timeframeMs(spec.timeframe);
  const key = {exchange: spec.exchange, symbol: spec.symbol, timeframe: spec.timeframe};
  const bars = await store.marketData.readBars(key, {fromMs: -Infinity, toMs: spec.toMs ?? Infinity});
  if (bars.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `no ${spec.symbol} ${spec.timeframe} candles stored (see \`iftb data list\`)`);
  const range = {fromMs: bars.openTime[0], toMs: bars.openTime[bars.length - 1] + tf};
  const markRaw = await store.marketData.readBars(key, range, 'mark');
  const mark = markRaw.length > 0 ? alignMarkBars(bars, markRaw) : null;
  const funding = spec.funding ? await store.marketData.readFunding(spec.exchange, spec.symbol, range) : null;
  const analyzerFunding = usesAnalyzerFunding
    ? await store.marketData.readFunding(spec.exchange, spec.symbol, {fromMs: range.fromMs - ANALYZER_FUNDING_LOOKBACK_MS, toMs: range.toMs + 1})
    : null;
  return marketOf(bars, mark, funding, analyzerFunding, usesAnalyzerFunding);
}

export function marketOf(bars: BarSeries, mark: BarColumns | null, funding: FundingSeries | null, analyzerFunding: FundingSeries | null, usesAnalyzerFunding: boolean): SweepMarket {
  const hash = withAnalyzerFunding(dataHash(bars, mark, funding), usesAnalyzerFunding ? analyzerFunding : null);
  return {bars, mark, funding, analyzerFunding, usesAnalyzerFunding, dataHash: hash};
}

/** Whether a strategy's analyzers read funding (decides what loadSweepMarket reads). */
export function strategyReadsFunding(strategy: StrategyDefinition, params: unknown, modelsDir?: string): boolean {
  return needsOf(strategy, parseParams(strategy, params), {modelsDir}).analyzerFunding;
}

/** First index with t ≥ value in an ascending array. */
function lowerBound(a: Float64Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sliceBars<T extends BarColumns>(c: T, from: number, to: number): T {
  return {
    ...c, length: to - from, openTime: c.openTime.subarray(from, to), open: c.open.subarray(from, to), high: c.high.subarray(from, to),
    low: c.low.subarray(from, to), close: c.close.subarray(from, to), volume: c.volume.subarray(from, to),
  };
}

function sliceFunding(f: FundingSeries, fromMs: number, toMs: number): FundingSeries {
  const a = lowerBound(f.time, f.length, fromMs);
  const b = lowerBound(f.time, f.length, toMs);
  return {...f, length: b - a, time: f.time.subarray(a, b), rate: f.rate.subarray(a, b), markPrice: f.markPrice.subarray(a, b)};
}

/** A trial's views of the market, without its decision start (firstIndex). */
type TrialViews = Omit<BacktestData, 'firstIndex'>;

/**
 * A market's trial views by where they lie in it: trials differ in params, rarely in their window
 * (the warm-up follows the slowest indicator), and the market's arrays never change. Trials of one
 * window share the view objects, their data hash, and what the venue checks once per set of
 * columns (see MarkRows).
 */
const trialViews = new WeakMap<SweepMarket, Map<string, TrialViews>>();

/** The views runBacktest would have read for `config` (warm-up bars before `fromMs` included). */
export function trialData(market: SweepMarket, config: BacktestConfig, warmup: number): BacktestData {
  const tf = timeframeMs(config.timeframe);
  const all = market.bars;
  const end = config.toMs === undefined ? all.length : lowerBound(all.openTime, all.length, config.toMs);
  const start = config.fromMs === undefined ? 0 : lowerBound(all.openTime, end, config.fromMs - warmup * tf);
  const length = end - start;
  // Bars before `start` open before fromMs − warm-up, so the first at or after fromMs is at start or later.
  const firstIndex = config.fromMs === undefined ? Math.min(warmup, length) : lowerBound(all.openTime, end, config.fromMs) - start;
  if (length <= 0 || firstIndex >= length) {
    throw new IftbError(ErrorCode.DATA_MISSING, `no ${config.symbol} ${config.timeframe} candles stored in the requested range (see \`iftb data list\`)`);
  }
  let views = trialViews.get(market);
  if (views === undefined) trialViews.set(market, (views = new Map()));
  const key = `${start}:${end}:${config.funding}`;
  let cut = views.get(key);
  if (cut === undefined) views.set(key, (cut = sliceViews(market, config, start, end, tf)));
  return {...cut, firstIndex};
}

function sliceViews(market: SweepMarket, config: BacktestConfig, start: number, end: number, tf: number): TrialViews {
  const bars = sliceBars(market.bars, start, end);
  const range = {fromMs: bars.openTime[0], toMs: bars.openTime[bars.length - 1] + tf};
  let mark = market.mark ? sliceBars(market.mark, start, end) : null;
  // runBacktest reads mark candles for the range: none there means no mark series at all.
  if (mark && !mark.close.some((x) => x === x)) mark = null;
  let funding: FundingSeries | null = null;
  if (config.funding) {
    const f = market.funding ? sliceFunding(market.funding, range.fromMs, range.toMs) : null;
    if (!f || f.length === 0) {
      throw new IftbError(ErrorCode.DATA_MISSING, `funding is on but no ${config.symbol} funding rates are stored for the range; import them or pass --funding off`);
    }
    funding = f;
  }
  const knownDataHash = dataHash(bars, mark, funding);
  if (!market.usesAnalyzerFunding) return {bars, mark, funding, knownDataHash};
  const rates = market.analyzerFunding ? sliceFunding(market.analyzerFunding, range.fromMs - ANALYZER_FUNDING_LOOKBACK_MS, range.toMs + 1) : null;
  return {bars, mark, funding, analyzerFunding: rates && rates.length > 0 ? rates : null, knownDataHash};
}

export interface TrialRunOptions {
  readonly modelsDir?: string;
}

export interface TrialOutcome {
  readonly run: BacktestRun;
  readonly summary: RunSummary;
  readonly metrics: Metrics;
  readonly returns: PeriodReturns;
}

/** Runs one trial config over the sweep's data through the full backtest pipeline. */
export async function runTrial(market: SweepMarket, strategy: StrategyDefinition, rawConfig: unknown, options: TrialRunOptions = {}): Promise<TrialOutcome> {
  const config = parseConfig(BacktestConfigSchema, rawConfig, 'trial config');
  if (config.strategy !== strategy.name && !config.strategy.endsWith(`${strategy.name}.js`)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `trial config is for strategy '${config.strategy}', the worker loaded '${strategy.name}'`);
  }
  const {warmup} = needsOf(strategy, parseParams(strategy, config.params), {modelsDir: options.modelsDir});
  const run = await executeBacktest(config, strategy, trialData(market, config, warmup), {modelsDir: options.modelsDir});
  const r = run.engine.recorder;
  const returns = periodReturns(r.timeMs.subarray(run.firstIndex, r.length), r.equity.subarray(run.firstIndex, r.length), config.cash);
  // The full summary only when asked for (a sweep stores the metrics; a replay saves the run).
  let summary: RunSummary | undefined;
  return {
    run, metrics: runMetrics(run), returns,
    get summary() {
      return (summary ??= summarizeRun(run));
    },
  };
}

/** Loads a strategy for trials (by shipped name or module path), once per worker. */
export const loadTrialStrategy = loadStrategy;
