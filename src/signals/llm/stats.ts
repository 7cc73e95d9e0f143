import type {LlmMode} from './config.js';

/** What one LLM analyzer did in a run: counts, and the latencies behind the percentiles. */
export interface LlmRunPart {
  readonly promptId: string;
  readonly model: string;
  readonly mode: LlmMode;
  /** Decision bars the source covered. */
  readonly bars: number;
  /** Bars answered from the store, by a call in this run, or held from an earlier answer. */
  readonly replayed: number;
  readonly called: number;
  readonly held: number;
  /** Bars left without a reading. */
  readonly misses: number;
  /** HTTP requests made in this run, and how many failed (errors and invalid answers). */
  readonly calls: number;
  readonly failedCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Spent by this run's calls. */
  readonly costUsd: number;
  /** What the replayed answers cost when they were recorded. */
  readonly replayedCostUsd: number;
  /** Latency of every answer used (recorded latency for a replayed one). */
  readonly latenciesMs: readonly number[];
  /** The model's training cutoff (YYYY-MM-DD), null when unknown. */
  readonly cutoff: string | null;
  /** Bars whose reading came from an answer for a bar before the cutoff (all of them if it is unknown). */
  readonly contaminatedBars: number;
  /** Why calling stopped early (budget, failures), null if it did not. */
  readonly stopped: string | null;
}

/** run.json `llm`. */
export interface LlmRunStats {
  readonly promptIds: readonly string[];
  readonly model: string;
  readonly mode: LlmMode;
  readonly bars: number;
  readonly replayed: number;
  readonly called: number;
  readonly held: number;
  readonly misses: number;
  readonly calls: number;
  readonly failedCalls: number;
  readonly tokens: {readonly prompt: number; readonly completion: number; readonly total: number};
  readonly costUsd: number;
  readonly replayedCostUsd: number;
  readonly latencyMsP50: number | null;
  readonly latencyMsP95: number | null;
  readonly cutoff: string | null;
  readonly contaminated: boolean;
  readonly contaminatedBars: number;
  readonly stopped: string | null;
}

/** Nearest-rank percentile of a sorted array; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** One figure for the run over every LLM analyzer of the strategy (usually one); null when there is none. */
export function summarizeLlmParts(parts: readonly LlmRunPart[]): LlmRunStats | null {
  if (parts.length === 0) return null;
  const sum = (f: (p: LlmRunPart) => number) => parts.reduce((s, p) => s + f(p), 0);
  const latencies = parts.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const prompt = sum((p) => p.promptTokens);
  const completion = sum((p) => p.completionTokens);
  const contaminatedBars = sum((p) => p.contaminatedBars);
  const cutoffs = parts.map((p) => p.cutoff);
  return {
    promptIds: parts.map((p) => p.promptId),
    model: parts[0].model,
    mode: parts[0].mode,
    bars: sum((p) => p.bars),
    replayed: sum((p) => p.replayed),
    called: sum((p) => p.called),
    held: sum((p) => p.held),
    misses: sum((p) => p.misses),
    calls: sum((p) => p.calls),
    failedCalls: sum((p) => p.failedCalls),
    tokens: {prompt, completion, total: prompt + completion},
    costUsd: sum((p) => p.costUsd),
    replayedCostUsd: sum((p) => p.replayedCostUsd),
    latencyMsP50: percentile(latencies, 0.5),
    latencyMsP95: percentile(latencies, 0.95),
    cutoff: cutoffs.includes(null) ? null : cutoffs.reduce((a, b) => (a! > b! ? a : b)),
    contaminated: contaminatedBars > 0,
    contaminatedBars,
    stopped: parts.map((p) => p.stopped).find((s) => s !== null) ?? null,
  };
}
