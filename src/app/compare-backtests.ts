/**
 * `iftb compare --a NAME@V1 --b NAME@V2 [backtest options]`: two backtests identical except the
 * model. One backtest config is built, the strategy's `params.model` set to A and then to B; both
 * run through runBacktest + saveBacktest. The resolved configs (strategy params after defaults,
 * strategy version, everything else) are compared as canonical JSON with the model field removed:
 * anything else differing is refused. Then, on the same decision bars:
 *   - metrics, equity and drawdown side by side (the `iftb runs compare` page);
 *   - the ML source's accuracy in each run (run.json `sources`);
 *   - a paired test of the ML signal's per-bar hits (bars where both ML sources gave a reading:
 *     sign(score) vs sign(close[i+h] − close[i]), h = the runs' accuracy horizon, a zero move a
 *     miss). Neighbouring hits share h − 1 bars of their move, so McNemar's independence does not
 *     hold: the test is the EWC HAR t-test of the hit difference (ml/compare.ts), McNemar shown
 *     beside it only for comparison;
 *   - the Sharpe ratios (sample σ, as run.json) of the two runs' per-bar equity returns, each with
 *     a seeded moving-block bootstrap interval, and the HAR test of their difference
 *     (ml/sharpe-compare.ts);
 *   - the model-level comparison on rows (AUC, log-loss, the same hit test on the model's own
 *     label) over the same window, as a section.
 * Verdict (ml/ab-verdict.ts): Holm across the two tests at 5 %, so equally good models get a
 * verdict other than "no significant difference" at most 5 % of the time; opposite rejections
 * give no significant difference.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {z} from 'zod';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError, type ProgressSink, timeframeMs, type Timeframe} from '../core/index.js';
import {canonicalJson, parseConfig, sha256Hex} from '../config/index.js';
import {refusePortfolio} from './backtest-config.js';
import {type AbVerdict, decideAb, SIGNIFICANCE, type Verdict} from '../ml/ab-verdict.js';
import {compareSharpe, type PairedHitTest, pairedHitTest, type SharpeComparison} from '../ml/compare.js';
import {barReturns} from '../portfolio/returns.js';
import {modelWindow} from '../ml/manifest.js';
import {type BarTrack, type CompareRun, type CompareSection, escapeHtml, loadVegaRuntime, renderComparePage} from '../report/index.js';
import {type BacktestRecord, backtestRecordOf} from './backtest-record.js';
import {runBacktest} from './backtest-runner.js';
import {DEFAULT_REPORTS_DIR, saveBacktestRecord} from './backtest-report.js';
import {compareModels, type ModelComparison} from './compare.js';
import {openRegistry} from './models.js';
import {WALK_FORWARD_TARGET} from './strategy-kit.js';
import {parseModelRef} from '../ml/registry.js';
import type {SourceSummary} from './run-summary.js';

const YEAR_MS = 365 * 86_400_000;
export {SIGNIFICANCE, type Verdict};

export const BacktestCompareSchema = z
  .object({
    a: z.string().min(1),
    b: z.string().min(1),
    /** The backtest config both runs share (params.model is overwritten). */
    backtest: z.record(z.string(), z.unknown()).default({}),
    resamples: z.number().int().min(100).max(100_000).default(2_000),
    blockBars: z.number().int().min(1).default(24),
    seed: z.number().int().default(1),
  })
  .strict();

export interface BacktestCompareSide {
  readonly ref: string;
  readonly runId: string;
  readonly configHash: string;
  readonly dataHash: string;
  readonly runJson: string;
  readonly report: string;
  /** The ML source's run.json entry (accuracy, active bars), null if the strategy had none. */
  readonly mlSource: SourceSummary | null;
  readonly inSample: boolean | null;
  readonly metrics: {readonly totalReturn: number; readonly sharpe: number | null; readonly maxDrawdown: number; readonly trades: number; readonly finalEquity: number};
}

export interface BacktestComparison extends PairedComparison {
  readonly market: {readonly exchange: string; readonly symbol: string; readonly timeframe: string};
  readonly strategy: string;
  readonly window: {readonly from: string; readonly to: string; readonly bars: number};
  readonly configsDifferOnlyInModel: true;
  /** sha256 of the canonical JSON of the resolved config without the model field, the same for both runs. */
  readonly sharedConfigHash: string;
  readonly a: BacktestCompareSide;
  readonly b: BacktestCompareSide;
}


