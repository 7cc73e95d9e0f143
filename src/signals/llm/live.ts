/**
 * The LLM source in a paper or live session: what differs from a backtest's batch prepare.
 *
 * - One request per decision bar (every `everyBars`), made when the bar is decided, with a prompt
 *   holding nothing after its close; the decision waits at most `deadlineMs` for it. Past the
 *   deadline the bar abstains (journaled) and the request may still finish: its answer is stored as
 *   late, counted against the budget, and never replayed.
 * - The budget (llm.maxCalls, llm.budgetUsd) is the session's: its stored rows are summed when the
 *   session starts, so a restart continues the same budget.
 * - A restart replays, never asks: the bars the session decided get the session's own on-time
 *   answers from the store and their LLM journal events from the stored journal. `iftb live diff`
 *   replays the session's bars the same way (one prepare over the range is a replay).
 * - The source's failures do not feed the breaker's error-rate rule (the exchange's requests) in
 *   a session: they have their own metrics and alert, and a replay judges the same breaker inputs.
 */
import type {BarColumns, JournalEvent, LlmAnswer, LlmAnswerStore} from '../../core/index.js';
import type {LlmConfig} from './config.js';
import {AnswerDeadline, type AskOutcome, LlmBudget, type LlmRequester, type PreparedRequest} from './requester.js';

export interface LiveLlmOptions {
  /** The session the rows are stored under (known once the session record exists, after the lanes are composed). */
  readonly sessionId: () => string;
  /** The longest a decision waits for the bar's answer. */
  readonly deadlineMs: number;
  /** Ask on bars whose close is a multiple of this many bars (epoch-aligned, like `llm record --every`); llm.holdBars carries answers between. */
  readonly everyBars: number;
  /** The session's stored journal: the restart replay re-emits its LLM events at their bars. */
  readonly storedJournal: () => Promise<readonly JournalEvent[]>;
  /** Resolves once headlines that already arrived are stored (the prompt reads the store). */
  readonly settle?: () => Promise<void>;
  /** One budget for every LLM source of the session (several symbols or prompts): the first to start creates it. */
  readonly shared?: {budget: LlmBudget | null};
}

/** One bar's asking, for metrics: 'ok', 'late' (after the deadline), 'deadline' (the bar abstained waiting), 'budget', or a failure kind. */
export interface LlmLiveEvent {
  readonly barCloseMs: number;
  readonly outcome: string;
  /** HTTP requests this event accounts for. */
  readonly requests: number;
  /** Latency of the last request (null: none finished). */
  readonly latencyMs: number | null;
  readonly costUsd: number;
}

export type LlmLiveListener = (event: LlmLiveEvent) => void;

/**
 * Prompt history for bar `index` of `bars`: the stored bars before it, then the bars of `bars`
 * after the newest stored one up to `index` (a live bar is stored only after its decision). An
 * offline rebuild from the store gets the same columns once the bars are stored.
 */
export function liveHistory(stored: BarColumns, bars: BarColumns, index: number): BarColumns {
  const last = stored.length > 0 ? stored.openTime[stored.length - 1] : Number.NEGATIVE_INFINITY;
  let from = index;
  while (from > 0 && bars.openTime[from - 1] > last) from--;
  if (from <= index && bars.openTime[from] <= last) from++;
  const extra = index + 1 - from;
  const length = stored.length + extra;
  const join = (a: Float64Array, b: Float64Array) => {
    const out = new Float64Array(length);
    out.set(a.subarray(0, stored.length));
    out.set(b.subarray(from, index + 1), stored.length);
    return out;
  };
  return {
    length,
    openTime: join(stored.openTime, bars.openTime), open: join(stored.open, bars.open), high: join(stored.high, bars.high),
    low: join(stored.low, bars.low), close: join(stored.close, bars.close), volume: join(stored.volume, bars.volume),
  };
}

/** Whether a journal event is this source's (its messages start with its id). */
export function isSourceEvent(event: JournalEvent, id: string): boolean {
  return event.type === 'error' && (event.message.startsWith(`${id} `) || event.message.startsWith(`${id}:`)) && String(event.code).startsWith('IFTB_E_LLM');
}

export interface LiveAsk {
  readonly requester: LlmRequester;
  readonly deadlineMs: number;
  /** Builds the bar's request (within the deadline: it counts from the start of the asking). */
  readonly prompt: () => Promise<PreparedRequest>;
  /** When the request settles, on time or late: counts, cost, metrics. */
  readonly settled: (outcome: (AskOutcome & {readonly late?: boolean}) | Error) => void;
}

export type LiveAskResult =
  | {readonly answer: LlmAnswer; readonly requestHash: string; readonly latencyMs: number}
  | {readonly failure: string; readonly deadline: boolean};

/**
 * One bar's request within its deadline. The request is not awaited past the deadline: it may
 * settle later (stored as late, reported through `settled`), the bar has abstained by then.
 */
export async function askWithinDeadline(barCloseMs: number, ask: LiveAsk): Promise<LiveAskResult> {
  const startedMs = Date.now();
  let prepared: PreparedRequest;
  try {
    prepared = await ask.prompt();
  } catch (error) {
    return {failure: `prompt not built (${(error as Error).message})`, deadline: false};
  }
  const deadline = new AnswerDeadline();
  const asking = ask.requester.ask(barCloseMs, prepared, deadline).then(
    (outcome) => {
      ask.settled(outcome);
      return outcome;
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      ask.settled(failure);
      return failure;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, ask.deadlineMs - (Date.now() - startedMs)));
  });
  let outcome = await Promise.race([asking, waited]);
  // The deadline fired while an answer was being stored: it claimed the bar, only the write is left.
  if (outcome === null && !deadline.expire()) outcome = await asking;
  clearTimeout(timer);
  if (outcome === null) return {failure: `no answer within the ${ask.deadlineMs} ms deadline`, deadline: true};
  if (outcome instanceof Error) return {failure: outcome.message, deadline: false};
  if (outcome.status === 'ok' && outcome.answer !== null && !outcome.late) {
    return {answer: outcome.answer, requestHash: prepared.requestHash, latencyMs: outcome.latencyMs};
  }
  return {failure: outcome.error ?? outcome.status, deadline: false};
}

/** The metrics outcome of a settled request: 'ok', 'late' (settled after the deadline), or its failure kind. */
export function settledOutcome(outcome: (AskOutcome & {readonly late?: boolean}) | Error): string {
  if (outcome instanceof Error) return 'error';
  if (outcome.late) return 'late';
  return outcome.status === 'ok' ? 'ok' : (outcome.failureKind ?? outcome.status);
}

/** The session's budget: what its stored rows already spent counts (a restart continues it); shared by its LLM sources. */
export async function sessionBudget(live: LiveLlmOptions, config: LlmConfig, priced: boolean, answers: LlmAnswerStore | null, sessionId: string): Promise<LlmBudget> {
  if (live.shared?.budget) return live.shared.budget;
  const budget = new LlmBudget(config.maxCalls, config.budgetUsd, priced);
  const spent = await answers?.sessionSpend?.(sessionId);
  budget.calls = spent?.calls ?? 0;
  budget.spentUsd = spent?.costUsd ?? 0;
  if (live.shared !== undefined) live.shared.budget = budget;
  return budget;
}
