import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {type BarColumns, type BarSeries, ErrorCode, type FundingSeries, IftbError, timeframeMs} from '../core/index.js';
import type {BacktestConfig} from './backtest-config.js';
import type {InstrumentChoice} from './instrument-resolution.js';
import {alignMarkBars, settlementMarks} from './mark-alignment.js';

/** The candles, mark candles and funding one symbol of a run consumes, already aligned. */
export interface BacktestData {
  readonly bars: BarSeries;
  readonly mark: BarColumns | null;
  readonly funding: FundingSeries | null;
  /** First bar a decision is taken on. */
  readonly firstIndex: number;
  /** The stored instrument versions in force (resolveInstrument); absent: the built-in spec of the symbol. */
  readonly instrument?: InstrumentChoice;
  /**
   * Funding rates for analyzers that read them (ML features), loaded even with funding payments
   * off, from a few days before the first bar to the last bar's close. Absent: analyzers get `funding`.
   */
  readonly analyzerFunding?: FundingSeries | null;
  /** Mark at each funding settlement inside a bar (long bars), aligned with `funding`; see settlementMarks. */
  readonly fundingMarks?: Float64Array | null;
  /**
   * dataHash(bars, mark, funding) when the caller already knows it (an optimiser trial over a window
   * other trials used: hashing megabytes of candles per trial cost more than its per-bar loop).
   */
  readonly knownDataHash?: string;
}

/** How much history the strategy's readings need, and whether an analyzer reads funding. */
export interface DataNeeds {
  readonly warmup: number;
  readonly analyzerFunding: boolean;
}

/** Funding settlements read before the first bar, so the first bars' funding features are defined. */
const ANALYZER_FUNDING_LOOKBACK_MS = 3 * 86_400_000;

/** One symbol's data for the run's range (and the warm-up before it). */
export async function loadSymbolData(store: DuckDbStore, config: BacktestConfig, symbol: string, needs: DataNeeds): Promise<BacktestData> {
  const {warmup} = needs;
  const tf = timeframeMs(config.timeframe);
  const key = {exchange: config.exchange, symbol, timeframe: config.timeframe};
  const fromMs = config.fromMs ?? -Infinity;
  const bars = await store.marketData.readBars(key, {fromMs: Number.isFinite(fromMs) ? fromMs - warmup * tf : -Infinity, toMs: config.toMs ?? Infinity});
  const firstIndex = Number.isFinite(fromMs) ? bars.openTime.findIndex((t) => t >= fromMs) : Math.min(warmup, bars.length);
  if (bars.length === 0 || firstIndex < 0 || firstIndex >= bars.length) {
    throw new IftbError(ErrorCode.DATA_MISSING, `no ${symbol} ${config.timeframe} candles stored in the requested range (see \`iftb data list\`)`);
  }
  const range = {fromMs: bars.openTime[0], toMs: bars.openTime[bars.length - 1] + tf};
  const markRaw = await store.marketData.readBars(key, range, 'mark');
  const mark = markRaw.length > 0 ? alignMarkBars(bars, markRaw) : null;
  const fundingRaw = config.funding ? await store.marketData.readFunding(config.exchange, symbol, range) : null;
  const funding = fundingRaw && fundingRaw.length > 0 ? fundingRaw : null;
  if (config.funding && !funding) {
    throw new IftbError(ErrorCode.DATA_MISSING, `funding is on but no ${symbol} funding rates are stored for the range; import them or pass --funding off`);
  }
  let analyzerFunding: FundingSeries | null | undefined;
  if (needs.analyzerFunding) {
    const rates = await store.marketData.readFunding(config.exchange, symbol, {fromMs: range.fromMs - ANALYZER_FUNDING_LOOKBACK_MS, toMs: range.toMs + 1});
    analyzerFunding = rates.length > 0 ? rates : null;
  }
  const fundingMarks = funding ? await settlementMarks(store.marketData, key, bars, funding) : null;
  return {bars, mark, funding, firstIndex, fundingMarks, ...(analyzerFunding === undefined ? {} : {analyzerFunding})};
}

/**
 * The run's data as if every candle opening at or after `cutMs` did not exist yet (the look-ahead
 * check's replays): views of the earlier bars, so reading past them yields undefined.
 */
export function truncateData(data: BacktestData, cutMs: number): BacktestData {
  const bars = data.bars;
  let k = 0;
  while (k < bars.length && bars.openTime[k] < cutMs) k++;
  const view = <T extends BarColumns>(c: T): BarColumns => ({
    length: k, openTime: c.openTime.subarray(0, k), open: c.open.subarray(0, k), high: c.high.subarray(0, k),
    low: c.low.subarray(0, k), close: c.close.subarray(0, k), volume: c.volume.subarray(0, k),
  });
  const cutFunding = (f: FundingSeries | null, inclusive: boolean): FundingSeries | null => {
    if (f === null) return null;
    let n = 0;
    while (n < f.length && (f.time[n] < cutMs || (inclusive && f.time[n] === cutMs))) n++;
    return {...f, length: n, time: f.time.subarray(0, n), rate: f.rate.subarray(0, n), markPrice: f.markPrice.subarray(0, n)};
  };
  const funding = cutFunding(data.funding, false);
  return {
    ...data,
    bars: {key: bars.key, ...view(bars)},
    mark: data.mark === null ? null : view(data.mark),
    funding,
    ...(data.analyzerFunding === undefined ? {} : {analyzerFunding: cutFunding(data.analyzerFunding, true)}),
    ...(data.fundingMarks == null || funding === null ? {} : {fundingMarks: data.fundingMarks.subarray(0, funding.length)}),
    // Other data than the hash was of.
    knownDataHash: undefined,
  };
}

/**
 * The run's slots: every open time at which some symbol has a bar, ascending. One symbol: its own
 * bars (slot i is bar i). A symbol without a bar at a slot is skipped there, never forward-filled.
 */
export function mergeTimeline(lanes: readonly BacktestData[]): Float64Array {
  if (lanes.length === 1) return lanes[0].bars.openTime.subarray(0, lanes[0].bars.length);
  const cursors = lanes.map(() => 0);
  const out: number[] = [];
  for (;;) {
    let next = Infinity;
    for (let k = 0; k < lanes.length; k++) {
      const b = lanes[k].bars;
      if (cursors[k] < b.length && b.openTime[cursors[k]] < next) next = b.openTime[cursors[k]];
    }
    if (next === Infinity) break;
    out.push(next);
    for (let k = 0; k < lanes.length; k++) {
      const b = lanes[k].bars;
      if (cursors[k] < b.length && b.openTime[cursors[k]] === next) cursors[k]++;
    }
  }
  return Float64Array.from(out);
}
