/**
 * Asking the endpoint for one bar: at most two HTTP requests (an invalid answer, a 429, a 5xx or
 * a dropped connection is retried once; a timeout is not, the bar's time is spent), every attempt
 * stored, cost counted against a budget. Failures are values; only what no retry can fix (a bad
 * API key, an unknown model, an endpoint that was never reachable) throws.
 */
import {
  ErrorCode,
  IftbError,
  type LlmAnswer,
  type LlmAnswerStatus,
  type LlmAnswerStore,
  type LlmClient,
  type LlmCompletion,
  type LlmRequest,
  type LlmSeriesKey,
} from '../../core/index.js';
import {parseAnswer} from './answer.js';
import {costUsd, type LlmModelInfo} from './config.js';
import {canonicalRequestJson, requestHash} from './prompts.js';

/** Calls and spend of one run or recording; checked before every request. */
export class LlmBudget {
  calls = 0;
  spentUsd = 0;

  constructor(
    readonly maxCalls: number,
    readonly maxUsd: number,
    /** false: the model's price is unknown, only maxCalls limits it. */
    readonly priced: boolean,
  ) {}

  /** null while requests may go out, else why not. */
  get exhausted(): string | null {
    if (this.calls >= this.maxCalls) return `max calls ${this.maxCalls} reached`;
    if (this.priced && this.spentUsd >= this.maxUsd) return `budget $${this.maxUsd} spent ($${this.spentUsd.toFixed(4)})`;
    return null;
  }
}

/**
 * A live bar's deadline, shared by the bar's wait and its request: whichever comes first wins, in
 * one turn of the event loop. An answer that arrives while it is open claims it (the bar uses the
 * answer, even if storing it ends a moment past the deadline); once it expired the bar has
 * abstained and later answers are stored as late.
 */
export class AnswerDeadline {
  #state: 'open' | 'claimed' | 'expired' = 'open';

  /** An answer arrived: true when the bar may use it. */
  claim(): boolean {
    if (this.#state === 'open') this.#state = 'claimed';
    return this.#state === 'claimed';
  }

  /** The deadline passed: true when the bar abstains (no answer claimed it). */
  expire(): boolean {
    if (this.#state === 'open') this.#state = 'expired';
    return this.#state === 'expired';
  }

  get expired(): boolean {
    return this.#state === 'expired';
  }
}

export interface PreparedRequest {
  readonly request: LlmRequest;
  readonly requestJson: string;
  readonly requestHash: string;
}

export function prepareRequest(request: LlmRequest): PreparedRequest {
  return {request, requestJson: canonicalRequestJson(request), requestHash: requestHash(request)};
}

export interface AskOutcome {
  readonly barCloseMs: number;
  /** skipped: the budget ran out before the first request. */
  readonly status: LlmAnswerStatus | 'skipped';
  readonly answer: LlmAnswer | null;
  /** HTTP requests made for this bar, and how many of them failed (errors and invalid answers). */
  readonly requests: number;
  readonly errors: number;
  /** Of the last attempt. */
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Why the bar has no answer (last failure), null when ok. */
  readonly error: string | null;
  /** Kind of the last failure ('invalid': an answer off the schema), null when ok or not asked. */
  readonly failureKind?: string | null;
}

export interface RequesterOptions {
  readonly client: LlmClient;
  /** Where every attempt is stored; null: nowhere (tests). */
  readonly store: LlmAnswerStore | null;
  readonly key: LlmSeriesKey;
  readonly model: LlmModelInfo | null;
  readonly budget: LlmBudget;
  /** Longest wait before the retry (a server's Retry-After is honoured up to this). */
  readonly maxRetryDelayMs?: number;
  /** The paper/live session asking: stored with every row. */
  readonly sessionId?: string;
}

const RETRIED = new Set(['rate-limit', 'server', 'connection', 'empty']);
/** Timeouts in a row, before any answer, after which the endpoint counts as unreachable. */
const FIRST_CONTACT_TIMEOUTS = 3;

export class LlmRequester {
  readonly #o: RequesterOptions;
  /** Some HTTP response (any status) arrived: the endpoint exists. */
  #reached = false;
  #initialTimeouts = 0;

  constructor(options: RequesterOptions) {
    this.#o = options;
  }

  get endpoint(): string {
    return this.#o.client.endpoint;
  }

  get budget(): LlmBudget {
    return this.#o.budget;
  }

  /** With a `deadline` (live), no retry starts after it expired and answers past it are stored as late. */
  async ask(barCloseMs: number, prepared: PreparedRequest, deadline?: AnswerDeadline): Promise<AskOutcome & {readonly late?: boolean}> {
    const o = this.#o;
    let requests = 0;
    let errors = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    let cost = 0;
    let latencyMs = 0;
    let lastError: string | null = null;
    let status: AskOutcome['status'] = 'skipped';
    let late = false;
    let failureKind: string | null = null;
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (attempt > 1 && deadline?.expired) break;
      const exhausted = o.budget.exhausted;
      if (exhausted !== null) {
        lastError ??= `not asked: ${exhausted}`;
        break;
      }
      o.budget.calls++;
      requests++;
      const completion = await o.client.complete(prepared.request);
      latencyMs = completion.latencyMs;
      this.#checkFatal(completion);
      let answer: LlmAnswer | null = null;
      let answerJson: string | null = null;
      let retry = false;
      let attemptCost = 0;
      if (completion.ok) {
        promptTokens += completion.promptTokens;
        completionTokens += completion.completionTokens;
        attemptCost = costUsd(o.model, completion.promptTokens, completion.completionTokens);
        const parsed = parseAnswer(completion.content);
        if (parsed.ok) {
          answer = parsed.answer;
          answerJson = JSON.stringify(parsed.answer);
          status = 'ok';
          lastError = null;
        } else {
          answerJson = completion.content;
          status = 'invalid';
          failureKind = 'invalid';
          lastError = `invalid answer: ${parsed.reason}`;
          retry = true;
        }
      } else {
        status = 'error';
        failureKind = completion.kind;
        lastError = completion.message;
        retry = RETRIED.has(completion.kind);
      }
      cost += attemptCost;
      o.budget.spentUsd += attemptCost;
      if (status !== 'ok') errors++;
      if (deadline !== undefined) late = status === 'ok' ? !deadline.claim() : deadline.expired;
      await o.store?.append({
        ...o.key, barCloseMs, requestHash: prepared.requestHash, requestJson: prepared.requestJson, answerJson,
        responseModel: completion.ok ? completion.responseModel : null, latencyMs: completion.latencyMs,
        promptTokens: completion.ok ? completion.promptTokens : 0, completionTokens: completion.ok ? completion.completionTokens : 0,
        costUsd: attemptCost, status: status as LlmAnswerStatus, error: status === 'ok' ? null : lastError,
        ...(o.sessionId === undefined ? {} : {sessionId: o.sessionId, late}),
      });
      if (status === 'ok') {
        return {barCloseMs, status, answer, requests, errors, latencyMs, promptTokens, completionTokens, costUsd: cost, error: null, late};
      }
      if (!retry) break;
      if (attempt === 1 && !completion.ok && completion.retryAfterMs !== null) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(completion.retryAfterMs!, o.maxRetryDelayMs ?? 1000)));
      }
    }
    return {barCloseMs, status, answer: null, requests, errors, latencyMs, promptTokens, completionTokens, costUsd: cost, error: lastError, late, failureKind};
  }

  /** Failures no retry fixes stop the whole job with a message that says what to fix. */
  #checkFatal(completion: LlmCompletion): void {
    if (completion.ok || completion.status !== null) {
      this.#reached = true;
      if (completion.ok || !completion.fatal) return;
      throw new IftbError(ErrorCode.LLM_UNAVAILABLE, `LLM endpoint: ${completion.message}`);
    }
    if (this.#reached) return;
    if (completion.kind === 'connection') {
      throw new IftbError(ErrorCode.LLM_UNAVAILABLE, `LLM endpoint unreachable: ${completion.message} (check IFTB_LLM_BASE_URL, or replay recorded answers with --llm replay)`);
    }
    if (completion.kind === 'timeout' && ++this.#initialTimeouts >= FIRST_CONTACT_TIMEOUTS) {
      throw new IftbError(ErrorCode.LLM_UNAVAILABLE, `LLM endpoint ${this.endpoint} did not answer ${FIRST_CONTACT_TIMEOUTS} requests within the timeout (check IFTB_LLM_BASE_URL or raise llm.timeoutMs)`);
    }
  }
}

