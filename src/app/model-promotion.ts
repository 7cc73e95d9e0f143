/**
 * `iftb models promote NAME@VERSION --channel live`: pins a version to a gated channel only when it
 * passes the promotion gates (src/ml/promotion-gates.ts), computed here:
 *   integrity   every file and the manifest against their sha256 (never overridable: a tampered
 *               model does not go live, --force or not);
 *   validation  trained with walk-forward, or with a validation window;
 *   out of sample, on a window after everything the model has seen (default: from the end of its
 *               validation window to the last stored bar): AUC, log-loss and hit rate on rows, and a
 *               backtest of the live strategy with the model (Sharpe, max drawdown);
 *   champion    not worse than the version the channel uses now, by `iftb compare` on the same
 *               window (two backtests identical but for the model; Holm across the HAR-corrected
 *               ML-hit test and the Sharpe-difference test), plus the row-level HAR hit test;
 *   compatibility  timeframe and feature set of the live strategy's config, and the strategy's
 *               ML source reading NAME@CHANNEL (otherwise the pin would not reach it).
 * `--force --reason …` pins despite failed gates; every promotion, force, pin and rollback is
 * appended to the channel history (src/ml/model-history.ts) with who, when, why and the results.
 */
import {join, resolve} from 'node:path';
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {ErrorCode, IftbError, type Timeframe} from '../core/index.js';
import {canonicalJson, parseConfig, sha256Hex} from '../config/index.js';
import {decideAb} from '../ml/ab-verdict.js';
import {modelWindow} from '../ml/manifest.js';
import {classificationMetrics} from '../ml/metrics.js';
import {type HistoryEntry, operatorName} from '../ml/model-history.js';
import {
  backtestGates,
  type BacktestFigures,
  championGate,
  type ChampionFigures,
  compatibilityGates,
  failedGates,
  type GateResult,
  integrityGate,
  outOfSampleGate,
  type PromotionGates,
  PromotionGatesSchema,
  rowGates,
  type RowFigures,
  validationGate,
  type WindowEvidence,
} from '../ml/promotion-gates.js';
import {type ChannelState, DEFAULT_CHANNEL, isChannelName, type ModelRegistry} from '../ml/registry.js';
import {featureSet} from '../signals/ml/index.js';
import {DEFAULT_REPORTS_DIR, saveBacktest} from './backtest-report.js';
import {runBacktest, validateBacktestConfig} from './backtest-runner.js';
import {compareBacktests} from './compare-backtests.js';
import {compareSession, type SessionComparison} from './session-compare.js';
import {scoreOnWindow} from './compare.js';
import {openRegistry} from './models.js';

export {PromotionGatesSchema, type GateResult, type PromotionGates};

/** Channels a plain `iftb models pin` may not move: they change only through the gates (or --force). */
export const GATED_CHANNELS: readonly string[] = Object.freeze([DEFAULT_CHANNEL]);

export interface PromoteRequest {
  /** NAME@VERSION. */
  readonly ref: string;
  readonly channel?: string;
  readonly force?: boolean;
  readonly reason?: string;
  /** Who (default $IFTB_OPERATOR, else $USER). */
  readonly by?: string;
  /** Out-of-sample window; default from the end of the model's validation window to the last stored bar. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** The live strategy's config (as `iftb live --config` reads it), with an optional `promotion` section of gate thresholds. */
  readonly config?: Record<string, unknown>;
  /** Run the gates and report; pin nothing, record nothing (refused gates still throw). */
  readonly dryRun?: boolean;
  /**
   * `shadow:SESSION`: the champion gate judges the session's shadow comparison (`iftb compare
   * --session`: the channel's current pin as the session's champion, this version as its shadow
   * challenger, on the session's live bars) instead of backtests on the out-of-sample window.
   */
  readonly evidence?: string;
}

export interface PromoteOptions {
  readonly modelsDir?: string;
  readonly reportsDir?: string;
  readonly now?: () => Date;
}

export interface PromotionOutcome {
  readonly model: string;
  readonly channel: string;
  /** The version the channel used before (null: first promotion). */
  readonly champion: string | null;
  readonly gates: readonly GateResult[];
  readonly passed: boolean;
  /** Pinned despite failed gates (--force). */
  readonly forced: boolean;
  /** The channel now points at the version. */
  readonly pinned: boolean;
  /** The channel already pointed at the version: nothing was changed or recorded. */
  readonly unchanged: boolean;
  readonly state: ChannelState | null;
  readonly entry: HistoryEntry | null;
  readonly evidence: Record<string, unknown>;
}

