/** The run report: a pure function from a ReportInput (and the vega runtime text) to one self-contained HTML page. */
import {DEFAULT_CONFIDENCE_BUCKETS} from '../portfolio/signal-accuracy.js';
import {drawdownSeries} from '../portfolio/metrics.js';
import {parseTimeframe, timeframeMs} from '../core/index.js';
import {accuracyOf, CALIBRATION_BUCKETS, hitsOverTime, periodFor} from './accuracy.js';
import {attribute, type Attribution} from './attribution.js';
import {checksSection} from './checks.js';
import {downsample} from './downsample.js';
import {escapeHtml, int, pct, time} from './format.js';
import {type Halt, haltLine, haltsOf} from './halts.js';
import {costTotals, cumulativeFunding, riskEvents, thinMarkers, tradeMarkers} from './journal-views.js';
import {chartDiv, renderPage} from './page.js';
import {barsPerYear, buyAndHold, calendarReturns, histogram, rollingSharpe, rollingWindowBars} from './series.js';
import type {VegaRuntime} from './runtime.js';
import {configSection, signalsSection, type SourceView} from './sections.js';
import type {VlSpec} from './spec-common.js';
import {accuracySpec} from './specs-signals.js';
import {type LaneBars, equalWeightBasket, normalisedCloses, pooledHitsOverTime, pooledReadingAccuracy, portfolioLanes} from './portfolio-views.js';
import {portfolioSection, symbolPricesSpec} from './portfolio-section.js';
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {PeriodHits, Period} from './accuracy.js';
import {equitySpec, fundingSpec, monthlySpec, pnlHistogramSpec, priceSpec, riskTimelineSpec, rollingSharpeSpec, underwaterSpec} from './specs-performance.js';
import {attributionTable, costsTable, headlineTable, tradesTable} from './tables.js';
import {reportConfig, type ReportInput, type SignalTrack} from './types.js';

/** Buckets per line series: at most 2 · 1000 + 2 points drawn, whatever the run length. */
export const DISPLAY_BUCKETS = 1000;
/** Fill markers drawn at most; beyond this SVG gets slow to open (every stop and liquidation is always drawn). */
export const MAX_MARKERS = 6000;
const DEFAULT_WEIGHT = {ta: 0.4, ml: 0.35, llm: 0.25} as const;

export interface RunReportModel {
  readonly specs: Record<string, VlSpec>;
  readonly sources: readonly SourceView[];
  readonly attribution: Attribution;
  /** Notes shown instead of a chart that has nothing to draw. */
  readonly notes: Readonly<Record<string, string>>;
}

/** Analyzer weights as the ensemble applies them (a source's weight shared by its analyzers). */
export function analyzerWeights(input: ReportInput): number[] {
  const counts: Record<string, number> = {};
  for (const s of input.summary.sources) counts[s.source] = (counts[s.source] ?? 0) + 1;
  return input.summary.sources.map((s) => s.weight ?? DEFAULT_WEIGHT[s.source] / counts[s.source]);
}

