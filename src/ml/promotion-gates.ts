/**
 * Promotion gates: what a model version must show before it may be pinned to a gated channel
 * (`live`). Each gate is a pure function of figures the promotion computed (src/app/model-promotion.ts)
 * and returns pass/fail with the figure and the threshold it was held to, so the refusal names the
 * number that failed and the channel history keeps every result.
 *
 * Thresholds live in the `promotion` section of the strategy's live config; the defaults below are
 * the documented ones (README "Promoting a model to live"). They are deliberately modest — a coin
 * flip (AUC 0.5, log-loss ln 2, hit rate 0.5) and a strategy that at least does not lose (Sharpe ≥ 0,
 * drawdown ≤ 25 %) — because the tests that matter are "out of sample" and "not worse than the model
 * trading now" (no test favouring the champion at α = 5 %, and a hit rate at most 2 points below
 * its); a desk tightens them in its config.
 */
import {z} from 'zod';

export const COIN_FLIP_LOG_LOSS = Math.LN2;

export const PromotionGatesSchema = z
  .object({
    /** Evidence of validation: walk-forward folds, or a validation window of at least this many rows. */
    minValidationRows: z.number().int().min(1).default(200),
    /** Rows with a known label in the out-of-sample window (after everything the model has seen). */
    minOutOfSampleRows: z.number().int().min(30).default(500),
    minAuc: z.number().min(0).max(1).default(0.5),
    maxLogLoss: z.number().positive().default(Number(COIN_FLIP_LOG_LOSS.toFixed(4))),
    /** Share of rows where p > 0.5 matches the label. */
    minHitRate: z.number().min(0).max(1).default(0.5),
    /** Annualised Sharpe of the strategy's backtest with the model over the window (sample σ, as run.json). */
    minSharpe: z.number().default(0),
    /** Largest peak-to-trough fall of that backtest's equity, a fraction (0.25 = 25 %). */
    maxDrawdown: z.number().min(0).max(1).default(0.25),
    /** The feature set the live strategy is run with; default: the champion's (a change of feature set is then a config change). */
    featureSet: z.string().optional(),
    champion: z
      .object({
        /** Significance of the champion-vs-candidate tests (Holm across ML hits and Sharpe difference). */
        alpha: z.number().gt(0).lt(1).default(0.05),
        /** Refuse when the candidate's backtest Sharpe is more than this below the champion's, significant or not (null: off). */
        maxSharpeDrop: z.number().min(0).nullable().default(null),
        /**
         * Refuse when the candidate's hit rate on rows is more than this below the champion's (null: off).
         * On a few hundred overlapping rows a real gap of 10 points can still be "not significant";
         * replacing the champion with a model that looks clearly worse gains nothing, so by default
         * a drop of more than 2 points refuses even without significance.
         */
        maxHitRateDrop: z.number().min(0).max(1).nullable().default(0.02),
        resamples: z.number().int().min(100).max(100_000).default(2_000),
        blockBars: z.number().int().min(1).default(24),
        seed: z.number().int().default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PromotionGates = z.output<typeof PromotionGatesSchema>;

export type GateId =
  | 'integrity'
  | 'validation'
  | 'out-of-sample'
  | 'auc'
  | 'log-loss'
  | 'hit-rate'
  | 'sharpe'
  | 'max-drawdown'
  | 'champion'
  | 'timeframe'
  | 'feature-set'
  | 'strategy';

export interface GateResult {
  readonly gate: GateId;
  readonly pass: boolean;
  /** The measured figure, in words and numbers. */
  readonly figure: string;
  /** What it was held to. */
  readonly threshold: string;
  /** Context that does not change the result (e.g. no champion yet). */
  readonly note?: string;
  /** The longer story behind the figure (the comparison's verdict and its tests), printed below the table. */
  readonly detail?: string;
}

const f4 = (x: number | null) => (x === null || !Number.isFinite(x) ? String(x) : x.toFixed(4));
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function integrityGate(problems: readonly string[]): GateResult {
  return {
    gate: 'integrity', pass: problems.length === 0, threshold: 'every file and the manifest match their sha256',
    figure: problems.length === 0 ? 'all files and manifest.json verified' : problems.join('; '),
  };
}

export interface ValidationEvidence {
  readonly walkForwardFolds: number;
  readonly walkForwardRows: number;
  readonly walkForwardAuc: number | null;
  readonly validationRows: number;
  readonly validationAuc: number | null;
}

export function validationGate(e: ValidationEvidence, gates: PromotionGates): GateResult {
  const threshold = `walk-forward folds, or a validation window of ≥ ${gates.minValidationRows} rows`;
  if (e.walkForwardFolds > 0) {
    return {gate: 'validation', pass: true, threshold, figure: `walk-forward: ${e.walkForwardFolds} folds, ${e.walkForwardRows} out-of-sample rows, AUC ${f4(e.walkForwardAuc)}`};
  }
  return {
    gate: 'validation', pass: e.validationRows >= gates.minValidationRows, threshold,
    figure: e.validationRows === 0 ? 'no walk-forward and no validation window' : `validation window of ${e.validationRows} rows, AUC ${f4(e.validationAuc)} (no walk-forward)`,
  };
}

export interface WindowEvidence {
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  /** End of everything the model has seen (training and validation). */
  readonly modelSeenTo: string;
  readonly inSample: boolean;
}

export function outOfSampleGate(w: WindowEvidence | {readonly error: string}, gates: PromotionGates): GateResult {
  const threshold = `≥ ${gates.minOutOfSampleRows} rows after the model's data (${'error' in w ? 'its training and validation window' : `from ${w.modelSeenTo}`})`;
  if ('error' in w) return {gate: 'out-of-sample', pass: false, threshold, figure: w.error};
  const figure = `${w.rows} rows ${w.from} → ${w.to}${w.inSample ? ` — IN SAMPLE: the model saw data up to ${w.modelSeenTo}` : ''}`;
  return {gate: 'out-of-sample', pass: !w.inSample && w.rows >= gates.minOutOfSampleRows, threshold, figure};
}

export interface RowFigures {
  readonly auc: number | null;
  readonly logLoss: number;
  readonly hitRate: number;
  readonly rows: number;
}

/** AUC, log-loss and hit rate on the window's rows; `why` when they could not be computed. */
export function rowGates(m: RowFigures | {readonly error: string}, gates: PromotionGates): GateResult[] {
  const t = {auc: `AUC ≥ ${gates.minAuc}`, 'log-loss': `log-loss ≤ ${gates.maxLogLoss}`, 'hit-rate': `hit rate ≥ ${pct(gates.minHitRate)}`} as const;
  if ('error' in m) return (Object.keys(t) as Array<keyof typeof t>).map((gate) => ({gate, pass: false, threshold: t[gate], figure: m.error}));
  return [
    {gate: 'auc', pass: m.auc !== null && m.auc >= gates.minAuc, threshold: t.auc, figure: `AUC ${f4(m.auc)} over ${m.rows} rows`},
    {gate: 'log-loss', pass: m.logLoss <= gates.maxLogLoss, threshold: t['log-loss'], figure: `log-loss ${f4(m.logLoss)}`},
    {gate: 'hit-rate', pass: m.hitRate >= gates.minHitRate, threshold: t['hit-rate'], figure: `hit rate ${pct(m.hitRate)}`},
  ];
}

export interface BacktestFigures {
  readonly sharpe: number | null;
  readonly maxDrawdown: number;
  readonly totalReturn: number;
  readonly trades: number;
  readonly runId: string;
}

export function backtestGates(b: BacktestFigures | {readonly error: string}, gates: PromotionGates): GateResult[] {
  const ts = `Sharpe ≥ ${gates.minSharpe}`, td = `max drawdown ≤ ${pct(gates.maxDrawdown)}`;
  if ('error' in b) return [{gate: 'sharpe', pass: false, threshold: ts, figure: b.error}, {gate: 'max-drawdown', pass: false, threshold: td, figure: b.error}];
  const of = `backtest ${b.runId}: return ${pct(b.totalReturn)}, ${b.trades} trades`;
  return [
    {gate: 'sharpe', pass: b.sharpe !== null && b.sharpe >= gates.minSharpe, threshold: ts, figure: `Sharpe ${b.sharpe === null ? 'undefined (flat equity)' : b.sharpe.toFixed(2)} (${of})`},
    {gate: 'max-drawdown', pass: b.maxDrawdown <= gates.maxDrawdown, threshold: td, figure: `max drawdown ${pct(b.maxDrawdown)}`},
  ];
}

export interface ChampionFigures {
  readonly champion: string;
  /** "A better" = the champion (A) is significantly better. */
  readonly verdict: 'A better' | 'B better' | 'no significant difference';
  readonly verdictReason: string;
  readonly sharpeChampion: number | null;
  readonly sharpeCandidate: number | null;
  readonly hitRateChampion: number | null;
  readonly hitRateCandidate: number | null;
  /** Row-level paired hit test (HAR-corrected), champion = A. */
  readonly rowHitsPValue: number | null;
  readonly rowHitsFavours: 'A' | 'B' | null;
  readonly championInSample: boolean;
  readonly report: string | null;
}

export function championGate(c: ChampionFigures | {readonly none: string} | {readonly error: string}, gates: PromotionGates): GateResult {
  const g = gates.champion;
  const threshold = [
    `no test favours the champion at α = ${g.alpha}`,
    ...(g.maxSharpeDrop === null ? [] : [`Sharpe drop ≤ ${g.maxSharpeDrop}`]),
    ...(g.maxHitRateDrop === null ? [] : [`hit-rate drop ≤ ${pct(g.maxHitRateDrop)}`]),
  ].join('; ');
  if ('none' in c) return {gate: 'champion', pass: true, threshold, figure: 'no champion on this channel', note: c.none};
  if ('error' in c) return {gate: 'champion', pass: false, threshold, figure: c.error};
  const failures: string[] = [];
  if (c.verdict === 'A better') failures.push(`the champion ${c.champion} is significantly better`);
  if (c.rowHitsFavours === 'A' && c.rowHitsPValue !== null && c.rowHitsPValue < g.alpha) failures.push(`on rows the champion is right significantly more often (p = ${f4(c.rowHitsPValue)})`);
  const sharpeDrop = c.sharpeChampion !== null && c.sharpeCandidate !== null ? c.sharpeChampion - c.sharpeCandidate : null;
  if (g.maxSharpeDrop !== null && sharpeDrop !== null && sharpeDrop > g.maxSharpeDrop) failures.push(`Sharpe ${fx(c.sharpeCandidate)} vs the champion's ${fx(c.sharpeChampion)} (drop ${sharpeDrop.toFixed(2)} > ${g.maxSharpeDrop})`);
  const hitDrop = c.hitRateChampion !== null && c.hitRateCandidate !== null ? c.hitRateChampion - c.hitRateCandidate : null;
  if (g.maxHitRateDrop !== null && hitDrop !== null && hitDrop > g.maxHitRateDrop) failures.push(`hit rate ${pct(c.hitRateCandidate!)} vs the champion's ${pct(c.hitRateChampion!)} (drop ${pct(hitDrop)} > ${pct(g.maxHitRateDrop)})`);
  const summary = `vs ${c.champion}: Sharpe ${fx(c.sharpeCandidate)} vs ${fx(c.sharpeChampion)}, hit rate ${c.hitRateCandidate === null ? '-' : pct(c.hitRateCandidate)} vs ${c.hitRateChampion === null ? '-' : pct(c.hitRateChampion)}, row hits p = ${f4(c.rowHitsPValue)}; verdict: ${c.verdict}`;
  return {
    gate: 'champion', pass: failures.length === 0, threshold,
    figure: failures.length === 0 ? summary : failures.join('; '),
    detail: failures.length === 0 ? c.verdictReason : `${summary} — ${c.verdictReason}`,
    ...(c.championInSample ? {note: `the champion ${c.champion} saw part of the window in training (the comparison leans its way)`} : {}),
  };
}

const fx = (x: number | null) => (x === null ? '-' : x.toFixed(2));

export interface CompatibilityFigures {
  readonly modelTimeframe: string;
  readonly strategyTimeframe: string;
  readonly modelFeatureSet: string;
  /** What the live strategy expects: the config's promotion.featureSet, else the champion's; null: any the code computes. */
  readonly expectedFeatureSet: string | null;
  readonly expectedFrom: 'config' | 'champion' | null;
  /** Why the code cannot compute the model's features exactly as trained (unknown set, other names), or null. */
  readonly featureProblem: string | null;
  /** The model references the strategy's ML sources read, after its defaults. */
  readonly strategyModels: readonly string[];
  /** NAME@CHANNEL: what the strategy must read for this promotion to reach it. */
  readonly target: string;
  readonly strategy: string;
  readonly modelSymbol: string;
  readonly strategySymbol: string;
}

export function compatibilityGates(c: CompatibilityFigures): GateResult[] {
  const featureFigure = `model ${c.modelFeatureSet}${c.expectedFeatureSet ? `, live strategy ${c.expectedFeatureSet} (from the ${c.expectedFrom === 'config' ? 'config promotion.featureSet' : 'champion'})` : ''}${c.featureProblem ? `: ${c.featureProblem}` : ''}`;
  return [
    {
      gate: 'timeframe', pass: c.modelTimeframe === c.strategyTimeframe, threshold: 'the model was trained on the live strategy\'s timeframe',
      figure: `model ${c.modelTimeframe}, live strategy ${c.strategyTimeframe}`,
      ...(c.modelSymbol === c.strategySymbol ? {} : {note: `trained on ${c.modelSymbol}, the strategy trades ${c.strategySymbol}`}),
    },
    {
      gate: 'feature-set', pass: c.featureProblem === null && (c.expectedFeatureSet === null || c.expectedFeatureSet === c.modelFeatureSet),
      threshold: 'the live strategy computes the model\'s feature set, names in order', figure: featureFigure,
    },
    {
      gate: 'strategy', pass: c.strategyModels.includes(c.target), threshold: `the strategy's ML source reads ${c.target}`,
      figure: c.strategyModels.length === 0 ? `strategy ${c.strategy} has no ML source reading params.model` : `strategy ${c.strategy} reads ${c.strategyModels.join(', ')}`,
    },
  ];
}

export function failedGates(results: readonly GateResult[]): GateResult[] {
  return results.filter((r) => !r.pass);
}