/** A promotion the gates refused; carries the outcome so the CLI can print every gate. */
export class PromotionRefusedError extends IftbError {
  constructor(readonly outcome: PromotionOutcome, message: string) {
    super(ErrorCode.PROMOTION_REFUSED, message);
  }
}

/** Splits a live config into the trading part and the gate thresholds (`promotion`); `live` is ignored here. */
export function promotionConfig(raw: Record<string, unknown> = {}): {trading: Record<string, unknown>; gates: PromotionGates} {
  const {promotion, live: _live, ...trading} = raw;
  if ('fromMs' in trading || 'toMs' in trading) throw new IftbError(ErrorCode.CONFIG_INVALID, 'promotion config: fromMs/toMs are backtest keys; give the out-of-sample window with --from/--to');
  return {trading, gates: parseConfig(PromotionGatesSchema, promotion ?? {}, 'config `promotion` section')};
}

export async function promoteModel(store: DuckDbStore, request: PromoteRequest, options: PromoteOptions = {}): Promise<PromotionOutcome> {
  const registry = openRegistry(options.modelsDir);
  const channel = request.channel ?? DEFAULT_CHANNEL;
  if (!isChannelName(channel)) throw new IftbError(ErrorCode.INPUT_INVALID, `bad channel name '${channel}' (a lower-case word such as live or staging)`);
  const reason = request.reason?.trim() || null;
  if (request.force && !reason) {
    throw new IftbError(ErrorCode.INPUT_INVALID, '--force needs --reason "…": why the gates are overridden is recorded in the channel history');
  }
  const resolved = registry.resolve(request.ref);
  if (resolved.channel) throw new IftbError(ErrorCode.INPUT_INVALID, `promote takes NAME@VERSION, not a channel ('${request.ref}')`);
  const {name, version} = resolved;
  const model = `${name}@${version}`;
  const by = operatorName(request.by);
  const champion = registry.channels(name).channels[channel]?.version ?? null;
  const base = {model, channel, champion, forced: false, entry: null};
  if (champion === version) {
    return {...base, gates: [], passed: true, pinned: true, unchanged: true, state: registry.channels(name).channels[channel], evidence: {}};
  }
  const {trading, gates: thresholds} = promotionConfig(request.config);

  const integrity = integrityGate(registry.verify(model)[0].problems);
  if (!integrity.pass) {
    const outcome: PromotionOutcome = {...base, gates: [integrity], passed: false, pinned: false, unchanged: false, state: null, evidence: {}};
    throw new PromotionRefusedError(outcome, `${model} failed its integrity check and cannot be promoted, with --force or without: ${integrity.figure}`);
  }
  const evaluated = await evaluateGates(store, registry, {name, version, champion, channel, trading, thresholds, fromMs: request.fromMs, toMs: request.toMs, evidence: request.evidence}, options);
  const gates = [integrity, ...evaluated.gates];
  const failed = failedGates(gates);
  const passed = failed.length === 0;
  const evidence = {...evaluated.evidence, thresholds};
  if (!passed && !request.force) {
    const outcome: PromotionOutcome = {...base, gates, passed, pinned: false, unchanged: false, state: null, evidence};
    throw new PromotionRefusedError(
      outcome,
      `${model} refused for ${name}@${channel}: ${failed.length} gate${failed.length === 1 ? '' : 's'} failed (${failed.map((g) => `${g.gate}: ${g.figure}`).join('; ')}); fix them, or pass --force --reason "…"`,
    );
  }
  if (request.dryRun) return {...base, gates, passed, forced: false, pinned: false, unchanged: false, state: null, evidence};
  const now = options.now?.() ?? new Date();
  // The channel must still be on the champion the gates compared against (another promotion may have landed meanwhile).
  const state = registry.pin(name, version, channel, now, {action: passed ? 'promote' : 'force', by, reason, gates, evidence}, {expectFrom: champion});
  const entry = registry.history(name).at(-1) ?? null;
  return {...base, gates, passed, forced: !passed, pinned: true, unchanged: false, state, entry, evidence};
}

interface GateInputs {
  readonly name: string;
  readonly version: string;
  readonly champion: string | null;
  readonly channel: string;
  readonly trading: Record<string, unknown>;
  readonly thresholds: PromotionGates;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly evidence?: string;
}