/** Every chart spec of the page, the per-source views and the attribution. */
export function runReportModel(input: ReportInput): RunReportModel {
  const {summary, bars, journal, trades} = input;
  const cfg = reportConfig(summary.config);
  const tf = timeframeMs(parseTimeframe(summary.market.timeframe));
  const t = bars.timeMs;
  const specs: Record<string, VlSpec> = {};
  const notes: Record<string, string> = {};

  const lanes = summary.portfolio ? portfolioLanes(bars, summary.portfolio.symbols, tf) : null;
  if (lanes) {
    specs.price = symbolPricesSpec(normalisedCloses(bars).map((l) => ({...l, timeMs: t})), DISPLAY_BUCKETS);
    const equity = equitySpec(downsample(t, bars.equity, DISPLAY_BUCKETS), downsample(t, equalWeightBasket(bars, cfg.cash), DISPLAY_BUCKETS));
    specs.equity = {...equity, title: {text: 'Equity against an equal-weight buy-and-hold basket', anchor: 'start',
      subtitle: 'Buy-and-hold: the starting cash split equally over the symbols, each bought at its first decision close, 1× leverage, no costs.'}};
  } else {
    const markers = tradeMarkers(journal);
    const shown = thinMarkers(markers, MAX_MARKERS);
    specs.price = priceSpec(summary.market.symbol, downsample(t, bars.close, DISPLAY_BUCKETS), shown, markers.length);
    specs.equity = equitySpec(downsample(t, bars.equity, DISPLAY_BUCKETS), downsample(t, buyAndHold(bars.close, cfg.cash), DISPLAY_BUCKETS));
  }
  specs.underwater = underwaterSpec(downsample(t, drawdownSeries(bars.equity, cfg.cash), DISPLAY_BUCKETS, 6), cfg.drawdownWarnPct, cfg.drawdownTripPct);
  specs.monthly = monthlySpec(calendarReturns(t, bars.equity, cfg.cash));
  const window = rollingWindowBars(bars.length, tf);
  const sharpe = rollingSharpe(bars.equity, cfg.cash, window, barsPerYear(tf));
  const span = [t[0], t[bars.length - 1]] as const;
  const sharpePoints = downsample(t, sharpe, DISPLAY_BUCKETS, 5);
  if (sharpePoints.length > 0) specs['rolling-sharpe'] = rollingSharpeSpec(sharpePoints, `${int(window)} bars ≈ ${int((window * tf) / 86_400_000)} days`, span);
  else notes['rolling-sharpe'] = 'No rolling Sharpe: equity never moved within a window (no position was held).';
  if (trades.length > 0) specs.pnl = pnlHistogramSpec(histogram(trades.map((x) => x.netPnl)), trades.length);
  else notes.pnl = 'No closed trades: nothing to distribute.';

  const funding = cumulativeFunding(journal);
  if (funding.length > 0) {
    specs.funding = fundingSpec(downsample(Float64Array.from(funding, (p) => p.t), Float64Array.from(funding, (p) => p.v), DISPLAY_BUCKETS), span);
  } else {
    notes.funding = cfg.funding ? 'No funding payments: no position was open at any funding time.' : 'Funding was off for this run (--funding off).';
  }
  const lastMs = t[bars.length - 1];
  const risk = riskEvents(journal, lastMs);
  if (risk.events.length > 0) specs.risk = riskTimelineSpec(risk.events, risk.spans, span);
  else notes.risk = 'No circuit-breaker, kill-switch or trading-state events in this run.';

  const horizon = cfg.accuracyHorizonBars;
  const period = periodFor(lastMs - t[0]);
  const sources: SourceView[] = [];
  const readings = [
    ...summary.sources.map((s, k) => ({id: s.id, label: `${s.source.toUpperCase()} · ${s.id}`, status: s.status, note: s.note, measure: measureOf(s.id, bars.signals[k])})),
    {id: 'ensemble', label: 'Ensemble (fused score)', status: 'active' as const, note: undefined, measure: measureOf('ensemble', bars.ensemble)},
  ];
  // A portfolio's readings are pooled over its symbols, each on its own bars (as run.json's sources).
  function measureOf(id: string, track: Omit<SignalTrack, 'id' | 'source'> | undefined): ReadingMeasure | null {
    if (lanes) return pooledMeasure(lanes, id, horizon);
    return track ? {accuracy: (buckets) => accuracyOf(bars, track, horizon, buckets), hits: (p) => hitsOverTime(bars, track, horizon, p)} : null;
  }
  readings.forEach((r, k) => {
    const active = r.measure ? r.measure.accuracy() : null;
    if (!r.measure || r.status === 'abstained' || !active || active.samples === 0) {
      sources.push({id: r.id, label: r.label, status: 'abstained', reason: r.note ?? 'no scored readings in the decision window'});
      return;
    }
    const chartId = `accuracy-${k}`;
    specs[chartId] = accuracySpec(r.label, r.measure.hits(period), period, r.measure.accuracy(DEFAULT_CONFIDENCE_BUCKETS), r.measure.accuracy(CALIBRATION_BUCKETS));
    sources.push({id: r.id, label: r.label, status: 'active', chartId, accuracy: active});
  });

  const weights = analyzerWeights(input);
  const attribution = attribute(journal, trades, summary.sources.map((s, k) => ({id: s.id, source: s.source, weight: weights[k]})));
  return {specs, sources, attribution, notes};
}

/** A reading's accuracy (default or given confidence buckets) and hits per period. */
interface ReadingMeasure {
  readonly accuracy: (buckets?: readonly number[]) => SignalAccuracy;
  readonly hits: (period: Period) => PeriodHits[];
}

function pooledMeasure(lanes: readonly LaneBars[], id: string, horizon: number): ReadingMeasure {
  return {accuracy: (buckets) => pooledReadingAccuracy(lanes, id, horizon, buckets), hits: (p) => pooledHitsOverTime(lanes, id, horizon, p)};
}

function chartOrNote(model: RunReportModel, id: string): string {
  return model.specs[id] ? chartDiv(id) : `<p class="note" data-note="${id}">${escapeHtml(model.notes[id] ?? '')}</p>`;
}

