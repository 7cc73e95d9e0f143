/**
 * `iftb compare --session SESSION`: the champion and the shadow challenger of a paper or live
 * session (`iftb live --shadow`) on the session's live bars.
 *
 * Both are replayed from the stored candles through the backtest wiring (the same simulated venue
 * for both, so the would-be P&L is compared on equal terms even when the champion traded a real
 * exchange), over the bars the shadow decided. The replays' ML scores are checked against the
 * readings the session recorded bar by bar; any bar that differs is listed. Then the tests
 * `iftb compare` runs (compare-backtests.ts pairedRunTests: HAR test of the per-bar ML hits,
 * Sharpe difference of per-bar equity returns, Holm), hit rate and calibration of both models'
 * probabilities against their label, and the models on rows when the window has enough of them.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError, type ModelReading, type RunStore, type SessionStore, timeframeMs, type Timeframe} from '../core/index.js';
import {classificationMetrics, type ClassificationMetrics} from '../ml/metrics.js';
import {escapeHtml, loadVegaRuntime, renderComparePage} from '../report/index.js';
import type {BacktestConfig} from './backtest-config.js';
import {type BacktestRun, runBacktest} from './backtest-runner.js';
import {DEFAULT_REPORTS_DIR} from './backtest-report.js';
import {type PairedComparison, pairedRunTests, testSections, verdictLine} from './compare-backtests.js';
import {compareModels} from './compare.js';
import {withChallenger, shadowRunId} from './live-shadow.js';
import {openRegistry} from './models.js';
import {barTrackOf} from './run-bars.js';
import {summarizeRun} from './run-summary.js';

/** The run identity keys a session's stored config carries beside the trading config itself (as live-diff). */
const IDENTITY_KEYS = ['strategyVersion', 'strategySource', 'models', 'instrumentSpec'];

export interface SessionCompareOptions {
  readonly modelsDir?: string;
  readonly reportsDir?: string;
  /** HTML path (default <reports-dir>/<session>/shadow-compare.html; the JSON beside it). */
  readonly out?: string;
  readonly resamples?: number;
  readonly blockBars?: number;
  readonly seed?: number;
  /** The verdict's significance level (promotion gates pass theirs). */
  readonly alpha?: number;
}

export interface ReadingDifference {
  readonly barOpenMs: number;
  readonly symbol: string;
  readonly role: ModelReading['role'];
  readonly source: string;
  readonly recorded: number | null;
  readonly recomputed: number | null;
  /** The model that scored the bar in the session, when it is not the one recomputed. */
  readonly recordedModel: string;
}

export interface SessionSide {
  readonly model: string;
  readonly sha256: string;
  /** P(up) against the model's label (close h bars on above the close), on the bars with a reading and a known label. */
  readonly calibration: ClassificationMetrics | null;
  /** What the replay through the simulated venue made. */
  readonly wouldBe: {readonly totalReturn: number; readonly sharpe: number | null; readonly maxDrawdown: number; readonly trades: number; readonly finalEquity: number};
  /** What the session's own run recorded (the champion's real or paper venue; the shadow's simulated one). */
  readonly recorded: Readonly<Record<string, number | null>> | null;
}

/** A = the champion, B = the challenger in the paired tests. */
export interface SessionComparison extends PairedComparison {
  readonly sessionId: string;
  readonly shadowRunId: string;
  readonly mode: 'paper' | 'live';
  readonly market: {readonly exchange: string; readonly symbol: string; readonly timeframe: string};
  readonly strategy: string;
  readonly window: {readonly from: string; readonly to: string; readonly bars: number};
  readonly champion: SessionSide;
  readonly challenger: SessionSide;
  /** The recorded readings against the ones recomputed from the stored candles. */
  readonly readings: {readonly recorded: number; readonly checked: number; readonly reproduced: boolean; readonly differing: readonly ReadingDifference[]};
}


type Stores = {readonly sessions: SessionStore; readonly runs: RunStore};