/** `--evidence shadow:SESSION`: the session's shadow comparison, checked to be about this promotion. */
async function shadowEvidence(store: DuckDbStore, input: GateInputs, options: PromoteOptions, reportsDir: string): Promise<SessionComparison | null> {
  if (input.evidence === undefined) return null;
  const m = /^shadow:(.+)$/.exec(input.evidence);
  if (m === null) throw new IftbError(ErrorCode.INPUT_INVALID, `--evidence takes shadow:SESSION (a session run with --shadow), not '${input.evidence}'`);
  const sessionId = m[1];
  const model = `${input.name}@${input.version}`;
  const session = await store.sessions.session(sessionId);
  const shadow = await store.sessions.session(`${sessionId}.shadow`);
  if (session === null || shadow === null) throw new IftbError(ErrorCode.INPUT_INVALID, `--evidence shadow:${sessionId}: no such session with a shadow in this store`);
  const challenger = shadow.models[0]?.model;
  if (challenger !== model) throw new IftbError(ErrorCode.INPUT_INVALID, `--evidence shadow:${sessionId}: that session ran the shadow challenger ${challenger}, not ${model}`);
  if (input.champion === null) throw new IftbError(ErrorCode.INPUT_INVALID, `--evidence shadow:${sessionId}: ${input.name}@${input.channel} has no champion yet, so there is nothing the shadow was compared against`);
  const champion = `${input.name}@${input.champion}`;
  if (session.models[0]?.model !== champion) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `--evidence shadow:${sessionId}: the session's champion was ${session.models[0]?.model ?? 'no model'}, the ${input.channel} channel's is ${champion} now`);
  }
  const g = input.thresholds.champion;
  return compareSession(store, store, sessionId, {
    modelsDir: options.modelsDir, reportsDir, out: resolve(join(reportsDir, `promote-${model}-vs-${input.champion}-shadow-${sessionId}.html`)),
    resamples: g.resamples, blockBars: g.blockBars, seed: g.seed, alpha: g.alpha,
  });
}

/** The champion gate's figures from a shadow comparison (A = the session's champion, B = its challenger). */
function shadowFigures(c: SessionComparison, champion: string): ChampionFigures | {error: string} {
  if (!c.readings.reproduced) {
    return {error: `shadow session ${c.sessionId}: ${c.readings.differing.length} of ${c.readings.checked} recorded readings do not reproduce from the stored candles (${c.html})`};
  }
  const r = 'error' in c.rows ? null : c.rows;
  const t = c.mlHits.test;
  return {
    champion: `${champion} (shadow session ${c.sessionId}, ${c.window.bars} live bars)`, verdict: c.verdict, verdictReason: c.verdictReason,
    sharpeChampion: c.champion.wouldBe.sharpe, sharpeCandidate: c.challenger.wouldBe.sharpe,
    hitRateChampion: c.mlHits.hitRateA, hitRateCandidate: c.mlHits.hitRateB,
    // No rows test on a short session: the per-bar hit test on the live bars stands in (HAR, champion = A).
    rowHitsPValue: r?.hits.pValue ?? t.pValue, rowHitsFavours: (r?.hits ?? t).aOnly > (r?.hits ?? t).bOnly ? 'A' : (r?.hits ?? t).bOnly > (r?.hits ?? t).aOnly ? 'B' : null,
    championInSample: false, report: c.html,
  };
}