export function renderRunReport(input: ReportInput, runtime: VegaRuntime): string {
  const {summary, trades, journal} = input;
  const model = runReportModel(input);
  const cfg = reportConfig(summary.config);
  const costs = costTotals(journal);
  const netPnl = trades.reduce((sum, x) => sum + x.netPnl, 0);
  const m = summary.market;
  const market = m.symbols ? `${m.symbols.length} symbols on one account (${m.symbols.map(escapeHtml).join(', ')})` : escapeHtml(m.symbol);
  const header = `<h1>Backtest ${escapeHtml(summary.runId)} · ${escapeHtml(summary.strategy.name)}@${escapeHtml(summary.strategy.version)}</h1>
<p>${market} ${escapeHtml(m.timeframe)} on ${escapeHtml(m.exchange)} · ${time(m.firstBarMs)} → ${time(m.lastBarMs)} UTC ·
${int(summary.bars)} ${m.symbols ? 'slots' : 'bars'} · starting cash ${int(cfg.cash)} USDT · total return ${pct(summary.metrics.totalReturn)}</p>${summary.ml?.inSample
    ? '\n<p class="banner" data-in-sample="true">In sample: the decision range overlaps an ML model\'s training or validation window (see <a href="#run">Config</a>); these results overstate what the model can do.</p>'
    : ''}${haltBanner(haltsOf(journal, m.lastBarMs + timeframeMs(parseTimeframe(m.timeframe))))}`;
  const body = `
<section id="summary"><h2>Headline metrics</h2>${headlineTable(summary.metrics, netPnl)}
<p class="note">From run.json; every figure is recomputed from the stored bars, journal and trades in <a href="#checks">Checks</a>.
Returns are per bar on equity marked at each close; Sharpe and Sortino annualise with √(bars per year), risk-free 0.</p></section>
${summary.portfolio ? `<section id="symbols"><h2>Symbols</h2>${portfolioSection(summary.portfolio, summary.sources, cfg.accuracyHorizonBars)}</section>
` : ''}<section id="performance"><h2>Price, equity and drawdown</h2>
${chartDiv('price')}${chartDiv('equity')}${chartDiv('underwater')}
<p class="note">Long series are drawn from the minimum and maximum of each of ${DISPLAY_BUCKETS} time buckets, so no peak or trough is lost; equity.csv has every bar.</p>
${chartDiv('monthly')}${chartOrNote(model, 'rolling-sharpe')}${chartOrNote(model, 'pnl')}</section>
<section id="costs"><h2>Costs</h2>${costsTable(summary.metrics, costs, cfg.cash)}${chartOrNote(model, 'funding')}</section>
<section id="signals"><h2>Signal accuracy per source</h2>${signalsSection(model.sources, cfg.accuracyHorizonBars)}</section>
<section id="attribution"><h2>Per-source attribution</h2>
<p class="note">Each closed trade is traced to the decision that opened it (entry fill → its order → the intent journaled for that order, which
records every source's score). A source's weighted score is its ensemble weight × its score at that decision (the journal keeps scores, not
confidences). The trade's net PnL is split among the sources whose weighted score pointed the trade's way, in proportion to the size of that
weighted score; sources pointing the other way (opposed) or abstaining get none. Trades with no traceable entry intent or no supporting
source are unattributed, so the column adds up to the total net PnL.</p>
${attributionTable(model.attribution)}</section>
<section id="risk"><h2>Circuit breaker and kill switch</h2>${chartOrNote(model, 'risk')}${eventCounts(summary.events)}</section>
<section id="trades"><h2>Trades</h2><p class="note">Click a column header to sort. Times are fills (UTC); PnL in USDT.</p>${tradesTable(trades, summary.portfolio !== undefined)}</section>
<section id="run"><h2>Run, config and data</h2>${configSection(summary)}</section>
<section id="checks"><h2>Checks</h2>${checksSection(input, costs)}</section>`;
  return renderPage({
    title: `IFTB ${summary.runId} · ${summary.strategy.name} ${m.symbols ? m.symbols.join(' ') : m.symbol} ${m.timeframe}`,
    header,
    nav: [['summary', 'Metrics'], ...(summary.portfolio ? [['symbols', 'Symbols'] as [string, string]] : []), ['performance', 'Charts'], ['costs', 'Costs'], ['signals', 'Signals'], ['attribution', 'Attribution'],
      ['risk', 'Risk events'], ['trades', 'Trades'], ['run', 'Config'], ['checks', 'Checks']],
    body,
    specs: model.specs,
  }, runtime);
}

/** The header says what stopped the run trading, so a flat stretch of the equity curve is never a mystery. */
function haltBanner(halts: readonly Halt[]): string {
  if (halts.length === 0) return '';
  const never = halts.filter((h) => h.ended === 'never');
  const lead = never.length > 0
    ? `Trading stopped ${never.length === 1 ? 'once and never resumed' : `${never.length} times without resuming`} before the end of the run`
    : `Trading was stopped ${halts.length === 1 ? 'once' : `${halts.length} times`}`;
  const item = (h: Halt) => `<li data-halt-rule="${escapeHtml(h.rule)}" data-halt-ended="${h.ended}">${escapeHtml(haltLine(h))}</li>`;
  // Halts that never ended come first and are always in view; a long list of short ones folds away.
  const first = [...halts.filter((h) => h.ended === 'never'), ...halts.filter((h) => h.ended !== 'never')];
  const visible = first.slice(0, 4).map(item).join('');
  const folded = first.length > 4 ? `<details><summary>${first.length - 4} more</summary><ul>${first.slice(4).map(item).join('')}</ul></details>` : '';
  return `\n<div class="banner halts" data-halts="${halts.length}"><b>${lead}</b> (see <a href="#risk">Risk events</a>):<ul>${visible}</ul>${folded}</div>`;
}

function eventCounts(events: Readonly<Record<string, number>>): string {
  const rows = Object.entries(events).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${int(v)}</td></tr>`).join('');
  return `<h3>Journal events</h3><table><thead><tr><th>event</th><th class="n">count</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">denied-repeats: the same refusal on consecutive bars, counted but journaled once.</p>`;
}
