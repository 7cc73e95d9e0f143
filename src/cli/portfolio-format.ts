import type {PortfolioSummary} from '../app/portfolio-summary.js';
import {formatInt, renderTable} from './format.js';
import {instrumentSummaryLines} from './instrument-format.js';

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
const money = (x: number) => x.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});
const short = (symbol: string) => symbol.split('/')[0];

/** The backtest summary's portfolio part: one row per symbol, the return correlations, the account's exposure. */
export function portfolioSummaryLines(p: PortfolioSummary | undefined): string[] {
  if (p === undefined) return [];
  const rows = p.symbols.map((s) => [
    s.symbol, formatInt(s.bars), formatInt(s.missingBars), money(s.pnl), money(s.unrealisedPnl), `${s.trades} / ${pct(s.winRate)}`,
    money(s.fees), money(s.funding), pct(s.exposure), pct(s.buyAndHoldReturn),
  ]);
  const c = p.correlation;
  const correlation = c.symbols.length > 1
    ? ['return correlation (bar returns, decision window):', renderTable(['', ...c.symbols.map(short)],
        c.symbols.map((s, a) => [short(s), ...c.matrix[a].map((r) => (r === null ? '-' : r.toFixed(2)))]))]
    : [];
  const a = p.account;
  return [
    'per symbol:',
    renderTable(['symbol', 'bars', 'missing', 'P&L', 'unrealised', 'trades / win', 'fees', 'funding', 'exposure', 'buy & hold'], rows),
    ...correlation,
    `account: in the market ${pct(a.slots > 0 ? a.slotsInMarket / a.slots : null)} of ${formatInt(a.slots)} slots; open positions mean ${a.meanOpenPositions.toFixed(2)}, max ${a.maxOpenPositions}; ` +
      `gross leverage mean ${a.meanGrossLeverage.toFixed(2)}x, max ${a.maxGrossLeverage.toFixed(2)}x`,
    ...p.symbols.slice(1).flatMap((s) => instrumentSummaryLines(s.instrument)),
  ];
}
