/**
 * Backtest-vs-live diff: a session's closed trades next to the trades of the same candles replayed
 * through the backtest wiring, paired, and each difference in net PnL attributed to one cause.
 * The attribution sums the pairs' differences, so it adds up to Σ live net − Σ replay net exactly.
 */
import type {ClosedTrade} from '../core/index.js';

export type DiffCause = 'identical' | 'slippage' | 'latency' | 'missed-bars' | 'rejected-order' | 'fees' | 'funding' | 'liquidation' | 'decision';

export const DIFF_CAUSES: readonly DiffCause[] = ['identical', 'slippage', 'latency', 'missed-bars', 'rejected-order', 'fees', 'funding', 'liquidation', 'decision'];

export interface TradePair {
  readonly symbol: string;
  readonly live: ClosedTrade | null;
  readonly replay: ClosedTrade | null;
  /** live − replay; null when one side has no trade. */
  readonly entryDelayMs: number | null;
  readonly exitDelayMs: number | null;
  /** live net − replay net (a missing side counts 0), split into its parts. */
  readonly netDifference: number;
  readonly parts: {readonly price: number; readonly fees: number; readonly funding: number; readonly liquidation: number};
  readonly cause: DiffCause;
  readonly note: string;
}

export interface TradeTotals {
  readonly trades: number;
  readonly netPnl: number;
  readonly fees: number;
  readonly funding: number;
}

export interface TradeDiff {
  readonly pairs: readonly TradePair[];
  readonly live: TradeTotals;
  readonly replay: TradeTotals;
  /** Σ netDifference by cause. */
  readonly attribution: Readonly<Record<DiffCause, number>>;
}

export interface DiffContext {
  readonly timeframeMs: number;
  /** Open times of bars that closed during the session but were never decided by it, per symbol. */
  readonly missedBars: ReadonlyMap<string, readonly number[]>;
  /** Times of orders the venue rejected in the live journal, per symbol. */
  readonly rejections: ReadonlyMap<string, readonly number[]>;
}

/** Two trades are the same decision when their sides agree and their entries are this many bars apart at most. */
const MATCH_BARS = 3;
const EPSILON = 1e-9;

export function diffTrades(live: readonly ClosedTrade[], replay: readonly ClosedTrade[], context: DiffContext): TradeDiff {
  const symbols = [...new Set([...live, ...replay].map((t) => t.symbol))].sort();
  const pairs: TradePair[] = [];
  for (const symbol of symbols) pairs.push(...pairSymbol(symbol, byEntry(live, symbol), byEntry(replay, symbol), context));
  const attribution = Object.fromEntries(DIFF_CAUSES.map((c) => [c, 0])) as Record<DiffCause, number>;
  for (const p of pairs) attribution[p.cause] += p.netDifference;
  return {pairs, live: totals(live), replay: totals(replay), attribution};
}

function byEntry(trades: readonly ClosedTrade[], symbol: string): ClosedTrade[] {
  return trades.filter((t) => t.symbol === symbol).sort((a, b) => a.entryTimeMs - b.entryTimeMs || a.id - b.id);
}

function totals(trades: readonly ClosedTrade[]): TradeTotals {
  let netPnl = 0, fees = 0, funding = 0;
  for (const t of trades) {
    netPnl += t.netPnl;
    fees += t.fees;
    funding += t.funding;
  }
  return {trades: trades.length, netPnl, fees, funding};
}

function pairSymbol(symbol: string, live: ClosedTrade[], replay: ClosedTrade[], c: DiffContext): TradePair[] {
  const out: TradePair[] = [];
  const tolerance = MATCH_BARS * c.timeframeMs;
  let i = 0, j = 0;
  while (i < live.length || j < replay.length) {
    const l = live[i], r = replay[j];
    if (l !== undefined && r !== undefined && l.side === r.side && Math.abs(l.entryTimeMs - r.entryTimeMs) <= tolerance) {
      out.push(matched(symbol, l, r, c));
      i++;
      j++;
    } else if (r === undefined || (l !== undefined && l.entryTimeMs <= r.entryTimeMs)) {
      out.push(liveOnly(symbol, l!, c));
      i++;
    } else {
      out.push(replayOnly(symbol, r, c));
      j++;
    }
  }
  return out;
}

