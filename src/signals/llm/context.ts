/**
 * Point-in-time market snapshots for LLM prompts. A snapshot at bar i is built from a view of the
 * bars [i − historyBars + 1, i] (so reading past bar i is impossible), funding settled at or
 * before bar i's close and headlines timestamped at or before it. The TA readings come from
 * fresh analyzers run over that window only, so the prompt of a bar is the same whatever range a
 * backtest or a recording loaded around it: its request hash is stable.
 */
import {type Analyzer, type Bar, type BarColumns, createBarView, type FundingSeries, type Indicator, type NewsItem, type SignalSlot} from '../../core/index.js';

export interface PromptReadings {
  /** A signal source (the TA composite) whose score, confidence and numeric `components` go into the prompt. */
  readonly ta: Analyzer & {readonly components?: Readonly<object>};
  /** Plain indicators by the label the prompt shows, e.g. {'RSI(14)': rsi(14)}. */
  readonly indicators: Readonly<Record<string, Indicator>>;
}

/** Fresh readings for each snapshot. */
export type PromptReadingsFactory = () => PromptReadings;

export interface SnapshotOptions {
  readonly symbol: string;
  readonly timeframe: string;
  readonly timeframeMs: number;
  readonly readings: PromptReadingsFactory;
  /** Bars of history the readings run over (the window ends at the snapshot bar). */
  readonly historyBars: number;
  /** Closed candles listed in the prompt. */
  readonly recentBars: number;
  /** Headlines older than this (before the close) are left out. */
  readonly newsLookbackMs: number;
  readonly maxNews: number;
  /** A funding settlement older than this is left out. */
  readonly fundingMaxAgeMs: number;
}

export const DEFAULT_SNAPSHOT = {
  historyBars: 300,
  recentBars: 24,
  newsLookbackMs: 2 * 86_400_000,
  maxNews: 8,
  fundingMaxAgeMs: 86_400_000,
} as const;

export interface MarketSnapshot {
  readonly symbol: string;
  readonly timeframe: string;
  /** Close time of the snapshot bar: nothing in the snapshot is later. */
  readonly closeTimeMs: number;
  readonly recent: readonly Bar[];
  /** Close-to-close change over the last `bars` bars, as a fraction. */
  readonly changes: ReadonlyArray<{readonly bars: number; readonly change: number}>;
  readonly ta: {readonly id: string; readonly active: boolean; readonly score: number; readonly confidence: number; readonly components: Readonly<Record<string, number>>};
  readonly indicators: Readonly<Record<string, number>>;
  readonly funding: {readonly rate: number; readonly timeMs: number} | null;
  readonly news: readonly NewsItem[];
}

/** Columns of bars [index − historyBars + 1, index]: a zero-copy view that ends at the snapshot bar. */
export function windowView(bars: BarColumns, index: number, historyBars: number): BarColumns {
  const start = Math.max(0, index - historyBars + 1);
  const end = index + 1;
  return {
    length: end - start,
    openTime: bars.openTime.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
  };
}

/** Index of the last element whose time is ≤ t in an ascending sequence, or −1. */
function lastAtOrBefore(timeAt: (k: number) => number, length: number, t: number): number {
  let lo = 0;
  let hi = length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timeAt(mid) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const CHANGE_BARS = [1, 4, 24, 72];

/**
 * The snapshot at bar `index` (closed at openTime + timeframe). `funding` and `news` may hold
 * later items (a whole range is read at once); only those at or before the close are used.
 * `news` must be sorted by time.
 */
export function marketSnapshot(
  bars: BarColumns,
  index: number,
  o: SnapshotOptions,
  funding: FundingSeries | null,
  news: readonly NewsItem[],
): MarketSnapshot {
  const view = windowView(bars, index, o.historyBars);
  const last = view.length - 1;
  const closeTimeMs = view.openTime[last] + o.timeframeMs;

  const readings = o.readings();
  const slot: SignalSlot = {score: 0, confidence: 0, active: false};
  const names = Object.keys(readings.indicators);
  const values: Record<string, number> = {};
  const cursor = createBarView(view);
  for (let i = 0; i < view.length; i++) {
    cursor.moveTo(i);
    readings.ta.update(cursor.view, slot);
    for (const name of names) values[name] = readings.indicators[name].update(cursor.view);
  }
  const components: Record<string, number> = {};
  for (const [key, value] of Object.entries(readings.ta.components ?? {})) {
    if (typeof value === 'number' && key !== 'patternFlags') components[key] = value;
  }

  const recent: Bar[] = [];
  for (let i = Math.max(0, view.length - o.recentBars); i < view.length; i++) {
    recent.push({openTime: view.openTime[i], open: view.open[i], high: view.high[i], low: view.low[i], close: view.close[i], volume: view.volume[i]});
  }
  const changes = CHANGE_BARS.filter((k) => k <= last).map((k) => ({bars: k, change: view.close[last] / view.close[last - k] - 1}));

  let fundingReading: MarketSnapshot['funding'] = null;
  if (funding !== null) {
    const k = lastAtOrBefore((j) => funding.time[j], funding.length, closeTimeMs);
    if (k >= 0 && closeTimeMs - funding.time[k] <= o.fundingMaxAgeMs) fundingReading = {rate: funding.rate[k], timeMs: funding.time[k]};
  }

  const upto = lastAtOrBefore((j) => news[j].timeMs, news.length, closeTimeMs);
  const picked: NewsItem[] = [];
  for (let k = upto; k >= 0 && picked.length < o.maxNews; k--) {
    if (news[k].timeMs <= closeTimeMs - o.newsLookbackMs) break;
    picked.push(news[k]);
  }
  picked.reverse();

  return {
    symbol: o.symbol,
    timeframe: o.timeframe,
    closeTimeMs,
    recent,
    changes,
    ta: {id: readings.ta.id, active: slot.active, score: slot.score, confidence: slot.confidence, components},
    indicators: values,
    funding: fundingReading,
    news: picked,
  };
}