export async function compareSession(candles: DuckDbStore, state: Stores, sessionId: string, options: SessionCompareOptions = {}): Promise<SessionComparison> {
  const session = await state.sessions.session(sessionId);
  if (session === null) throw new IftbError(ErrorCode.INPUT_INVALID, `no session '${sessionId}' in this store (iftb runs list shows sessions as runs of mode paper/live)`);
  const shadowId = shadowRunId(sessionId);
  const shadow = await state.sessions.session(shadowId);
  if (shadow === null) throw new IftbError(ErrorCode.INPUT_INVALID, `session ${sessionId} ran no shadow challenger (start it with iftb live … --shadow NAME@VERSION)`);
  if (session.symbols.length !== 1) throw new IftbError(ErrorCode.INPUT_INVALID, `compare --session compares one symbol; session ${sessionId} trades ${session.symbols.join(', ')}`);
  const decided = await state.sessions.bars(shadowId);
  if (decided.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, `the shadow of session ${sessionId} has not decided a bar yet: nothing to compare`);
  const tf = timeframeMs(session.timeframe);
  const fromMs = decided[0].barOpenMs;
  const lastOpenMs = decided[decided.length - 1].barOpenMs;
  const challengerModel = shadow.models[0]?.model;
  const championModel = session.models[0]?.model;
  if (challengerModel === undefined || championModel === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, `session ${sessionId} or its shadow records no model`);

  // The champion as the session resolved it at start (NAME@live then), not whatever the channel points at now.
  const champion = withChallenger(tradingOf(session.config, sessionId), championModel);
  const challenger = tradingOf(shadow.config, shadowId);
  const window = {fromMs, toMs: lastOpenMs + tf};
  const ra = await runBacktest(candles, {...champion, ...window}, {modelsDir: options.modelsDir, runId: `${shadowId}-a`});
  const rb = await runBacktest(candles, {...challenger, ...window}, {modelsDir: options.modelsDir, runId: `${shadowId}-b`});
  const ta = barTrackOf(ra), tb = barTrackOf(rb);
  if (ta.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `the store has none of session ${sessionId}'s candles: compare against the store the bot wrote them to (--db)`);
  if (ta.length !== tb.length || ta.timeMs.some((t, i) => t !== tb.timeMs[i])) throw new IftbError(ErrorCode.INPUT_INVALID, 'the two replays decided on different bars; refusing to compare');

  // The recorded readings against the replays' scores of the same bars (bit for bit).
  const journal = await state.sessions.journal(shadowId);
  const recorded = journal.filter((e) => e.type === 'reading');
  const at = new Map<number, number>();
  for (let i = 0; i < ta.length; i++) at.set(ta.timeMs[i] - tf, i);
  const differing: ReadingDifference[] = [];
  let checked = 0;
  for (const e of recorded) {
    const i = at.get(e.barOpenMs);
    for (const r of e.readings) {
      const run = r.role === 'champion' ? ra : rb;
      const track = r.role === 'champion' ? ta : tb;
      const expected = r.role === 'champion' ? championModel : challengerModel;
      const s = track.signals.find((x) => x.source === 'ml' && x.id === run.engine.recorder.lanes[0].signals.find((y) => y.source === 'ml')?.id);
      const recomputed = i === undefined || s === undefined || s.active[i] !== 1 || !Number.isFinite(s.score[i]) ? null : s.score[i];
      checked++;
      if (recomputed !== r.score || r.model !== expected) differing.push({barOpenMs: e.barOpenMs, symbol: e.symbol, role: r.role, source: r.source, recorded: r.score, recomputed, recordedModel: r.model});
    }
  }

  const resamples = options.resamples ?? 2_000, blockBars = options.blockBars ?? 24, seed = options.seed ?? 1;
  const h = ra.config.accuracyHorizonBars;
  if (ta.length <= h) throw new IftbError(ErrorCode.DATA_MISSING, `the shadow of session ${sessionId} decided ${ta.length} bars; the hit test needs more than the accuracy horizon (${h} bars)`);
  const {mlHits, equitySharpe, decided: verdict} = pairedRunTests(ra, ta, rb, tb, {resamples, blockBars, seed, ...(options.alpha === undefined ? {} : {alpha: options.alpha})});
  let rows: SessionComparison['rows'];
  try {
    rows = await compareModels(candles, {
      a: championModel, b: challengerModel, exchange: ra.config.exchange, symbol: ra.config.symbol, timeframe: ra.config.timeframe, fromMs, toMs: lastOpenMs + tf, resamples, blockBars, seed,
    }, {modelsDir: options.modelsDir});
  } catch (error) {
    rows = {error: (error as Error).message};
  }
  const registry = openRegistry(options.modelsDir);
  const side = async (run: BacktestRun, track: typeof ta, model: string, sha256: string, recordedRun: string): Promise<SessionSide> => {
    const s = summarizeRun(run).metrics;
    const manifest = registry.manifest(...(model.split('@') as [string, string]));
    return {
      model, sha256, calibration: calibrationOf(track, manifest.serving.scoreScale, manifest.label.horizonBars),
      wouldBe: {totalReturn: s.totalReturn, sharpe: s.sharpe, maxDrawdown: s.maxDrawdown, trades: s.tradeCount, finalEquity: s.finalEquity},
      recorded: (await state.runs.get(recordedRun))?.metrics ?? null,
    };
  };
  const html = resolve(options.out ?? join(options.reportsDir ?? DEFAULT_REPORTS_DIR, sessionId, 'shadow-compare.html'));
  const json = html.replace(/\.html?$/i, '') + '.json';
  const result: SessionComparison = {
    sessionId, shadowRunId: shadowId, mode: session.mode,
    market: {exchange: ra.config.exchange, symbol: ra.config.symbol, timeframe: ra.config.timeframe},
    strategy: `${ra.strategy.name}@${ra.strategy.version}`,
    window: {from: new Date(fromMs).toISOString(), to: new Date(lastOpenMs + tf).toISOString(), bars: ta.length},
    champion: await side(ra, ta, championModel, session.models[0].sha256, sessionId),
    challenger: await side(rb, tb, challengerModel, shadow.models[0].sha256, shadowId),
    readings: {recorded: recorded.length, checked, reproduced: differing.length === 0 && recorded.length > 0, differing},
    mlHits, equitySharpe, verdict: verdict.verdict, verdictReason: verdict.reason, verdictMethod: verdict.method, verdictTests: verdict.tests, rows, html, json,
  };
  mkdirSync(dirname(html), {recursive: true});
  writeFileSync(html, renderComparePage(
    [{summary: summarizeRun(ra), timeMs: ta.timeMs, equity: ta.equity}, {summary: summarizeRun(rb), timeMs: tb.timeMs, equity: tb.equity}],
    loadVegaRuntime(),
    {
      title: `IFTB shadow compare ${sessionId}: ${championModel} vs ${challengerModel}`,
      header: `<p><strong>A</strong> = the champion ${escapeHtml(championModel)}, <strong>B</strong> = the shadow challenger ${escapeHtml(challengerModel)}, on the ${ta.length} bars session <code>${escapeHtml(sessionId)}</code> (${session.mode}) decided with its shadow, both replayed from the stored candles through the simulated venue: ${escapeHtml(verdictLine(result))}</p>`,
      sections: [readingsSection(result), ...testSections({...result, a: sideInfo(ra, championModel), b: sideInfo(rb, challengerModel)})],
    },
  ));
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function tradingOf(config: unknown, id: string): BacktestConfig {
  const stored = (config as {trading?: Record<string, unknown>} | null)?.trading;
  if (stored === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, `run ${id} has no stored trading config`);
  return Object.fromEntries(Object.entries(stored).filter(([k]) => !IDENTITY_KEYS.includes(k))) as unknown as BacktestConfig;
}

function sideInfo(run: BacktestRun, ref: string) {
  const ml = summarizeRun(run).sources.find((x) => x.source === 'ml') ?? null;
  return {ref, configHash: run.configHash, mlSource: ml, inSample: run.ml ? run.ml.inSample : null};
}

/** P(up) = (score / scale + 1) / 2 against close[i+h] > close[i], on the bars with a reading. */
function calibrationOf(track: ReturnType<typeof barTrackOf>, scale: number, h: number): ClassificationMetrics | null {
  const ml = track.signals.find((s) => s.source === 'ml');
  if (ml === undefined) return null;
  const p: number[] = [], y: number[] = [];
  for (let i = 0; i + h < track.length; i++) {
    if (ml.active[i] !== 1 || !Number.isFinite(ml.score[i]) || !Number.isFinite(track.close[i + h])) continue;
    p.push(Math.min(1, Math.max(0, (ml.score[i] / scale + 1) / 2)));
    y.push(track.close[i + h] > track.close[i] ? 1 : 0);
  }
  return p.length === 0 ? null : classificationMetrics(p, y);
}

const f = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);