/** What every A/B comparison of two runs reports (`iftb compare`, `iftb compare --session`). */
export interface PairedComparison {
  /** Paired test on the ML signal's per-bar hits (bars where both ML sources read). */
  readonly mlHits: {readonly horizonBars: number; readonly bars: number; readonly hitRateA: number | null; readonly hitRateB: number | null; readonly test: PairedHitTest};
  /** Sharpe of each run's per-bar equity returns (annualised, sample σ as run.json) and A − B, block bootstrap. */
  readonly equitySharpe: SharpeComparison;
  readonly verdict: Verdict;
  /** Why: which test decided, or that none did. */
  readonly verdictReason: string;
  /** How the verdict is reached (the tests and the multiple-testing correction). */
  readonly verdictMethod: string;
  /** Both tests with raw and Holm-adjusted p-values. */
  readonly verdictTests: AbVerdict['tests'];
  /** The model-level comparison on rows over the same window, or why it could not run. */
  readonly rows: ModelComparison | {readonly error: string};
  readonly html: string;
  readonly json: string;
}

/** One of the two backtests: the model reference and the full config with params.model set to it. */
export interface CompareRunRequest {
  readonly ref: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Runs the two backtests and returns their records, in order: here, one after the other
 * (localBacktests), or as jobs on a BullMQ queue (compare-queue.ts queueBacktests).
 */
export type CompareRunner = (store: DuckDbStore, requests: readonly CompareRunRequest[], options: {readonly modelsDir?: string; readonly progress?: ProgressSink}) => Promise<BacktestRecord[]>;

export const localBacktests: CompareRunner = async (store, requests, options) => {
  const records: BacktestRecord[] = [];
  for (const r of requests) records.push(backtestRecordOf(await runBacktest(store, r.config, options)));
  return records;
};

export interface BacktestCompareOptions {
  readonly modelsDir?: string;
  /** Where the two backtests run (default here: localBacktests). */
  readonly runner?: CompareRunner;
  readonly reportsDir?: string;
  /** HTML path (default reports/compare-<a>-<b>.html; the JSON goes beside it). */
  readonly out?: string;
  readonly progress?: ProgressSink;
}

const safe = (ref: string) => ref.replace(/[^A-Za-z0-9@._-]/g, '_');

export function defaultBacktestComparePath(reportsDir: string, a: string, b: string): string {
  return resolve(join(reportsDir, `compare-${safe(a)}-${safe(b)}.html`));
}

/** Where a model reference is out of sample: after its window, or for `name@wf` the first fold's test span. */
function outOfSampleFrom(registry: ReturnType<typeof openRegistry>, ref: string): number {
  if (ref.endsWith(`@${WALK_FORWARD_TARGET}`)) {
    const {name} = parseModelRef(ref);
    const folds = registry.versions(name).map((v) => registry.manifest(name, v).walkForward?.folds ?? []).filter((f) => f.length > 0 && f.every((x) => x.model)).at(-1);
    if (!folds) throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `no version of ${name} has walk-forward fold models for ${ref}`);
    return folds[0].test.fromMs;
  }
  return modelWindow(registry.load(ref).manifest).toMs;
}

/** The resolved config the run id covers, without the model: what must be equal for both runs. */
function withoutModel(run: Pick<BacktestRecord, 'config' | 'params' | 'strategy'>): string {
  const params = {...(run.params as Record<string, unknown>)};
  delete params.model;
  return canonicalJson({...run.config, params, strategyVersion: run.strategy.version});
}

