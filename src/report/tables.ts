/** HTML tables of a run report. Every figure carries data-metric / data-value so tests can read the exact number. */
import type {ClosedTrade} from '../core/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import type {Attribution} from './attribution.js';
import {days, escapeHtml, fixed, int, money, pct, raw, time} from './format.js';
import type {CostTotals} from './journal-views.js';

type Format = (x: number | null) => string;
const ratio: Format = (x) => fixed(x, 2);

/** A figure cell: formatted text, exact value in data-value. */
export function figure(name: string, value: number | null, format: Format, signed = false): string {
  const tone = signed && value !== null && value !== 0 ? (value > 0 ? ' pos' : ' neg') : '';
  return `<td class="n${tone}" data-metric="${escapeHtml(name)}" data-value="${raw(value)}">${escapeHtml(format(value))}</td>`;
}

export type FigureRow = readonly [keyof Metrics, string, Format, boolean?];

export const HEADLINE_FIGURES: readonly FigureRow[] = [
  ['finalEquity', 'final equity (USDT)', money],
  ['totalReturn', 'total return', (x) => pct(x), true],
  ['cagr', 'CAGR', (x) => pct(x), true],
  ['sharpe', 'Sharpe (annualised)', ratio, true],
  ['sortino', 'Sortino', ratio, true],
  ['calmar', 'Calmar', ratio, true],
  ['maxDrawdown', 'max drawdown', (x) => pct(x)],
  ['maxDrawdownDurationMs', 'longest drawdown', (x) => (x === null ? '–' : days(x))],
  ['tradeCount', 'closed trades', int],
  ['winRate', 'win rate', (x) => pct(x)],
  ['profitFactor', 'profit factor', ratio],
  ['expectancy', 'expectancy per trade (USDT)', money, true],
  ['avgWin', 'average win (USDT)', money],
  ['avgLoss', 'average loss (USDT)', money],
  ['exposure', 'exposure (bars in a position)', (x) => pct(x)],
  ['bars', 'bars (decision window)', int],
];

export const COST_FIGURES: readonly FigureRow[] = [
  ['fees', 'fees (USDT)', money],
  ['slippage', 'slippage (USDT)', money],
  ['funding', 'funding, net (USDT)', money, true],
  ['liquidationFees', 'liquidation fees (USDT)', money],
  ['liquidations', 'liquidations', int],
];

export function headlineTable(metrics: Metrics, netPnl: number): string {
  const rows = HEADLINE_FIGURES.map(([key, label, format, signed]) => `<tr><th>${escapeHtml(label)}</th>${figure(key, metrics[key], format, signed)}</tr>`);
  rows.splice(2, 0, `<tr><th>net PnL of closed trades (USDT)</th>${figure('netPnl', netPnl, money, true)}</tr>`);
  const half = Math.ceil(rows.length / 2);
  return `<div class="metrics"><table>${rows.slice(0, half).join('')}</table><table>${rows.slice(half).join('')}</table></div>`;
}

export function costsTable(metrics: Metrics, costs: CostTotals, cash: number): string {
  const total = metrics.fees + metrics.slippage + metrics.liquidationFees - metrics.funding;
  const share = (x: number) => `<td class="n">${escapeHtml(pct(x / cash, 3))}</td>`;
  const row = (label: string, cell: string, amount: number | null, detail: string) =>
    `<tr><th>${escapeHtml(label)}</th>${cell}${amount === null ? '<td></td>' : share(amount)}<td class="note">${escapeHtml(detail)}</td></tr>`;
  return `<table>
<thead><tr><th>cost</th><th class="n">USDT</th><th class="n">of starting cash</th><th>detail</th></tr></thead>
<tbody>
${row('trading fees', figure('fees', metrics.fees, money), metrics.fees, `${int(costs.fills)} fills, ${int(costs.makerFills)} as maker`)}
${row('slippage', figure('slippage', metrics.slippage, money), metrics.slippage, 'adverse move against the reference price × qty; already inside fill prices')}
${row('funding (net, signed)', figure('funding', metrics.funding, money, true), -metrics.funding,
    `${int(costs.fundingPayments)} payments: paid ${money(costs.fundingPaid)}, received ${money(costs.fundingReceived)}`)}
${row('liquidation fees', figure('liquidationFees', metrics.liquidationFees, money), metrics.liquidationFees, 'clearance fee at the liquidation price')}
${row('liquidations', figure('liquidations', metrics.liquidations, int), null, 'positions closed by mark-price liquidation')}
${row('total cost drag', figure('totalCosts', total, money), total, 'fees + slippage + liquidation fees − net funding')}
</tbody></table>`;
}

