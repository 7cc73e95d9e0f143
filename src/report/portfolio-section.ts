/** The report's Symbols section of a portfolio run: per-symbol breakdown, accuracy per source per symbol, return correlation, account exposure. */
import {downsample} from './downsample.js';
import {escapeHtml, fixed, int, money, pct, raw} from './format.js';
import {figure} from './tables.js';
import {chart, timeX, type VlSpec, WIDTH} from './spec-common.js';
import type {ReportPortfolio, ReportSource} from './types.js';

/** Each symbol's close as growth of 1 from its first close in the window (min/max per bucket, gaps left open). */
export function symbolPricesSpec(lines: ReadonlyArray<{symbol: string; timeMs: Float64Array; growth: Float64Array}>, buckets: number): VlSpec {
  const values = lines.flatMap((l) => downsample(l.timeMs, l.growth, buckets, 6).map((p) => ({...p, s: l.symbol})));
  return chart('Symbols\' closes, growth of 1 from the first decision bar', {
    width: WIDTH,
    height: 300,
    data: {values},
    mark: {type: 'line', strokeWidth: 1.1},
    encoding: {
      x: timeX(),
      y: {field: 'v', type: 'quantitative', title: 'close / first close', scale: {zero: false}},
      color: {field: 's', type: 'nominal', title: null, legend: {orient: 'top', columns: 5}},
    },
  }, 'One line per symbol on the run\'s slots; a symbol without a bar at a slot has no point there (never filled). Fills are listed per symbol in Trades.');
}

const signedMoney = (name: string, x: number) => figure(name, x, money, true);