/** Every gate but integrity (checked first, since nothing else may read an unverified model). */
async function evaluateGates(
  store: DuckDbStore,
  registry: ModelRegistry,
  input: GateInputs,
  options: PromoteOptions,
): Promise<{gates: GateResult[]; evidence: Record<string, unknown>}> {
  const {name, version, champion, channel, trading, thresholds} = input;
  const model = `${name}@${version}`;
  const m = registry.manifest(name, version);
  const shadow = await shadowEvidence(store, input, options, options.reportsDir ?? DEFAULT_REPORTS_DIR);
  const gates: GateResult[] = [];
  const wf = m.walkForward;
  gates.push(validationGate({
    walkForwardFolds: wf?.folds.length ?? 0, walkForwardRows: wf?.outOfSample.rows ?? 0, walkForwardAuc: wf?.outOfSample.auc ?? null,
    validationRows: m.windows.validation.rows, validationAuc: m.metrics.validation.auc,
  }, thresholds));

  // The live strategy as configured (its defaults applied), and what it reads.
  const {config, strategy} = await validateBacktestConfig({...trading, fromMs: undefined, toMs: undefined});
  if (config.symbols !== undefined) {
    throw new IftbError(ErrorCode.INPUT_INVALID, 'promote evaluates one symbol: give a single-symbol strategy config (a portfolio config lists `symbols`)');
  }
  const parsedParams = strategy.params.safeParse(config.params);
  const paramModel = parsedParams.success ? (parsedParams.data as {model?: unknown}).model : undefined;
  const strategyModels = typeof paramModel === 'string' ? [paramModel] : [];
  const target = `${name}@${channel}`;
  const championManifest = champion === null ? null : safe(() => registry.manifest(name, champion));
  const expectedFeatureSet = thresholds.featureSet ?? championManifest?.features.set ?? null;
  gates.push(...compatibilityGates({
    modelTimeframe: m.market.timeframe, strategyTimeframe: config.timeframe, modelFeatureSet: m.features.set,
    expectedFeatureSet, expectedFrom: thresholds.featureSet ? 'config' : expectedFeatureSet ? 'champion' : null,
    featureProblem: featureProblem(m.features.set, m.features.names), strategyModels, target, strategy: `${strategy.name}@${strategy.version}`,
    modelSymbol: m.market.symbol, strategySymbol: config.symbol,
  }));

  // The out-of-sample window: after everything the model has seen, on the market the strategy trades.
  const seen = modelWindow(m);
  const fromMs = input.fromMs ?? seen.toMs;
  const loaded = registry.load(model);
  let window: WindowEvidence | {error: string};
  let rows: RowFigures | {error: string};
  try {
    const scored = await scoreOnWindow(store, [loaded], {
      exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe as Timeframe, fromMs, toMs: input.toMs, minRows: 1,
    });
    const metrics = classificationMetrics(scored.p[0], scored.labels);
    window = {
      from: new Date(scored.windowFrom).toISOString(), to: new Date(scored.windowTo).toISOString(), rows: metrics.rows,
      modelSeenTo: new Date(seen.toMs).toISOString(), inSample: scored.windowFrom < seen.toMs && seen.fromMs < scored.windowTo,
    };
    rows = {auc: metrics.auc, logLoss: metrics.logLoss, hitRate: metrics.accuracy, rows: metrics.rows};
  } catch (error) {
    window = {error: `no out-of-sample rows from ${new Date(fromMs).toISOString()}: ${(error as Error).message}`};
    rows = {error: 'no out-of-sample rows'};
  }
  gates.push(outOfSampleGate(window, thresholds), ...rowGates(rows, thresholds));

  // The strategy's backtest with the model over the window, and against the champion on the same one.
  const reportsDir = options.reportsDir ?? DEFAULT_REPORTS_DIR;
  const backtest = {...trading, fromMs, ...(input.toMs === undefined ? {} : {toMs: input.toMs})};
  const evidence: Record<string, unknown> = {
    window: 'error' in window ? {fromMs, toMs: input.toMs ?? null, error: window.error} : {from: window.from, to: window.to, rows: window.rows},
    strategy: `${strategy.name}@${strategy.version}`, market: {exchange: config.exchange, symbol: config.symbol, timeframe: config.timeframe},
    configHash: sha256Hex(canonicalJson(trading)), champion: champion === null ? null : `${name}@${champion}`,
  };
  let figures: BacktestFigures | {error: string};
  let vsChampion: ChampionFigures | {none: string} | {error: string} = {none: `first promotion to ${name}@${channel}: nothing to compare with`};
  if (strategyModels.length === 0) {
    figures = {error: `strategy ${strategy.name} does not read a model (no params.model): a backtest would not test ${model}`};
    if (champion !== null) vsChampion = {error: figures.error};
  } else if (champion === null || shadow !== null) {
    try {
      const run = await runBacktest(store, {...backtest, params: {...config.params, model}}, {modelsDir: options.modelsDir});
      const saved = await saveBacktest(store, run, reportsDir);
      const s = saved.summary.metrics;
      figures = {sharpe: s.sharpe, maxDrawdown: s.maxDrawdown, totalReturn: s.totalReturn, trades: s.tradeCount, runId: run.runId};
      evidence.backtest = {runId: run.runId, report: saved.htmlPath};
    } catch (error) {
      figures = {error: `backtest failed: ${(error as Error).message}`};
    }
  } else {
    const a = `${name}@${champion}`;
    try {
      if (championManifest?.files['model.onnx']?.sha256 === m.files['model.onnx'].sha256) {
        throw new IftbError(ErrorCode.INPUT_INVALID, `${model} has the same model.onnx as the champion ${a}`);
      }
      const out = resolve(join(reportsDir, `promote-${name}@${version}-vs-${champion}.html`));
      const c = await compareBacktests(store, {
        a, b: model, backtest, resamples: thresholds.champion.resamples, blockBars: thresholds.champion.blockBars, seed: thresholds.champion.seed,
      }, {modelsDir: options.modelsDir, reportsDir, out});
      const verdict = decideAb(c.mlHits.test, c.equitySharpe, thresholds.champion.alpha);
      const r = 'error' in c.rows ? null : c.rows;
      figures = {sharpe: c.b.metrics.sharpe, maxDrawdown: c.b.metrics.maxDrawdown, totalReturn: c.b.metrics.totalReturn, trades: c.b.metrics.trades, runId: c.b.runId};
      vsChampion = {
        champion: a, verdict: verdict.verdict, verdictReason: verdict.reason,
        sharpeChampion: c.a.metrics.sharpe, sharpeCandidate: c.b.metrics.sharpe,
        hitRateChampion: r?.a.metrics.accuracy ?? null, hitRateCandidate: r?.b.metrics.accuracy ?? null,
        rowHitsPValue: r?.hits.pValue ?? null, rowHitsFavours: r === null ? null : r.hits.aOnly > r.hits.bOnly ? 'A' : r.hits.bOnly > r.hits.aOnly ? 'B' : null,
        championInSample: c.a.inSample === true || (r?.a.inSample ?? false), report: c.html,
      };
      evidence.backtest = {runId: c.b.runId, report: c.b.report};
      evidence.compare = {html: c.html, json: c.json, championRunId: c.a.runId, verdict: verdict.verdict};
    } catch (error) {
      const message = (error as Error).message;
      figures = {error: `backtest failed: ${message}`};
      vsChampion = {error: `the comparison with the champion ${a} failed: ${message}`};
    }
  }
  if (shadow !== null && champion !== null) {
    vsChampion = shadowFigures(shadow, `${name}@${champion}`);
    evidence.shadow = {
      session: shadow.sessionId, mode: shadow.mode, champion: shadow.champion.model, challenger: shadow.challenger.model, bars: shadow.window.bars,
      readingsReproduced: shadow.readings.reproduced, verdict: shadow.verdict, html: shadow.html, json: shadow.json,
    };
  }
  gates.push(...backtestGates(figures, thresholds), championGate(vsChampion, thresholds));
  return {gates: order(gates), evidence};
}