export async function compareBacktests(store: DuckDbStore, raw: unknown, options: BacktestCompareOptions = {}): Promise<BacktestComparison> {
  const config = parseConfig(BacktestCompareSchema, raw, 'compare config');
  if (config.a === config.b) throw new IftbError(ErrorCode.INPUT_INVALID, `--a and --b are both ${config.a}: compare two different models`);
  const base: Record<string, unknown> = {strategy: 'ensemble', ...config.backtest};
  refusePortfolio(base, 'compare');
  if (base.fromMs === undefined) {
    // Default: start after both models' windows, so both runs are out of sample.
    const registry = openRegistry(options.modelsDir);
    base.fromMs = Math.max(outOfSampleFrom(registry, config.a), outOfSampleFrom(registry, config.b));
  }
  const params = (base.params as Record<string, unknown> | undefined) ?? {};
  const requests = [config.a, config.b].map((ref): CompareRunRequest => ({ref, config: {...base, params: {...params, model: ref}}}));
  const runs = await (options.runner ?? localBacktests)(store, requests, {modelsDir: options.modelsDir, progress: options.progress});
  for (const [k, run] of runs.entries()) {
    if ((run.params as {model?: unknown}).model !== requests[k].ref) {
      throw new IftbError(ErrorCode.INPUT_INVALID, `strategy ${run.strategy.name} has no 'model' parameter: compare needs a strategy whose ML source reads params.model`);
    }
  }
  const [ra, rb] = runs;
  const sharedA = withoutModel(ra), sharedB = withoutModel(rb);
  if (sharedA !== sharedB) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `the two backtests differ in more than the model (resolved configs without params.model: ${sharedA} vs ${sharedB}); refusing to compare`);
  }
  if (ra.runId === rb.runId) throw new IftbError(ErrorCode.INPUT_INVALID, `${config.a} and ${config.b} give the same run ${ra.runId} (the same model files?)`);
  const ta = ra.bars, tb = rb.bars;
  if (ta.length !== tb.length || ta.timeMs.some((t, i) => t !== tb.timeMs[i])) {
    throw new IftbError(ErrorCode.INPUT_INVALID, 'the two backtests decided on different bars (different warm-up or data); refusing to compare');
  }

  const reportsDir = options.reportsDir;
  const saved = [await saveBacktestRecord(store, ra, reportsDir), await saveBacktestRecord(store, rb, reportsDir)];
  const tf = timeframeMs(ra.config.timeframe as Timeframe);

  const {mlHits, equitySharpe, decided} = pairedRunTests(ra, ta, rb, tb, config);
  const test = mlHits.test;
  const verdict = decided.verdict;
  const inSample = [['A', ra], ['B', rb]].filter(([, run]) => (run as BacktestRecord).ml?.inSample).map(([k]) => k as string);
  const reason = inSample.length === 0 ? decided.reason : `${decided.reason}; caution: ${inSample.join(' and ')} IN SAMPLE on part of the window (its model saw those bars)`;
  const windowFrom = ta.timeMs[0] - tf, windowTo = ta.timeMs[ta.length - 1];
  let rows: BacktestComparison['rows'];
  const series = [config.a, config.b].find((ref) => ref.endsWith(`@${WALK_FORWARD_TARGET}`));
  if (series) {
    rows = {error: `${series} is a walk-forward series, not one model: the comparison on rows needs name@version or name@channel`};
  } else {
    try {
      rows = await compareModels(store, {
        a: config.a, b: config.b, exchange: ra.config.exchange, symbol: ra.config.symbol, timeframe: ra.config.timeframe, fromMs: windowFrom, toMs: windowTo,
        resamples: config.resamples, blockBars: config.blockBars, seed: config.seed,
      }, {modelsDir: options.modelsDir});
    } catch (error) {
      rows = {error: (error as Error).message};
    }
  }

  const side = (ref: string, run: BacktestRecord, k: number): BacktestCompareSide => {
    const s = saved[k].summary;
    return {
      ref, runId: run.runId, configHash: run.configHash, dataHash: run.dataHash, runJson: saved[k].runJsonPath, report: saved[k].htmlPath,
      mlSource: s.sources.find((x) => x.source === 'ml') ?? null, inSample: run.ml ? run.ml.inSample : null,
      metrics: {totalReturn: s.metrics.totalReturn, sharpe: s.metrics.sharpe, maxDrawdown: s.metrics.maxDrawdown, trades: s.metrics.tradeCount, finalEquity: s.metrics.finalEquity},
    };
  };
  const html = resolve(options.out ?? defaultBacktestComparePath(reportsDir ?? DEFAULT_REPORTS_DIR, config.a, config.b));
  const json = html.replace(/\.html?$/i, '') + '.json';
  const result: BacktestComparison = {
    market: {exchange: ra.config.exchange, symbol: ra.config.symbol, timeframe: ra.config.timeframe},
    strategy: `${ra.strategy.name}@${ra.strategy.version}`,
    window: {from: new Date(windowFrom).toISOString(), to: new Date(windowTo).toISOString(), bars: ta.length},
    configsDifferOnlyInModel: true,
    sharedConfigHash: sha256Hex(sharedA),
    a: side(config.a, ra, 0),
    b: side(config.b, rb, 1),
    mlHits,
    equitySharpe,
    verdict,
    verdictReason: reason,
    verdictMethod: decided.method,
    verdictTests: decided.tests,
    rows,
    html,
    json,
  };

  const pageRuns: CompareRun[] = saved.map((s, k) => {
    const track = k === 0 ? ta : tb;
    return {summary: s.summary, timeMs: track.timeMs, equity: track.equity, href: relative(dirname(html), s.htmlPath).split('\\').join('/')};
  });
  mkdirSync(dirname(html), {recursive: true});
  writeFileSync(html, renderComparePage(pageRuns, loadVegaRuntime(), {
    title: `IFTB compare ${config.a} vs ${config.b}`,
    header: `<p><strong>A</strong> = ${escapeHtml(config.a)} (run <code>${ra.runId}</code>), <strong>B</strong> = ${escapeHtml(config.b)} (run <code>${rb.runId}</code>): ${escapeHtml(verdictLine(result))}</p>`,
    sections: testSections(result),
  }));
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** What the paired tests read of a run besides its bars (a BacktestRun or a BacktestRecord). */
type PairedRun = Pick<BacktestRecord, 'config' | 'unavailableSources'> & {readonly strategy: {readonly name: string}};