const within = (times: readonly number[] | undefined, fromMs: number, toMs: number) => (times ?? []).some((t) => t >= fromMs && t <= toMs);

function matched(symbol: string, l: ClosedTrade, r: ClosedTrade, c: DiffContext): TradePair {
  const parts = {price: l.grossPnl - r.grossPnl, fees: r.fees - l.fees, funding: l.funding - r.funding, liquidation: r.liquidationFee - l.liquidationFee};
  const netDifference = l.netPnl - r.netPnl;
  const entryDelayMs = l.entryTimeMs - r.entryTimeMs;
  const exitDelayMs = l.exitTimeMs - r.exitTimeMs;
  const pair = {symbol, live: l, replay: r, entryDelayMs, exitDelayMs, netDifference, parts};
  if (Math.abs(netDifference) < EPSILON && entryDelayMs === 0 && exitDelayMs === 0) return {...pair, cause: 'identical', note: 'same fills'};
  const largest = (Object.entries(parts) as [keyof typeof parts, number][]).reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
  if (largest[0] !== 'price') return {...pair, cause: largest[0], note: `${largest[0]} differ by ${largest[1].toFixed(4)}`};
  // Filled within the bar the replay filled in (a live order leaves a few ms after the close the
  // replay fills at): the price gap is slippage; a fill in a later bar is latency or a missed bar.
  const bar = (t: number) => Math.floor(t / c.timeframeMs);
  if (bar(l.entryTimeMs) === bar(r.entryTimeMs) && bar(l.exitTimeMs) === bar(r.exitTimeMs)) return {...pair, cause: 'slippage', note: 'same bars, other fill prices'};
  const missed = c.missedBars.get(symbol);
  const early = (a: number, b: number) => Math.min(a, b) - c.timeframeMs;
  if (within(missed, early(l.entryTimeMs, r.entryTimeMs), Math.max(l.entryTimeMs, r.entryTimeMs)) || within(missed, early(l.exitTimeMs, r.exitTimeMs), Math.max(l.exitTimeMs, r.exitTimeMs))) {
    return {...pair, cause: 'missed-bars', note: 'the session did not decide a bar the replay decided on'};
  }
  return {...pair, cause: 'latency', note: `filled ${fmtDelay(entryDelayMs)} / ${fmtDelay(exitDelayMs)} from the replay's bars`};
}

function replayOnly(symbol: string, r: ClosedTrade, c: DiffContext): TradePair {
  const base = {symbol, live: null, replay: r, entryDelayMs: null, exitDelayMs: null, netDifference: -r.netPnl,
    parts: {price: -r.grossPnl, fees: r.fees, funding: -r.funding, liquidation: r.liquidationFee}};
  if (within(c.rejections.get(symbol), r.entryTimeMs - 2 * c.timeframeMs, r.entryTimeMs + c.timeframeMs)) {
    return {...base, cause: 'rejected-order', note: 'the venue rejected the live order'};
  }
  if (within(c.missedBars.get(symbol), r.entryTimeMs - c.timeframeMs, r.entryTimeMs)) return {...base, cause: 'missed-bars', note: 'the session missed the bar this entry was decided on'};
  return {...base, cause: 'decision', note: 'only the replay traded'};
}

function liveOnly(symbol: string, l: ClosedTrade, c: DiffContext): TradePair {
  const base = {symbol, live: l, replay: null, entryDelayMs: null, exitDelayMs: null, netDifference: l.netPnl,
    parts: {price: l.grossPnl, fees: -l.fees, funding: l.funding, liquidation: -l.liquidationFee}};
  if (within(c.missedBars.get(symbol), l.entryTimeMs - MATCH_BARS * c.timeframeMs, l.entryTimeMs)) return {...base, cause: 'missed-bars', note: 'around bars the session missed'};
  return {...base, cause: 'decision', note: l.entryReason.startsWith('external') ? 'an external position the session adopted' : 'only the session traded'};
}

function fmtDelay(ms: number): string {
  if (ms === 0) return '0';
  const s = ms / 1000;
  return `${s > 0 ? '+' : ''}${Math.abs(s) >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`}`;
}
