/**
 * A sweep's definition: validated at the edge, stored with the sweep, and the source of every
 * trial's config (so `iftb optimize show` rebuilds trial N's config exactly).
 */
import {z} from 'zod';
import {configHash, parseConfig} from '../config/index.js';
import {ErrorCode, IftbError} from '../core/index.js';
import type {StrategyDefinition} from '../decision/index.js';
import {OBJECTIVES, type ObjectiveSpec} from '../optimize/objective.js';
import {paramsOf, parseSpace, type Point, type SearchSpace, SearchSpaceSchema} from '../optimize/space.js';
import type {Fold} from '../optimize/walk-forward.js';

export const SweepRequestSchema = z
  .object({
    /** Backtest config keys (strategy, symbol, timeframe, fromMs, toMs, params as the fixed base, costs …). */
    base: z.record(z.string(), z.unknown()),
    /** The search space; absent: the one the strategy declares. */
    space: SearchSpaceSchema.optional(),
    sampler: z.enum(['grid', 'random', 'tpe']).default('tpe'),
    seed: z.number().int().default(1),
    trials: z.number().int().positive().max(1_000_000).default(100),
    /** Trials per proposal round of TPE (fixed so a seed gives the same sweep on any number of workers). */
    batch: z.number().int().positive().default(16),
    objective: z.enum(OBJECTIVES).default('sharpe'),
    objectiveExpr: z.string().optional(),
    minTrades: z.number().int().min(0).default(1),
    walkForward: z.object({trainMs: z.number().int().positive(), testMs: z.number().int().positive()}).strict().optional(),
    /** Trials (best first) whose full run records are kept; a walk-forward sweep keeps every fold's out-of-sample run. */
    keep: z.number().int().min(0).default(3),
  })
  .strict();

export type SweepRequest = z.output<typeof SweepRequestSchema>;

/** What is stored as the sweep's spec and hashed into its id (with the data hash); trials and keep are not. */
export interface SweepSpec {
  readonly version: 1;
  readonly base: Readonly<Record<string, unknown>>;
  readonly strategy: {readonly name: string; readonly version: string; readonly sourceSha256: string | null};
  readonly space: z.input<typeof SearchSpaceSchema>;
  readonly sampler: SweepRequest['sampler'];
  readonly seed: number;
  readonly batch: number;
  readonly objective: ObjectiveSpec;
  readonly walkForward: SweepRequest['walkForward'] | null;
}

export function parseSweepRequest(raw: unknown): SweepRequest {
  return parseConfig(SweepRequestSchema, raw, 'optimize request');
}

/**
 * The spec of a request: the base forced to `llm.mode: off` (trials do not call or replay an LLM:
 * its recorded answers live in the coordinator's store, not in workers), space from the request
 * or the strategy.
 */
export function sweepSpec(request: SweepRequest, strategy: StrategyDefinition, sourceSha256: string | undefined): SweepSpec {
  const space = request.space ?? strategy.space;
  if (!space) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `strategy ${strategy.name} declares no search space: give --space FILE or --range key=lo..hi`);
  }
  const base: Record<string, unknown> = {...request.base, llm: {...((request.base.llm as Record<string, unknown>) ?? {}), mode: 'off'}};
  if (request.walkForward && (typeof base.fromMs !== 'number' || typeof base.toMs !== 'number')) {
    throw new IftbError(ErrorCode.INPUT_INVALID, 'walk-forward optimisation needs --from and --to');
  }
  return {
    version: 1,
    base,
    strategy: {name: strategy.name, version: strategy.version, sourceSha256: sourceSha256 ?? null},
    space: JSON.parse(JSON.stringify(space)) as SweepSpec['space'],
    sampler: request.sampler,
    seed: request.seed,
    batch: request.batch,
    objective: {name: request.objective, ...(request.objectiveExpr ? {expression: request.objectiveExpr} : {}), minTrades: request.minTrades},
    walkForward: request.walkForward ?? null,
  };
}

export function specSpace(spec: SweepSpec): SearchSpace {
  return parseSpace(spec.space, 'search space');
}

export function sweepIdOf(spec: SweepSpec, dataHash: string): string {
  return configHash({spec, dataHash}).slice(0, 12);
}

/** Trial config: the base with the point's params and, in a walk-forward fold, its window. */
export function trialConfig(spec: SweepSpec, point: Point, window: {fromMs: number; toMs: number} | null): Record<string, unknown> {
  const base = spec.base;
  return {...base, params: paramsOf(point, (base.params as Record<string, unknown>) ?? {}), ...(window ? {fromMs: window.fromMs, toMs: window.toMs} : {})};
}

export const trainWindow = (f: Fold) => ({fromMs: f.trainFromMs, toMs: f.trainToMs});
export const testWindow = (f: Fold) => ({fromMs: f.testFromMs, toMs: f.testToMs});
