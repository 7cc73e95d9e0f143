/**
 * A portfolio run's figures of run.json recomputed from the stored evidence: each symbol's P&L
 * from its cash-ledger rows and the journal's open position at its last close, its costs from
 * the journal, its trades from the trades table, its exposure and per-source hit rates from the
 * per-slot columns (on its own bars), and the return correlation and account exposure from the
 * slot columns.
 */
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import {laneExposure, type LaneBars, pooledReadingAccuracy, portfolioLanes, slotFigures} from './portfolio-views.js';
import {replayJournal, type SymbolMark} from './reconcile.js';
import type {BarTrack, ReportInput, ReportPortfolio} from './types.js';

export interface FigureCheck {
  readonly figure: string;
  readonly reported: number | null;
  readonly recomputed: number | null;
  readonly from: string;
  /** Hit rates: the sample counts must agree too. */
  readonly samplesAgree?: boolean;
}

/** Each symbol's last close in the window (where the account marks it) and its position at the last slot. */
export function symbolMarks(bars: BarTrack): SymbolMark[] {
  return (bars.lanes ?? []).map((lane) => {
    let lastClose = Number.NaN;
    for (let s = bars.length - 1; s >= 0; s--) {
      if (Number.isFinite(lane.close[s])) {
        lastClose = lane.close[s];
        break;
      }
    }
    return {symbol: lane.symbol, lastClose, lastPosition: bars.length > 0 ? lane.position[bars.length - 1] : 0};
  });
}

const hit = (figure: string, reported: SignalAccuracy, recomputed: SignalAccuracy): FigureCheck => ({
  figure, reported: reported.hitRate, recomputed: recomputed.hitRate, from: 'per-slot scores and closes, on the symbol\'s own bars',
  samplesAgree: reported.samples === recomputed.samples,
});

/** The pooled hit rate of every source in run.json's `sources`, recomputed over the symbols. */
export function pooledSourceChecks(input: ReportInput, lanes: readonly LaneBars[], horizon: number): FigureCheck[] {
  return input.summary.sources.map((s) => hit(`${s.id} hit rate (all symbols)`, s.accuracy, pooledReadingAccuracy(lanes, s.id, horizon)));
}

export function portfolioChecks(input: ReportInput, portfolio: ReportPortfolio, timeframeMs: number, horizon: number): FigureCheck[] {
  const {bars, journal, trades, summary} = input;
  const lanes = portfolioLanes(bars, portfolio.symbols, timeframeMs);
  const books = replayJournal(journal);
  const marks = symbolMarks(bars);
  const hasSymbols = input.cash.some((c) => c.symbol !== undefined && c.symbol !== '');
  const out: FigureCheck[] = [...pooledSourceChecks(input, lanes, horizon)];
  out.push(hit('ensemble hit rate (all symbols)', summary.ensembleAccuracy, pooledReadingAccuracy(lanes, 'ensemble', horizon)));
  let total = 0;
  portfolio.symbols.forEach((s, k) => {
    const lane = lanes[k];
    const j = books.bySymbol.get(s.symbol) ?? {realised: 0, fees: 0, funding: 0, liquidationFees: 0};
    const open = books.open.get(s.symbol);
    const unrealised = open === undefined ? 0 : open.qty * (marks[k].lastClose - open.entry);
    let cash = 0;
    for (const c of input.cash) if (c.symbol === s.symbol && c.kind !== 'deposit') cash += c.amount;
    total += s.pnl;
    const own = trades.filter((t) => t.symbol === s.symbol);
    const exposure = laneExposure(lane);
    const at = (name: string) => `${s.symbol} ${name}`;
    out.push(
      ...(hasSymbols ? [{figure: at('P&L'), reported: s.pnl, recomputed: cash + unrealised, from: 'its cash-ledger rows + journal position at its last close'}] : []),
      {figure: at('unrealised PnL'), reported: s.unrealisedPnl, recomputed: unrealised, from: 'journal fills replayed, marked at its last close'},
      {figure: at('fees'), reported: s.fees, recomputed: j.fees, from: 'journal fills'},
      {figure: at('funding'), reported: s.funding, recomputed: j.funding, from: 'journal funding payments'},
      {figure: at('liquidation fees'), reported: s.liquidationFees, recomputed: j.liquidationFees, from: 'journal liquidations'},
      {figure: at('trades'), reported: s.trades, recomputed: own.length, from: 'closed trades'},
      {figure: at('closed net PnL'), reported: s.closedNetPnl, recomputed: own.reduce((sum, t) => sum + t.netPnl, 0), from: 'closed trades'},
      {figure: at('bars'), reported: s.bars, recomputed: lane.length, from: 'per-slot closes'},
      {figure: at('exposure'), reported: s.exposure, recomputed: exposure.exposure, from: 'per-slot positions'},
      {figure: at('mean notional'), reported: s.meanNotional, recomputed: exposure.meanNotional, from: 'per-slot positions and closes'},
      ...s.sources.map((src) => hit(`${s.symbol} ${src.id} hit rate`, src.accuracy, pooledReadingAccuracy([lane], src.id, horizon))),
      hit(`${s.symbol} ensemble hit rate`, s.ensembleAccuracy, pooledReadingAccuracy([lane], 'ensemble', horizon)),
    );
  });
  const deposit = input.cash.filter((c) => c.kind === 'deposit').reduce((sum, c) => sum + c.amount, 0);
  out.push({figure: 'Σ symbol P&L', reported: total, recomputed: summary.metrics.finalEquity - deposit, from: 'run.json final equity − deposit (cash ledger)'});
  const slots = slotFigures(bars);
  const c = portfolio.correlation;
  c.symbols.forEach((a, i) => c.symbols.forEach((b, k) => {
    if (k > i) out.push({figure: `correlation ${a} · ${b}`, reported: c.matrix[i][k], recomputed: slots.correlation.matrix[i]?.[k] ?? null, from: 'per-slot closes'});
  }));
  const a = portfolio.account;
  for (const key of ['slotsInMarket', 'maxOpenPositions', 'meanOpenPositions', 'meanGrossLeverage', 'maxGrossLeverage'] as const) {
    out.push({figure: `account ${key}`, reported: a[key], recomputed: slots.account[key], from: 'per-slot positions, closes and equity'});
  }
  return out;
}