function readingsSection(c: SessionComparison) {
  const row = (name: string, a: string, b: string) => `<tr><th>${escapeHtml(name)}</th><td class="n">${a}</td><td class="n">${b}</td></tr>`;
  const cal = (s: SessionSide) => s.calibration;
  const recordedReturn = (s: SessionSide) => (s.recorded?.totalReturnPct === undefined || s.recorded.totalReturnPct === null ? '–' : `${s.recorded.totalReturnPct.toFixed(2)}%`);
  const differing = c.readings.differing.slice(0, 50).map((d) => `<tr><td>${escapeHtml(new Date(d.barOpenMs).toISOString())}</td><td>${escapeHtml(d.role)}</td><td>${escapeHtml(d.recordedModel)}</td><td class="n">${f(d.recorded, 6)}</td><td class="n">${f(d.recomputed, 6)}</td></tr>`).join('');
  return {
    id: 'shadow',
    title: 'Champion and shadow on the live bars',
    html: `<p><strong>Readings ${c.readings.reproduced ? 'reproduced' : 'NOT reproduced'}</strong> from the stored candles: ${c.readings.checked} recorded scores over ${c.readings.recorded} bars checked, ${c.readings.differing.length} differ.</p>
${differing === '' ? '' : `<table><thead><tr><th>bar</th><th>role</th><th>model</th><th class="n">recorded</th><th class="n">recomputed</th></tr></thead><tbody>${differing}</tbody></table>`}
<table><thead><tr><th></th><th class="n">A champion ${escapeHtml(c.champion.model)}</th><th class="n">B challenger ${escapeHtml(c.challenger.model)}</th></tr></thead><tbody>
${row('ONNX sha256', `<code>${escapeHtml(c.champion.sha256.slice(0, 16))}…</code>`, `<code>${escapeHtml(c.challenger.sha256.slice(0, 16))}…</code>`)}
${row(`hit rate (sign vs next ${c.mlHits.horizonBars} bars, ${c.mlHits.bars} paired bars)`, pct(c.mlHits.hitRateA), pct(c.mlHits.hitRateB))}
${row('calibration rows', String(cal(c.champion)?.rows ?? '–'), String(cal(c.challenger)?.rows ?? '–'))}
${row('accuracy (p > 0.5 vs label)', f(cal(c.champion)?.accuracy), f(cal(c.challenger)?.accuracy))}
${row('Brier', f(cal(c.champion)?.brier), f(cal(c.challenger)?.brier))}
${row('log-loss', f(cal(c.champion)?.logLoss), f(cal(c.challenger)?.logLoss))}
${row('would-be return (simulated venue)', pct(c.champion.wouldBe.totalReturn), pct(c.challenger.wouldBe.totalReturn))}
${row('would-be trades', String(c.champion.wouldBe.trades), String(c.challenger.wouldBe.trades))}
${row('would-be max drawdown', pct(c.champion.wouldBe.maxDrawdown), pct(c.challenger.wouldBe.maxDrawdown))}
${row(`recorded return (${c.mode} session / shadow run)`, recordedReturn(c.champion), recordedReturn(c.challenger))}
</tbody></table>
<p class="note">Calibration buckets (mean p → observed up rate): A ${calibrationText(c.champion.calibration)}; B ${calibrationText(c.challenger.calibration)}.</p>`,
  };
}

function calibrationText(m: ClassificationMetrics | null): string {
  if (m === null) return '–';
  return m.calibration.map((b) => JSON.stringify(b)).join(' ');
}