const ORDER = ['validation', 'out-of-sample', 'auc', 'log-loss', 'hit-rate', 'sharpe', 'max-drawdown', 'champion', 'timeframe', 'feature-set', 'strategy'];
const order = (gates: GateResult[]) => [...gates].sort((a, b) => ORDER.indexOf(a.gate) - ORDER.indexOf(b.gate));

function safe<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** Why this build cannot compute the model's features as trained, or null. */
function featureProblem(set: string, names: readonly string[]): string | null {
  let known: readonly string[];
  try {
    known = featureSet(set).names;
  } catch (error) {
    return (error as Error).message;
  }
  if (known.length !== names.length || known.some((n, k) => n !== names[k])) {
    const k = known.findIndex((n, i) => n !== names[i]);
    return `the manifest lists ${names.length} features, ${set} here has ${known.length}${k >= 0 ? ` (first difference at column ${k}: ${names[k] ?? '-'} vs ${known[k]})` : ''}`;
  }
  return null;
}

/** `iftb models rollback`: the channel back to its previous version, recorded in the history. */
export function rollbackModel(registry: ModelRegistry, name: string, channel = DEFAULT_CHANNEL, record: {by?: string; reason?: string; now?: Date} = {}): {before: string | undefined; state: ChannelState} {
  const before = registry.channels(name).channels[channel]?.version;
  const state = registry.rollback(name, channel, record.now, {by: operatorName(record.by), reason: record.reason?.trim() || null});
  return {before, state};
}

/**
 * `iftb models pin`: channels outside GATED_CHANNELS (staging, canary, research …) move at once,
 * recorded in the history; a gated channel is refused with the command that gates it.
 */
export function pinModel(registry: ModelRegistry, ref: string, channel = DEFAULT_CHANNEL, record: {by?: string; reason?: string; now?: Date} = {}): {before: string | undefined; state: ChannelState; name: string} {
  const resolved = registry.resolve(ref);
  if (resolved.channel) throw new IftbError(ErrorCode.INPUT_INVALID, `pin takes NAME@VERSION, not a channel ('${ref}')`);
  if (GATED_CHANNELS.includes(channel)) {
    throw new IftbError(
      ErrorCode.INPUT_INVALID,
      `the '${channel}' channel changes only through the promotion gates: run \`iftb models promote ${ref} --channel ${channel}\` (or add --force --reason "…" to override failed gates, recorded in the history)`,
    );
  }
  const before = registry.channels(resolved.name).channels[channel]?.version;
  const state = registry.pin(resolved.name, resolved.version, channel, record.now, {action: 'pin', by: operatorName(record.by), reason: record.reason?.trim() || null});
  return {before, state, name: resolved.name};
}
