import {type Command, Option} from 'commander';
import {readLlmEnvironment, type LlmEnvironment} from '../adapters/openai/index.js';
import type {LlmRunStats} from '../signals/llm/index.js';
import {choiceOption, numberOption} from './options.js';

export interface LlmCliOptions {
  llm?: 'replay' | 'call' | 'off';
  llmModel?: string;
  llmBudgetUsd?: number;
  llmMaxCalls?: number;
  llmTimeoutMs?: number;
  llmConcurrency?: number;
}

/** --llm, --llm-model, --llm-budget-usd, --llm-max-calls, --llm-timeout-ms, --llm-concurrency. */
export function addLlmOptions(command: Command): Command {
  return command
    .addOption(new Option('--llm <mode>', 'LLM source: replay recorded answers (default), call the endpoint on a miss, or off')
      .argParser(choiceOption(['replay', 'call', 'off'] as const)))
    .option('--llm-model <name>', 'model (default $IFTB_LLM_MODEL, else gpt-4o-mini)')
    .option('--llm-budget-usd <usd>', 'stop calling once this much is spent (default 5)', numberOption('--llm-budget-usd', 0))
    .option('--llm-max-calls <n>', 'stop calling after this many requests (default 10000)', numberOption('--llm-max-calls', 0))
    .option('--llm-timeout-ms <ms>', 'per-request timeout (default 10000)', numberOption('--llm-timeout-ms', 100))
    .option('--llm-concurrency <n>', 'requests in flight (default 4)', numberOption('--llm-concurrency', 1));
}

/** The environment's endpoint and model (IFTB_LLM_BASE_URL, IFTB_LLM_MODEL, OPENAI_API_KEY; .env as fallback). */
export function llmEnvironment(): LlmEnvironment {
  return readLlmEnvironment();
}

/** config.llm with the flags given on top, and the environment's model when neither names one. */
export function applyLlmOptions(config: Record<string, unknown>, o: LlmCliOptions, env: LlmEnvironment): void {
  const llm: Record<string, unknown> = {...((config.llm as Record<string, unknown> | undefined) ?? {})};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) llm[key] = value;
  };
  set('mode', o.llm);
  set('model', o.llmModel ?? (llm.model === undefined ? (env.model ?? undefined) : undefined));
  set('budgetUsd', o.llmBudgetUsd);
  set('maxCalls', o.llmMaxCalls);
  set('timeoutMs', o.llmTimeoutMs);
  set('concurrency', o.llmConcurrency);
  if (Object.keys(llm).length > 0) config.llm = llm;
}

const usd = (x: number) => `$${x.toFixed(x > 0 && x < 0.01 ? 6 : 4)}`;

/** The summary lines about the LLM source: what answered, what it cost, whether it is contaminated. */
export function llmSummaryLines(llm: LlmRunStats | undefined): string[] {
  if (!llm) return [];
  const latency = llm.latencyMsP50 === null ? '-' : `${llm.latencyMsP50}/${llm.latencyMsP95} ms`;
  const lines = [
    `llm: ${llm.model} ${llm.promptIds.join(', ')} (${llm.mode}): ${llm.replayed} replayed, ${llm.called} called, ${llm.held} held, ` +
      `${llm.misses} misses of ${llm.bars} bars; ${llm.calls} requests (${llm.failedCalls} failed), ${llm.tokens.total} tokens, ` +
      `${usd(llm.costUsd)} spent; latency p50/p95 ${latency}`,
  ];
  if (llm.contaminated) {
    lines.push(`llm: CONTAMINATED: ${llm.contaminatedBars} bars used answers for bars before ${llm.model}'s training cutoff ` +
      `${llm.cutoff ?? '(unknown: set llm.models)'}; the model may know what came next (--strict refuses this)`);
  }
  if (llm.stopped) lines.push(`llm: ${llm.stopped}`);
  return lines;
}