/**
 * The A/B tests of two runs decided on the same bars (`iftb compare` and `iftb compare --session`):
 * the HAR test of the ML source's per-bar hits (bars where both read), the Sharpe difference of
 * per-bar equity returns, and the Holm-corrected verdict over the two.
 */
export function pairedRunTests(
  ra: PairedRun, ta: BarTrack, rb: PairedRun, tb: BarTrack,
  options: {readonly resamples: number; readonly blockBars: number; readonly seed: number; readonly alpha?: number},
): {mlHits: BacktestComparison['mlHits']; equitySharpe: SharpeComparison; decided: AbVerdict} {
  const tf = timeframeMs(ra.config.timeframe as Timeframe);
  // The ML source's per-bar hits, paired on the bars where both read.
  const h = ra.config.accuracyHorizonBars;
  const mlOf = (track: typeof ta) => track.signals.find((s) => s.source === 'ml');
  const sa = mlOf(ta), sb = mlOf(tb);
  if (!sa || !sb) throw new IftbError(ErrorCode.INPUT_INVALID, `strategy ${ra.strategy.name} has no ML source to compare`);
  const hitsA: number[] = [], hitsB: number[] = [];
  for (let i = 0; i + h < ta.length; i++) {
    const a = sa.score[i], b = sb.score[i], c0 = ta.close[i], c1 = ta.close[i + h];
    if (!sa.active[i] || !sb.active[i] || !(a !== 0 && b !== 0 && Number.isFinite(a) && Number.isFinite(b)) || !Number.isFinite(c0) || !Number.isFinite(c1)) continue;
    const move = Math.sign(c1 - c0);
    hitsA.push(move !== 0 && Math.sign(a) === move ? 1 : 0);
    hitsB.push(move !== 0 && Math.sign(b) === move ? 1 : 0);
  }
  const why = (run: PairedRun) => run.unavailableSources.find((s) => s.id.startsWith('ml.'))?.reason ?? 'no ML readings';
  if (hitsA.length === 0) throw new IftbError(ErrorCode.DATA_MISSING, `no bar where both ML sources gave a reading (A: ${why(ra)}; B: ${why(rb)})`);
  const test = pairedHitTest(hitsA, hitsB, h);
  const rate = (hits: number[]) => (hits.length === 0 ? null : hits.reduce((s, x) => s + x, 0) / hits.length);

  // Per-bar equity returns over the decision window, exactly as run.json's Sharpe takes them.
  const equitySharpe = compareSharpe(barReturns(ta.equity, ra.config.cash), barReturns(tb.equity, rb.config.cash), YEAR_MS / tf, {
    resamples: options.resamples, blockBars: options.blockBars, seed: options.seed,
  });
  return {
    mlHits: {horizonBars: h, bars: hitsA.length, hitRateA: rate(hitsA), hitRateB: rate(hitsB), test},
    equitySharpe,
    decided: options.alpha === undefined ? decideAb(test, equitySharpe) : decideAb(test, equitySharpe, options.alpha),
  };
}

export function verdictLine(c: Pick<BacktestComparison, 'verdict' | 'verdictReason'>): string {
  return `verdict: ${c.verdict} — ${c.verdictReason}`;
}

/** The hit test in one line: counts, method, p, and what assuming independence would have said. */
export function hitTestText(t: PairedHitTest): string {
  return `A right / B wrong ${t.aOnly}, B right / A wrong ${t.bOnly}, both right ${t.bothRight}, both wrong ${t.bothWrong}; ` +
    `${t.method} (ν = ${t.dof}, moves over ${t.horizonBars} bars overlap; lag-1 autocorrelation of the difference ${t.lag1Autocorrelation.toFixed(2)}, ` +
    `variance ×${t.varianceInflation.toFixed(2)} of independent pairs): p = ${t.pValue.toFixed(4)} (McNemar assuming independence: ${t.naivePValue.toFixed(4)})`;
}

