import {z} from 'zod';

export const LLM_MODES = ['replay', 'call', 'off'] as const;
export type LlmMode = (typeof LLM_MODES)[number];

/** A model's training cutoff (YYYY-MM-DD; null: unknown) and price in USD per million tokens. */
export const LlmModelSchema = z.strictObject({
  cutoff: z.iso.date().nullable(),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
});
export type LlmModelInfo = z.output<typeof LlmModelSchema>;

/**
 * Published training cutoffs and list prices (standard tier) of common OpenAI models. A model not
 * here has an unknown cutoff (every answer it gives counts as contaminated) and an unknown price
 * (cost 0, only `maxCalls` limits it): add it under `llm.models`.
 */
export const DEFAULT_LLM_MODELS: Readonly<Record<string, LlmModelInfo>> = Object.freeze({
  'gpt-4o-mini': {cutoff: '2023-10-01', inputPerMTok: 0.15, outputPerMTok: 0.6},
  'gpt-4o': {cutoff: '2023-10-01', inputPerMTok: 2.5, outputPerMTok: 10},
  'gpt-4.1': {cutoff: '2024-06-01', inputPerMTok: 2, outputPerMTok: 8},
  'gpt-4.1-mini': {cutoff: '2024-06-01', inputPerMTok: 0.4, outputPerMTok: 1.6},
  'gpt-4.1-nano': {cutoff: '2024-06-01', inputPerMTok: 0.1, outputPerMTok: 0.4},
});

/** The `llm` section of a backtest config. The endpoint and API key are not config: they come from the environment. */
export const LlmConfigSchema = z.strictObject({
  /** replay: recorded answers only (a miss abstains); call: ask the endpoint on a miss, within the budget; off: abstain. */
  mode: z.enum(LLM_MODES).default('replay'),
  /** Model name sent to the endpoint and the key recorded answers are stored under. */
  model: z.string().min(1).default('gpt-4o-mini'),
  /** Per request; past it the bar abstains. */
  timeoutMs: z.int().min(100).max(600_000).default(10_000),
  /** Stop calling once this much was spent in the run (answers already recorded cost nothing). */
  budgetUsd: z.number().min(0).default(5),
  /** Stop calling after this many HTTP requests in the run. */
  maxCalls: z.int().min(0).default(10_000),
  /** Requests in flight at once. */
  concurrency: z.int().min(1).max(64).default(4),
  /** A bar without an answer of its own reuses the latest answer of the last `holdBars` bars (pairs with `llm record --every`). */
  holdBars: z.int().min(0).default(0),
  /** Stop calling after this many bars in a row failed (endpoint down): the rest abstain. */
  maxConsecutiveFailures: z.int().positive().default(10),
  /** Bars of requests/errors the circuit breaker's error rate sees. */
  healthWindowBars: z.int().positive().default(100),
  temperature: z.number().min(0).max(2).default(0),
  /** Cutoffs and prices; merged over DEFAULT_LLM_MODELS. */
  models: z
    .record(z.string().min(1), LlmModelSchema)
    .prefault({})
    .transform((m): Record<string, LlmModelInfo> => ({...DEFAULT_LLM_MODELS, ...m})),
});
export type LlmConfig = z.output<typeof LlmConfigSchema>;
export type LlmConfigInput = z.input<typeof LlmConfigSchema>;

/** The entry for `model`: exact, else the longest key it extends with '-' (a dated snapshot 'gpt-4o-2024-08-06'). */
export function modelInfo(models: Readonly<Record<string, LlmModelInfo>>, model: string): LlmModelInfo | null {
  if (Object.hasOwn(models, model)) return models[model];
  let best: string | null = null;
  for (const key of Object.keys(models)) {
    if (model.startsWith(`${key}-`) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : models[best];
}

/** UTC midnight of a 'YYYY-MM-DD' cutoff; null when unknown. */
export function cutoffMs(info: LlmModelInfo | null): number | null {
  return info?.cutoff ? Date.parse(`${info.cutoff}T00:00:00Z`) : null;
}

export function costUsd(info: LlmModelInfo | null, promptTokens: number, completionTokens: number): number {
  if (info === null) return 0;
  return (promptTokens * info.inputPerMTok + completionTokens * info.outputPerMTok) / 1e6;
}
