/**
 * run.json's portfolio part: per symbol (P&L and where it came from, trades, costs, exposure,
 * missing bars, signal accuracy per source), the correlation of the symbols' bar returns and the
 * account's exposure; and each source's accuracy pooled over the symbols (run.json's `sources`
 * for a portfolio). Each symbol's readings are taken on its own bars (the horizon counts its
 * bars, not the merged slots), exactly as a single-symbol run of it would count them.
 */
import type {SignalSource} from '../core/index.js';
import {canonicalJson} from '../config/index.js';
import {accountExposure, pooledAccuracy, type ReadingSeries, returnCorrelation} from '../portfolio/symbol-stats.js';
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {ReportPortfolio, ReportSource, ReportSymbol} from '../report/index.js';
import {type BacktestRun, slotAligned} from './backtest-runner.js';
import type {InstrumentRunInfo} from './instrument-resolution.js';

/** One source on one symbol, or pooled over the symbols (run.json `sources` of a portfolio). */
export type PortfolioSource = ReportSource & {readonly weight: number};

/** One symbol of run.json's `portfolio.symbols`: the figures the report reads (ReportSymbol), its params and instrument. */
export interface SymbolSummary extends ReportSymbol {
  readonly params: unknown;
  readonly sources: readonly PortfolioSource[];
  readonly instrument: InstrumentRunInfo;
}

export interface PortfolioSummary extends ReportPortfolio {
  readonly symbols: readonly SymbolSummary[];
}

/** What summarizeRun puts into run.json for a run of several symbols. */
export interface PortfolioParts {
  readonly portfolio: PortfolioSummary;
  readonly sources: readonly PortfolioSource[];
  readonly ensembleAccuracy: SignalAccuracy;
  /** Slots in the decision window that closed with any position open. */
  readonly exposureSlots: number;
}

/** One symbol's readings on its own bars, and what else the summary needs of it. */
interface LaneView {
  readonly bars: number;
  readonly start: number;
  readonly end: number;
  readonly readings: ReadonlyArray<{id: string; source: SignalSource; series: ReadingSeries}>;
  readonly ensemble: ReadingSeries;
  readonly position: Float64Array;
}