export interface AskAllOptions<T> {
  readonly concurrency: number;
  /** Stop after this many bars in a row ended without an answer. */
  readonly maxConsecutiveFailures: number;
  /** The request for a task, or null to skip it (already recorded). Called when the task is dispatched. */
  prepare(task: T): PreparedRequest | null;
  onOutcome?(task: T, outcome: AskOutcome): void;
  onSkip?(task: T): void;
}

export interface AskAllResult {
  /** Why asking stopped early (budget, consecutive failures), null when every task was dispatched. */
  readonly stopped: string | null;
  /** Index of the first task not dispatched (tasks.length when none was left). */
  readonly stoppedAt: number;
}

/** Asks for tasks in order with `concurrency` requests in flight; rethrows the first fatal error after in-flight ones settle. */
export async function askAll<T extends {readonly barCloseMs: number}>(
  requester: LlmRequester,
  tasks: readonly T[],
  options: AskAllOptions<T>,
): Promise<AskAllResult> {
  let next = 0;
  let stopped: string | null = null;
  let stoppedAt = tasks.length;
  let fatal: unknown = null;
  let consecutive = 0;
  const stop = (reason: string, at: number) => {
    if (stopped !== null) return;
    stopped = reason;
    stoppedAt = at;
  };
  const worker = async () => {
    while (fatal === null && stopped === null && next < tasks.length) {
      const exhausted = requester.budget.exhausted;
      if (exhausted !== null) {
        stop(`LLM budget exhausted (${exhausted})`, next);
        break;
      }
      const index = next++;
      const task = tasks[index];
      const prepared = options.prepare(task);
      if (prepared === null) {
        options.onSkip?.(task);
        continue;
      }
      try {
        const outcome = await requester.ask(task.barCloseMs, prepared);
        options.onOutcome?.(task, outcome);
        if (outcome.status === 'ok') consecutive = 0;
        else if (outcome.status !== 'skipped' && ++consecutive >= options.maxConsecutiveFailures) {
          stop(`stopped calling after ${consecutive} bars in a row without an answer (last: ${outcome.error})`, next);
        }
      } catch (error) {
        fatal ??= error;
      }
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(options.concurrency, tasks.length))}, worker));
  if (fatal !== null) throw fatal;
  return {stopped, stoppedAt};
}