/** Per-symbol P&L (what each added to equity), where it came from, trades, costs, exposure and missing bars. */
function symbolsTable(p: ReportPortfolio): string {
  const head = ['symbol', 'P&L', 'realised', 'unrealised', 'fees', 'funding', 'liq. fees', 'trades', 'win rate', 'exposure', 'mean notional',
    'buy & hold', 'bars', 'missing bars'];
  const rows = p.symbols.map((s) => {
    const key = (k: string) => `symbol.${s.symbol}.${k}`;
    return `<tr data-symbol="${escapeHtml(s.symbol)}"><th>${escapeHtml(s.symbol)}</th>${signedMoney(key('pnl'), s.pnl)}${signedMoney(key('realisedPnl'), s.realisedPnl)}` +
      `${signedMoney(key('unrealisedPnl'), s.unrealisedPnl)}${figure(key('fees'), s.fees, money)}${signedMoney(key('funding'), s.funding)}` +
      `${figure(key('liquidationFees'), s.liquidationFees, money)}${figure(key('trades'), s.trades, int)}${figure(key('winRate'), s.winRate, (x) => pct(x))}` +
      `${figure(key('exposure'), s.exposure, (x) => pct(x))}${figure(key('meanNotional'), s.meanNotional, money)}${figure(key('buyAndHoldReturn'), s.buyAndHoldReturn, (x) => pct(x), true)}` +
      `${figure(key('bars'), s.bars, int)}${figure(key('missingBars'), s.missingBars, int)}</tr>`;
  });
  const total = p.symbols.reduce((sum, s) => sum + s.pnl, 0);
  return `<div class="wide"><table id="symbols-table"><thead><tr>${head.map((h, k) => `<th${k > 0 ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody>
<tfoot><tr><th>all symbols</th>${signedMoney('symbols.pnl', total)}<td colspan="${head.length - 2}" class="note">= final equity − starting cash (see Checks)</td></tr></tfoot></table></div>
<p class="note">P&L is what the symbol added to the account's equity: realised PnL − fees + funding − liquidation fees, plus the unrealised PnL of a position still open
at the end (marked at the symbol's last close). Exposure: share of the symbol's own bars that closed with a position; mean notional: mean |qty| × close over them.
Buy & hold: the symbol's last close over its first decision bar's close. Missing bars: slots between the symbol's first and last bar at which it had no bar
while other symbols traded; it was skipped there (no decision, no fill, no forward fill).</p>`;
}

/** Hit rate of every source on every symbol, with the pooled figure run.json's `sources` gives. */
function accuracyTable(p: ReportPortfolio, pooled: readonly ReportSource[], horizon: number): string {
  const ids = [...pooled.map((s) => s.id), 'ensemble'];
  const cell = (name: string, a: ReportSource['accuracy'] | undefined) => a === undefined ? '<td class="n">–</td>'
    : `<td class="n" data-metric="${escapeHtml(name)}" data-value="${raw(a.hitRate)}">${escapeHtml(pct(a.hitRate, 1))} <span class="note">${int(a.samples)}</span></td>`;
  const rows = p.symbols.map((s) => {
    const cells = ids.map((id) => cell(`hitRate.${id}.${s.symbol}`, id === 'ensemble' ? s.ensembleAccuracy : s.sources.find((x) => x.id === id)?.accuracy));
    return `<tr><th>${escapeHtml(s.symbol)}</th>${cells.join('')}</tr>`;
  });
  return `<h3>Signal accuracy per source per symbol</h3>
<div class="wide"><table id="symbol-accuracy"><thead><tr><th>symbol</th>${ids.map((id) => `<th class="n"><code>${escapeHtml(id)}</code></th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>
<p class="note">Hit rate of the score's sign against the move over the symbol's next ${int(horizon)} bars of its own (scored bars in small type); Signals shows each source pooled over the symbols.</p>`;
}

function correlationTable(p: ReportPortfolio): string {
  const c = p.correlation;
  const tone = (r: number | null) => (r === null ? '' : ` style="background:rgba(${r >= 0 ? '31,90,166' : '215,48,39'},${fixed(Math.min(1, Math.abs(r)) * 0.45, 2)})"`);
  const rows = c.symbols.map((a, i) => `<tr><th>${escapeHtml(a)}</th>${c.matrix[i].map((r, j) =>
    `<td class="n" data-metric="correlation.${escapeHtml(a)}.${escapeHtml(c.symbols[j])}" data-value="${raw(r)}" title="${int(c.samples[i][j])} common returns"${tone(r)}>${fixed(r, 2)}</td>`).join('')}</tr>`);
  return `<h3>Correlation of the symbols' returns</h3>
<table id="correlation"><thead><tr><th></th>${c.symbols.map((s) => `<th class="n">${escapeHtml(s)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="note">Pearson correlation of bar returns (close / previous close − 1) over the decision window, each pair on the slots where both symbols had a bar at that
slot and the one before (hover for how many); highly correlated symbols diversify little.</p>`;
}

function accountTable(p: ReportPortfolio): string {
  const a = p.account;
  const rows: Array<[string, string]> = [
    ['slots (bar times of the merged timeline)', figure('account.slots', a.slots, int)],
    ['slots with a position open', figure('account.slotsInMarket', a.slotsInMarket, int)],
    ['open positions: mean', figure('account.meanOpenPositions', a.meanOpenPositions, (x) => fixed(x, 2))],
    ['open positions: max', figure('account.maxOpenPositions', a.maxOpenPositions, int)],
    ['gross leverage (Σ |notional| / equity): mean', figure('account.meanGrossLeverage', a.meanGrossLeverage, (x) => fixed(x, 3))],
    ['gross leverage: max', figure('account.maxGrossLeverage', a.maxGrossLeverage, (x) => fixed(x, 3))],
  ];
  return `<h3>Account</h3><table id="account">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th>${v}</tr>`).join('')}</table>
<p class="note">One wallet for every symbol: cross positions share margin, so one symbol's loss can liquidate another's position; the breakers, the kill switch and the
account-wide risk limits act on this account's equity.</p>`;
}

export function portfolioSection(p: ReportPortfolio, pooled: readonly ReportSource[], horizon: number): string {
  return `${symbolsTable(p)}\n${accuracyTable(p, pooled, horizon)}\n${correlationTable(p)}\n${accountTable(p)}`;
}