export function attributionTable(a: Attribution): string {
  const rows = a.sources.map((s) => `<tr><td><code>${escapeHtml(s.id)}</code></td><td>${s.source.toUpperCase()}</td>
<td class="n">${fixed(s.weight, 3)}</td><td class="n">${int(s.withReading)}</td><td class="n">${int(s.supported)}</td>
<td class="n">${int(s.opposed)}</td><td class="n">${int(s.abstained)}</td><td class="n">${pct(s.supported > 0 ? s.supportedWins / s.supported : null, 1)}</td>
<td class="n">${fixed(s.meanAlignedScore, 3)}</td>${figure(`attribution.${s.id}`, s.pnl, money, true)}</tr>`);
  rows.push(`<tr><td>unattributed</td><td></td><td></td><td></td><td></td><td></td><td></td><td></td><td class="n">${int(a.unattributedTrades)} trades</td>${figure('attribution.unattributed', a.unattributedPnl, money, true)}</tr>`);
  return `<div class="wide"><table>
<thead><tr><th>analyzer</th><th>source</th><th class="n">weight</th><th class="n">with a reading</th><th class="n">supported</th>
<th class="n">opposed</th><th class="n">abstained</th><th class="n">win rate, supported</th><th class="n">mean aligned score</th>
<th class="n">attributed net PnL</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
<tfoot><tr><th colspan="9">total net PnL of closed trades (${int(a.tradesTraced)} of ${int(a.trades)} traced to their entry decision)</th>${figure('attribution.total', a.totalPnl, money, true)}</tr></tfoot>
</table></div>
<p class="note">Trade counts are over traced trades. Mean aligned score: the source's score at entry times the trade's direction (+1 long, −1 short), so > 0 means it agreed.</p>`;
}

const TRADE_COLUMNS: ReadonlyArray<[string, boolean]> = [
  ['#', true], ['side', false], ['qty', true], ['entry (UTC)', true], ['exit (UTC)', true], ['bars', true], ['entry price', true],
  ['exit price', true], ['gross PnL', true], ['fees', true], ['funding', true], ['liq. fee', true], ['net PnL', true],
  ['entry reason', false], ['exit reason', false],
];

export const MAX_TRADE_ROWS = 5_000;

/**
 * One line per trade at 1280 px and up: times and figures never wrap, reasons are cut to their
 * column with the whole text on hover (title), and the liquidation-fee column is left out when
 * no trade paid one. `symbols`: a portfolio's table names each trade's symbol after its number.
 */
export function tradesTable(trades: readonly ClosedTrade[], symbols = false): string {
  const shown = trades.slice(0, MAX_TRADE_ROWS);
  const liquidated = trades.some((t) => t.liquidationFee !== 0);
  const num = (x: number, digits = 2) => `<td class="n" data-v="${x}">${fixed(x, digits)}</td>`;
  const why = (text: string) => `<td class="why" title="${escapeHtml(text)}">${escapeHtml(text)}</td>`;
  const symbolCell = (t: ClosedTrade) => (symbols ? `<td>${escapeHtml(t.symbol)}</td>` : '');
  const rows = shown.map((t) => `<tr><td class="n">${t.id}</td>${symbolCell(t)}<td>${t.side}</td>${num(t.qty, 4)}<td data-v="${t.entryTimeMs}">${time(t.entryTimeMs)}</td>` +
    `<td data-v="${t.exitTimeMs}">${time(t.exitTimeMs)}</td><td class="n">${t.bars}</td>${num(t.entryPrice)}${num(t.exitPrice)}${num(t.grossPnl)}` +
    `${num(t.fees)}${num(t.funding)}${liquidated ? num(t.liquidationFee) : ''}<td class="n ${t.netPnl > 0 ? 'pos' : t.netPnl < 0 ? 'neg' : ''}" data-v="${t.netPnl}">${fixed(t.netPnl)}</td>` +
    `${why(t.entryReason)}${why(t.exitReason)}</tr>`);
  const kept = liquidated ? TRADE_COLUMNS : TRADE_COLUMNS.filter(([label]) => label !== 'liq. fee');
  const columns = symbols ? [kept[0], ['symbol', false] as [string, boolean], ...kept.slice(1)] : kept;
  const head = columns.map(([label, numeric]) => `<th${numeric ? ' class="n" data-type="num"' : ''}>${escapeHtml(label)}</th>`).join('');
  const note = trades.length > shown.length
    ? `<p class="note">The first ${int(shown.length)} of ${int(trades.length)} trades are listed; every trade is in trades.csv and trades.parquet.</p>`
    : '';
  const noLiquidation = liquidated ? '' : '<p class="note">No trade paid a liquidation fee, so that column is left out.</p>';
  return `${note}${noLiquidation}<div class="scroll"><table class="sortable trades" id="trade-list"><thead><tr>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>`;
}