const f = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);

/** The tests section of a comparison page, and the models-on-rows section. */
export function testSections(c: Omit<PairedComparison, 'html' | 'json'> & {a: Pick<BacktestCompareSide, 'ref' | 'configHash' | 'mlSource' | 'inSample'>; b: Pick<BacktestCompareSide, 'ref' | 'configHash' | 'mlSource' | 'inSample'>}): CompareSection[] {
  const row = (name: string, a: string, b: string) => `<tr><th>${escapeHtml(name)}</th><td class="n">${a}</td><td class="n">${b}</td></tr>`;
  const m = c.mlHits.test, s = c.equitySharpe;
  const ci = (x: {estimate: number; low: number; high: number}) => `${f(x.estimate, 2)} [${f(x.low, 2)}, ${f(x.high, 2)}]`;
  const acc = (x: SourceSummary | null) => (x ? `${pct(x.accuracy.hitRate)} over ${x.accuracy.samples} bars` : '–');
  const sections: CompareSection[] = [
    {
      id: 'tests',
      title: 'A vs B: tests',
      html: `<p><strong>${escapeHtml(verdictLine(c))}</strong></p>
<p class="note">The two configs differ only in the model (canonical JSON without <code>params.model</code> is equal). Config hashes: A <code>${escapeHtml(c.a.configHash.slice(0, 16))}…</code>, B <code>${escapeHtml(c.b.configHash.slice(0, 16))}…</code>.</p>
<table><thead><tr><th></th><th class="n">A ${escapeHtml(c.a.ref)}</th><th class="n">B ${escapeHtml(c.b.ref)}</th></tr></thead><tbody>
${row('ML source', escapeHtml(c.a.mlSource?.id ?? '–'), escapeHtml(c.b.mlSource?.id ?? '–'))}
${row('ML source accuracy (run.json)', acc(c.a.mlSource), acc(c.b.mlSource))}
${row('in sample', String(c.a.inSample), String(c.b.inSample))}
${row(`ML hit rate on the ${c.mlHits.bars} paired bars (next ${c.mlHits.horizonBars} bars)`, pct(c.mlHits.hitRateA), pct(c.mlHits.hitRateB))}
${row(`Sharpe of per-bar equity returns (${Math.round(s.confidence * 100)}% CI)`, ci(s.a), ci(s.b))}
</tbody></table>
<p>Per-bar ML hits: ${escapeHtml(hitTestText(m))}.</p>
<p>Sharpe A − B: ${ci(s.difference)} by the ${escapeHtml(s.method)} (ν = ${s.dof}), p = ${f(s.pValue)}; A ahead in ${(s.aBetterShare * 100).toFixed(1)}% of ${s.resamples} moving-block bootstrap samples (blocks of ${s.blockBars} bars).</p>
<p class="note">Method: ${escapeHtml(c.verdictMethod)}. ${c.verdictTests.map((t) => `${escapeHtml(t.name)}: p = ${f(t.pValue)}, Holm-adjusted ${f(t.adjustedPValue)}${t.rejected ? ` (rejects, favours ${t.favours})` : ''}`).join('; ')}.</p>`,
    },
  ];
  const r = c.rows;
  sections.push({
    id: 'rows',
    title: 'Models on rows',
    html: 'error' in r
      ? `<p class="note">The model-level comparison could not run: ${escapeHtml(r.error)}</p>`
      : `<p class="note">${escapeHtml(r.label)}, ${r.window.rows} rows ${escapeHtml(r.window.from)} → ${escapeHtml(r.window.to)}; before costs.</p>
<table><thead><tr><th></th><th class="n">A ${escapeHtml(r.a.model)}</th><th class="n">B ${escapeHtml(r.b.model)}</th></tr></thead><tbody>
${row('AUC', f(r.a.metrics.auc), f(r.b.metrics.auc))}
${row('log-loss', f(r.a.metrics.logLoss), f(r.b.metrics.logLoss))}
${row('accuracy', f(r.a.metrics.accuracy), f(r.b.metrics.accuracy))}
${row('Brier', f(r.a.metrics.brier), f(r.b.metrics.brier))}
${row('Sharpe, sign × next bar', ci(r.sharpe.a), ci(r.sharpe.b))}
</tbody></table>
<p>Rows each model calls right: ${escapeHtml(hitTestText(r.hits))}.</p>`,
  });
  return sections;
}
