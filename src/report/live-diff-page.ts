/**
 * The page of `iftb live diff`: what the session did next to its backtest replay — cumulative net
 * PnL of both, the difference attributed by cause, and every trade pair. Pure: numbers in, HTML out.
 */
import {DIFF_CAUSES, type TradeDiff, type TradePair} from '../portfolio/trade-diff.js';
import {escapeHtml, fixed, money, time} from './format.js';
import {chartDiv, renderPage} from './page.js';
import type {VegaRuntime} from './runtime.js';
import {chart, TIME_TOOLTIP, timeX, type VlSpec, WIDTH} from './spec-common.js';

export interface LiveDiffPageInput {
  readonly sessionId: string;
  readonly facts: ReadonlyArray<readonly [string, string]>;
  readonly diff: TradeDiff;
}

export function liveDiffSpecs(diff: TradeDiff): Record<string, VlSpec> {
  const values: {t: number; net: number; side: string}[] = [];
  for (const [side, pick] of [['live', (p: TradePair) => p.live], ['replay', (p: TradePair) => p.replay]] as const) {
    const trades = diff.pairs.flatMap((p) => (pick(p) ? [pick(p)!] : [])).sort((a, b) => a.exitTimeMs - b.exitTimeMs);
    let net = 0;
    for (const t of trades) {
      net += t.netPnl;
      values.push({t: t.exitTimeMs, net, side});
    }
  }
  return {
    cumulative: chart('Cumulative net PnL: session vs backtest replay', {
      width: WIDTH, height: 260, data: {values}, mark: {type: 'line', interpolate: 'step-after', point: true},
      encoding: {
        x: timeX('t', 'trade exit (UTC)'), y: {field: 'net', type: 'quantitative', title: 'net PnL (USDT)'},
        color: {field: 'side', type: 'nominal', title: null, scale: {domain: ['live', 'replay'], range: ['#d1495b', '#2e86ab']}},
        tooltip: [TIME_TOOLTIP('t', 'exit (UTC)'), {field: 'side', type: 'nominal'}, {field: 'net', type: 'quantitative', format: ',.2f'}],
      },
    }),
  };
}

export function renderLiveDiffPage(input: LiveDiffPageInput, runtime: VegaRuntime): string {
  const d = input.diff;
  const facts = input.facts.map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join(' · ');
  const attribution = DIFF_CAUSES.filter((c) => d.pairs.some((p) => p.cause === c))
    .map((c) => `<tr><td>${c}</td><td class="n">${d.pairs.filter((p) => p.cause === c).length}</td><td class="n">${money(d.attribution[c])}</td></tr>`).join('');
  const totals = `<table><thead><tr><th></th><th>trades</th><th>net PnL</th><th>fees</th><th>funding</th></tr></thead><tbody>
<tr><td>session</td><td class="n">${d.live.trades}</td><td class="n">${money(d.live.netPnl)}</td><td class="n">${money(d.live.fees)}</td><td class="n">${money(d.live.funding)}</td></tr>
<tr><td>replay</td><td class="n">${d.replay.trades}</td><td class="n">${money(d.replay.netPnl)}</td><td class="n">${money(d.replay.fees)}</td><td class="n">${money(d.replay.funding)}</td></tr>
<tr><td>difference</td><td></td><td class="n">${money(d.live.netPnl - d.replay.netPnl)}</td><td class="n">${money(d.live.fees - d.replay.fees)}</td><td class="n">${money(d.live.funding - d.replay.funding)}</td></tr></tbody></table>`;
  const body = [
    `<section id="summary"><h2>Summary</h2>${totals}${chartDiv('cumulative')}</section>`,
    `<section id="attribution"><h2>Where the difference comes from</h2><table><thead><tr><th>cause</th><th>pairs</th><th>net PnL difference</th></tr></thead><tbody>${attribution}</tbody></table>
<p class="note">Each trade of the session is paired with the replay's trade of the same side entered within three bars; the difference in net PnL is put on its largest part (price, fees, funding). A price difference on the same bars is slippage, on other bars latency or bars the session missed; a replay trade the session lacks is a rejected order when the venue rejected one then. The causes add up to the total difference.</p></section>`,
    `<section id="trades"><h2>Trades (${d.pairs.length} pairs)</h2>${pairsTable(d.pairs)}<p class="note">Click a column to sort.</p></section>`,
  ];
  return renderPage({
    title: `IFTB live diff ${input.sessionId}`,
    header: `<h1>Session ${escapeHtml(input.sessionId)} vs its backtest replay</h1><p>${facts}</p>`,
    nav: [['summary', 'Summary'], ['attribution', 'Attribution'], ['trades', 'Trades']],
    body: body.join('\n'),
    specs: liveDiffSpecs(d),
  }, runtime);
}

function pairsTable(pairs: readonly TradePair[]): string {
  const cell = (x: string, num = false) => `<td${num ? ' class="n"' : ''}>${x}</td>`;
  const rows = pairs.map((p) => {
    const l = p.live, r = p.replay;
    return `<tr>${cell(escapeHtml(p.symbol))}${cell((l ?? r)!.side)}${cell(l ? time(l.entryTimeMs) : '-')}${cell(r ? time(r.entryTimeMs) : '-')}`
      + `${cell(l ? fixed(l.entryPrice, 2) : '-', true)}${cell(r ? fixed(r.entryPrice, 2) : '-', true)}${cell(l ? time(l.exitTimeMs) : '-')}${cell(r ? time(r.exitTimeMs) : '-')}`
      + `${cell(l ? fixed(l.exitPrice, 2) : '-', true)}${cell(r ? fixed(r.exitPrice, 2) : '-', true)}${cell(l ? money(l.fees) : '-', true)}${cell(r ? money(r.fees) : '-', true)}`
      + `${cell(l ? money(l.funding) : '-', true)}${cell(r ? money(r.funding) : '-', true)}${cell(money(p.netDifference), true)}${cell(p.cause)}${cell(escapeHtml(p.note))}</tr>`;
  }).join('');
  const head = ['symbol', 'side', 'entry live', 'entry replay', 'price', 'price (replay)', 'exit live', 'exit replay', 'exit price', 'exit price (replay)', 'fees', 'fees (replay)', 'funding', 'funding (replay)', 'net difference', 'cause', 'note'];
  return `<div class="wide"><table class="sortable"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;
}