export function summarizePortfolio(run: BacktestRun): PortfolioParts {
  const {engine, ledger, config, timeline, firstIndex} = run;
  const r = engine.recorder;
  const n = r.length;
  const horizon = config.accuracyHorizonBars;
  const unavailable = new Map(run.unavailableSources.map((s) => [s.id, s.reason]));
  const perSource: Record<string, number> = {};
  for (const s of r.lanes[0].signals) perSource[s.source] = (perSource[s.source] ?? 0) + 1;
  const weightOf = (source: SignalSource) => run.weights[source] / (perSource[source] ?? 1);
  const missing = engine.missingBars();
  const views = run.lanes.map((_, k) => laneView(run, k));

  const sourceOf = (id: string, source: SignalSource, parts: readonly ReadingSeries[]): PortfolioSource => {
    let activeBars = 0;
    for (const p of parts) for (let i = p.startIndex; i < p.endIndex; i++) activeBars += p.active[i];
    return {
      id, source, activeBars, status: activeBars > 0 ? 'active' : 'abstained', ...(unavailable.has(id) ? {note: unavailable.get(id)} : {}),
      weight: weightOf(source), accuracy: pooledAccuracy(parts, horizon),
    };
  };

  const symbols: SymbolSummary[] = run.lanes.map((lane, k) => {
    const v = views[k];
    const books = cashBooks(ledger.entries, lane.symbol);
    const trades = ledger.trades.filter((t) => t.symbol === lane.symbol);
    const wins = trades.filter((t) => t.netPnl > 0).length;
    let slippage = 0;
    let liquidations = 0;
    for (const e of run.journal) {
      if (e.type === 'fill' && e.fill.symbol === lane.symbol) slippage += e.fill.slippage;
      else if (e.type === 'liquidation' && e.liquidation.symbol === lane.symbol) liquidations++;
    }
    let inPosition = 0;
    let notional = 0;
    for (let j = v.start; j < v.end; j++) {
      const q = v.position[j];
      if (q !== 0) inPosition++;
      notional += Math.abs(q) * lane.bars.close[j];
    }
    const qty = ledger.qty(k);
    const entryPrice = ledger.entry(k);
    const lastClose = v.end > 0 ? lane.bars.close[v.end - 1] : Number.NaN;
    const unrealisedPnl = qty === 0 ? 0 : qty * (lastClose - entryPrice);
    const firstClose = v.end > v.start ? lane.bars.close[v.start] : Number.NaN;
    return {
      symbol: lane.symbol,
      firstBarMs: v.end > v.start ? lane.bars.openTime[v.start] : Number.NaN,
      lastBarMs: v.end > 0 ? lane.bars.openTime[v.end - 1] : Number.NaN,
      bars: v.bars,
      warmupBars: v.start,
      missingBars: missing[k].bars,
      pnl: books.realised - books.fees + books.funding - books.liquidationFees + unrealisedPnl,
      realisedPnl: books.realised,
      fees: books.fees,
      funding: books.funding,
      liquidationFees: books.liquidationFees,
      unrealisedPnl,
      slippage,
      liquidations,
      trades: trades.length,
      winRate: trades.length > 0 ? wins / trades.length : null,
      closedNetPnl: trades.reduce((s, t) => s + t.netPnl, 0),
      exposure: v.bars > 0 ? inPosition / v.bars : null,
      meanNotional: v.bars > 0 ? notional / v.bars : null,
      finalQty: qty,
      entryPrice,
      lastClose,
      buyAndHoldReturn: Number.isFinite(firstClose) && firstClose !== 0 ? lastClose / firstClose - 1 : null,
      params: JSON.parse(canonicalJson(lane.params)) as unknown,
      sources: v.readings.map((x) => sourceOf(x.id, x.source, [x.series])),
      ensembleAccuracy: pooledAccuracy([v.ensemble], horizon),
      instrument: lane.instrument,
    };
  });

  // Pooled: each analyzer id over the symbols that have it, in the order they first appear.
  const ids: Array<{id: string; source: SignalSource}> = [];
  for (const v of views) for (const x of v.readings) if (!ids.some((s) => s.id === x.id)) ids.push({id: x.id, source: x.source});
  const sources = ids.map(({id, source}) => sourceOf(id, source, views.flatMap((v) => v.readings.filter((x) => x.id === id).map((x) => x.series))));

  const window = (c: Float64Array) => c.subarray(firstIndex, n);
  const closes = run.lanes.map((lane) => window(slotAligned(lane.bars, timeline).close));
  const positions = r.lanes.map((l) => window(l.positionQty));
  const account = accountExposure(window(r.equity), positions, closes);
  return {
    portfolio: {symbols, correlation: returnCorrelation(run.lanes.map((l) => l.symbol), closes), account},
    sources,
    ensembleAccuracy: pooledAccuracy(views.map((v) => v.ensemble), horizon),
    exposureSlots: account.slotsInMarket,
  };
}

/** Lane k's recorded columns on its own bars (the recorder keeps them by slot). */
function laneView(run: BacktestRun, k: number): LaneView {
  const lane = run.lanes[k];
  const rec = run.engine.recorder.lanes[k];
  const slots = run.engine.recorder.length;
  const {timeline} = run;
  const own = lane.bars;
  const slotOf: number[] = [];
  for (let s = 0, j = 0; s < slots && j < own.length; s++) if (timeline[s] === own.openTime[j]) slotOf[j++] = s;
  const end = slotOf.length;
  const pick = <T extends Float64Array | Uint8Array>(column: T): T => {
    const out = new (column.constructor as new (size: number) => T)(end);
    for (let j = 0; j < end; j++) out[j] = column[slotOf[j]];
    return out;
  };
  const start = Math.min(lane.firstIndex, end);
  const series = (c: {score: Float64Array; confidence: Float64Array; active: Uint8Array}): ReadingSeries => ({
    close: own.close.subarray(0, end), scores: pick(c.score), confidences: pick(c.confidence), active: pick(c.active), startIndex: start, endIndex: end,
  });
  return {
    bars: end - start,
    start,
    end,
    readings: rec.signals.map((s) => ({id: s.id, source: s.source, series: series(s)})),
    ensemble: series({score: rec.ensembleScore, confidence: rec.ensembleConfidence, active: rec.ensembleActive}),
    position: pick(rec.positionQty),
  };
}

/** A symbol's cash-ledger rows summed by kind (fees and liquidation fees as positive costs). */
function cashBooks(entries: BacktestRun['ledger']['entries'], symbol: string) {
  let realised = 0, fees = 0, funding = 0, liquidationFees = 0;
  for (const e of entries) {
    if (e.symbol !== symbol) continue;
    if (e.kind === 'realized-pnl') realised += e.amount;
    else if (e.kind === 'fee') fees -= e.amount;
    else if (e.kind === 'funding') funding += e.amount;
    else if (e.kind === 'liquidation-fee') liquidationFees -= e.amount;
  }
  return {realised, fees, funding, liquidationFees};
}
