/**
 * The LLM signal source. All its I/O happens in `prepare(bars, from, to)`: one store query for the
 * recorded answers of the whole range, then (mode `call`) requests for the bars without one,
 * within the budget. `update` only reads the prepared columns, journals what went wrong on that
 * bar, and keeps the rolling request/error counts the circuit breaker reads through `health()`.
 *
 * Point in time: the answer for bar i was asked with a prompt holding nothing after bar i's close
 * and is used at bar i (or, with holdBars, a few bars later), never earlier.
 *
 * Identity: `answersDigest` is the sha256 of every answer the run used (bar, request hash — which
 * covers the prompt and so the headlines and funding in it — and the validated answer), so a
 * recording that changes what a replay reads changes the run's data hash.
 */
import {createHash} from 'node:crypto';
import {
  abstain,
  type Analyzer,
  type AnalyzerHealth,
  type BarColumns,
  type BarView,
  ErrorCode,
  IftbError,
  type JournalEvent,
  type JournalSink,
  type LlmAnswer,
  type LlmAnswerStore,
  type LlmClient,
  type LlmSeriesKey,
  type PromptContextSource,
  type SignalSlot,
  type Timeframe,
} from '../../core/index.js';
import {answerScore, validateAnswer} from './answer.js';
import {cutoffMs, type LlmConfig, modelInfo} from './config.js';
import {DEFAULT_SNAPSHOT, marketSnapshot, type PromptReadingsFactory, type SnapshotOptions} from './context.js';
import {buildLlmRequest, promptTemplate} from './prompts.js';
import {askAll, LlmBudget, LlmRequester, prepareRequest} from './requester.js';
import {askWithinDeadline, isSourceEvent, sessionBudget, liveHistory, type LiveLlmOptions, type LlmLiveEvent, type LlmLiveListener, settledOutcome} from './live.js';
import type {LlmRunPart} from './stats.js';

export interface LlmAnalyzerOptions {
  /** Versioned prompt id, e.g. 'market-read@v1'. */
  readonly promptId: string;
  readonly config: LlmConfig;
  readonly market: {readonly exchange: string; readonly symbol: string; readonly timeframe: Timeframe; readonly timeframeMs: number};
  /** Recorded answers (and where new ones are stored); null: nothing recorded. */
  readonly answers: LlmAnswerStore | null;
  /** null: no endpoint configured. */
  readonly client: LlmClient | null;
  /** Funding and headlines for prompts; null: prompts go without them. */
  readonly context: PromptContextSource | null;
  readonly readings: PromptReadingsFactory;
  readonly journal: JournalSink;
  /** Open time of the first decision bar; earlier bars only warm up and are never asked about. */
  readonly decisionFromMs: number;
  /** Refuse answers for bars before the model's training cutoff (or from a model without a known one). */
  readonly strict: boolean;
  readonly snapshot?: Partial<Omit<SnapshotOptions, 'symbol' | 'timeframe' | 'timeframeMs' | 'readings'>>;
  /** A paper or live session in mode `call`: ask bar by bar within a deadline (see live.ts). */
  readonly live?: LiveLlmOptions;
}

/** Answer latencies a session keeps for its percentiles. */
const LIVE_LATENCIES = 1000;

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

export class LlmAnalyzer implements Analyzer {
  readonly id: string;
  readonly source = 'llm' as const;
  readonly warmupBars: number;
  /** A session's prompts read the stored funding: the live loop keeps it fresh (a backtest reads what is stored). */
  readonly usesFunding: boolean;
  readonly promptId: string;
  readonly #o: LlmAnalyzerOptions;
  readonly #snapshot: SnapshotOptions;
  readonly #health: AnalyzerHealth = {requests: 0, errors: 0};
  #score = new Float64Array(0);
  #confidence = new Float64Array(0);
  #active = new Uint8Array(0);
  #requests = new Uint16Array(0);
  #errors = new Uint16Array(0);
  #hasEvents = new Uint8Array(0);
  readonly #events = new Map<number, JournalEvent[]>();
  #part: LlmRunPart;
  #prepared = false;
  #lastFailure: string | null = null;
  /** What each answered bar used: `${barCloseMs} ${requestHash} ${answer JSON}`, by bar index. */
  readonly #used = new Map<number, string>();
  /** Live: the session's budget and requester (after the first prepare), the last answered bar, listeners. */
  #live: {budget: LlmBudget; requester: LlmRequester | null; lastAnswered: number; budgetNoted: boolean} | null = null;
  readonly #listeners: LlmLiveListener[] = [];

  constructor(options: LlmAnalyzerOptions) {
    promptTemplate(options.promptId);
    this.#o = options;
    this.promptId = options.promptId;
    this.id = `llm.${options.promptId}`;
    this.#snapshot = {
      ...DEFAULT_SNAPSHOT, ...options.snapshot,
      symbol: options.market.symbol, timeframe: options.market.timeframe, timeframeMs: options.market.timeframeMs, readings: options.readings,
    };
    // Replay needs no history; calls build prompts from the store's history (see prepare).
    this.warmupBars = 0;
    this.usesFunding = options.live !== undefined && options.config.mode === 'call';
    const info = modelInfo(options.config.models, options.config.model);
    this.#part = {
      promptId: options.promptId, model: options.config.model, mode: options.config.mode, bars: 0, replayed: 0, called: 0, held: 0,
      misses: 0, calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, replayedCostUsd: 0, latenciesMs: [],
      cutoff: info?.cutoff ?? null, contaminatedBars: 0, stopped: null,
    };
  }

  get key(): LlmSeriesKey {
    const {market, config} = this.#o;
    return {promptId: this.promptId, model: config.model, exchange: market.exchange, symbol: market.symbol, timeframe: market.timeframe};
  }

  /** This run's figures (after prepare). */
  get runPart(): LlmRunPart {
    return this.#part;
  }

  /** Why the source gave no reading at all, for the run summary; undefined once it answered a bar. */
  get unavailable(): string | undefined {
    const p = this.#part;
    if (p.replayed + p.called + p.held > 0) return undefined;
    const {config, client} = this.#o;
    const what = `${config.model} ${this.promptId}`;
    if (config.mode === 'off') return 'the LLM source is off (llm.mode off)';
    if (this.#lastFailure !== null) return `no answer from the LLM endpoint (${this.#lastFailure})`;
    if (client === null) return `no LLM endpoint configured and no answers recorded for ${what} in this range: the LLM source abstains`;
    return `no answers recorded for ${what} in this range (replay mode: record them with \`iftb llm record\` or run with --llm call)`;
  }

  /**
   * sha256 over the answers this run used, in bar order (after prepare); null when it used none,
   * so a run whose LLM source abstains keeps the run id it had before answers were hashed.
   */
  get answersDigest(): string | null {
    if (this.#used.size === 0) return null;
    const hash = createHash('sha256');
    for (const index of [...this.#used.keys()].sort((a, b) => a - b)) hash.update(`${this.#used.get(index)}\n`);
    return hash.digest('hex');
  }

  health(): Readonly<AnalyzerHealth> {
    return this.#health;
  }

  /** Live: what each bar's asking did (metrics). */
  observe(listener: LlmLiveListener): void {
    this.#listeners.push(listener);
  }

  /** Live: the larger of calls and spend over their limits (1 = exhausted); null outside a session. */
  get budgetUsed(): number | null {
    const b = this.#live?.budget;
    if (b === undefined) return null;
    return Math.max(b.maxCalls > 0 ? b.calls / b.maxCalls : 1, b.priced ? (b.maxUsd > 0 ? b.spentUsd / b.maxUsd : 1) : 0);
  }

  /** Live: the longest a decision waits for an answer, null outside a session. */
  get deadlineMs(): number | null {
    return this.#o.live?.deadlineMs ?? null;
  }

  async prepare(bars: BarColumns, from: number, to: number): Promise<void> {
    if (this.#o.live !== undefined && this.#o.config.mode === 'call') return this.#prepareLive(bars, from, to, this.#o.live);
    const o = this.#o;
    const tf = o.market.timeframeMs;
    let start = from;
    while (start < to && bars.openTime[start] < o.decisionFromMs) start++;
    this.#prepared = true;
    if (o.config.mode === 'off' || start >= to) return;
    const closeOf = (i: number) => bars.openTime[i] + tf;
    const recorded = o.answers === null ? [] : await o.answers.recorded(this.key, closeOf(start), closeOf(to - 1));
    if (recorded.length === 0 && o.config.mode !== 'call') {
      // Nothing recorded, nothing to call: every bar abstains, and nothing is allocated (long replays).
      this.#part = {...this.#part, bars: this.#part.bars + (to - start), misses: this.#part.misses + (to - start)};
      return;
    }
    this.#ensure(to);
    const source = new Int32Array(to - start).fill(-1);
    const latencies: number[] = [...this.#part.latenciesMs];
    let replayed = 0;
    let replayedCost = 0;

    {
      let p = start;
      for (const r of recorded) {
        while (p < to && closeOf(p) < r.barCloseMs) p++;
        if (p >= to || closeOf(p) !== r.barCloseMs) continue;
        const valid = validateAnswer(r.answer);
        if (!valid.ok) continue;
        this.#set(p, answerScore(valid.answer), valid.answer.confidence);
        this.#used.set(p, `${r.barCloseMs} ${r.requestHash} ${JSON.stringify(valid.answer)}`);
        source[p - start] = p;
        replayed++;
        replayedCost += r.costUsd;
        latencies.push(r.latencyMs);
      }
    }

    const misses: number[] = [];
    for (let i = start; i < to; i++) if (source[i - start] < 0) misses.push(i);
    const info = modelInfo(o.config.models, o.config.model);
    const cutoff = cutoffMs(info);
    const calling = o.config.mode === 'call' && misses.length > 0;
    if (o.strict) this.#refuseContaminated(bars, start, to, source, calling ? misses : [], cutoff);

    const part = {...this.#part, replayed: this.#part.replayed + replayed, replayedCostUsd: this.#part.replayedCostUsd + replayedCost};
    if (calling) {
      if (o.client === null) {
        throw new IftbError(ErrorCode.LLM_UNAVAILABLE, `--llm call needs an LLM endpoint: set IFTB_LLM_BASE_URL (any OpenAI-compatible server) and/or OPENAI_API_KEY in the environment or .env (${misses.length} bars have no recorded answer)`);
      }
      const budget = new LlmBudget(o.config.maxCalls, o.config.budgetUsd, info !== null);
      const requester = new LlmRequester({client: o.client, store: o.answers, key: this.key, model: info, budget});
      const s = this.#snapshot;
      const first = closeOf(misses[0]);
      const last = closeOf(misses[misses.length - 1]);
      // Prompts are built from the store's own history (historyBars before each bar), not from what
      // the runner loaded for warm-up: a bar's prompt is the same here and in `iftb llm record`.
      const history = o.context ? await o.context.bars({fromMs: bars.openTime[misses[0]] - s.historyBars * tf, toMs: last}) : bars;
      const funding = o.context ? await o.context.funding({fromMs: first - s.fundingMaxAgeMs, toMs: last + 1}) : null;
      const news = o.context ? await o.context.news({fromMs: first - s.newsLookbackMs, toMs: last + 1}) : [];
      const template = promptTemplate(this.promptId);
      let h = 0;
      const tasks = misses.map((index) => {
        while (h < history.length && history.openTime[h] < bars.openTime[index]) h++;
        const found = h < history.length && history.openTime[h] === bars.openTime[index];
        return {index, barCloseMs: closeOf(index), bars: found ? history : bars, at: found ? h : index};
      });
      let firstSkipped = Infinity;
      let called = 0;
      let tokensIn = 0;
      let tokensOut = 0;
      let cost = 0;
      let failed = 0;
      const requestHashes = new Map<number, string>();
      const result = await askAll(requester, tasks, {
        concurrency: o.config.concurrency,
        maxConsecutiveFailures: o.config.maxConsecutiveFailures,
        prepare: (t) => {
          const prepared = prepareRequest(buildLlmRequest(template, marketSnapshot(t.bars, t.at, s, funding, news), o.config.model, o.config.temperature));
          requestHashes.set(t.index, prepared.requestHash);
          return prepared;
        },
        onOutcome: (t, outcome) => {
          this.#requests[t.index] += outcome.requests;
          this.#errors[t.index] += outcome.errors;
          tokensIn += outcome.promptTokens;
          tokensOut += outcome.completionTokens;
          cost += outcome.costUsd;
          failed += outcome.errors;
          if (outcome.status === 'ok' && outcome.answer !== null) {
            this.#set(t.index, answerScore(outcome.answer), outcome.answer.confidence);
            this.#used.set(t.index, `${t.barCloseMs} ${requestHashes.get(t.index)} ${JSON.stringify(outcome.answer)}`);
            source[t.index - start] = t.index;
            called++;
            latencies.push(outcome.latencyMs);
          } else if (outcome.status === 'skipped') {
            firstSkipped = Math.min(firstSkipped, t.index);
          } else {
            this.#lastFailure = outcome.error;
            this.#event(t.index, {type: 'error', timeMs: t.barCloseMs, code: ErrorCode.LLM_FAILED,
              message: `${this.id} ${iso(t.barCloseMs)}: ${outcome.error} (${outcome.requests} request${outcome.requests === 1 ? '' : 's'}); the bar abstains`});
          }
        },
      });
      if (result.stopped !== null) {
        const at = Math.min(firstSkipped, result.stoppedAt < tasks.length ? tasks[result.stoppedAt].index : Infinity);
        const index = Number.isFinite(at) ? at : misses[misses.length - 1];
        const left = misses.filter((i) => i >= index && source[i - start] < 0).length;
        const budget = result.stopped.startsWith('LLM budget');
        this.#event(index, {type: 'error', timeMs: closeOf(index), code: budget ? ErrorCode.LLM_BUDGET : ErrorCode.LLM_FAILED,
          message: `${this.id}: ${result.stopped}; ${left} later bar${left === 1 ? '' : 's'} without a recorded answer abstain`});
      }
      Object.assign(part, {
        called: part.called + called, calls: part.calls + budget.calls, failedCalls: part.failedCalls + failed,
        promptTokens: part.promptTokens + tokensIn, completionTokens: part.completionTokens + tokensOut,
        costUsd: part.costUsd + cost, stopped: result.stopped ?? part.stopped,
      });
    }

    let held = 0;
    if (o.config.holdBars > 0) {
      let lastAnswered = -1;
      for (let i = start; i < to; i++) {
        if (source[i - start] === i) lastAnswered = i;
        else if (lastAnswered >= 0 && i - lastAnswered <= o.config.holdBars) {
          this.#set(i, this.#score[lastAnswered], this.#confidence[lastAnswered]);
          source[i - start] = lastAnswered;
          held++;
        }
      }
    }
    let contaminated = 0;
    let missed = 0;
    for (let i = start; i < to; i++) {
      const answeredAt = source[i - start];
      if (answeredAt < 0) missed++;
      else if (cutoff === null || closeOf(answeredAt) < cutoff) contaminated++;
    }
    this.#part = {
      ...part, bars: part.bars + (to - start), held: part.held + held, misses: part.misses + missed,
      contaminatedBars: part.contaminatedBars + contaminated, latenciesMs: latencies,
    };
  }

  /**
   * Live. The first prepare (session start) replays what the session stored for the held bars and
   * asks nothing; each later one (a new bar) asks about its bar within the deadline.
   */
  async #prepareLive(bars: BarColumns, from: number, to: number, live: LiveLlmOptions): Promise<void> {
    const o = this.#o;
    const tf = o.market.timeframeMs;
    const closeOf = (i: number) => bars.openTime[i] + tf;
    let start = from;
    while (start < to && bars.openTime[start] < o.decisionFromMs) start++;
    this.#prepared = true;
    this.#ensure(to);
    if (this.#live === null) {
      const sessionId = live.sessionId();
      const info = modelInfo(o.config.models, o.config.model);
      const budget = await sessionBudget(live, o.config, info !== null, o.answers, sessionId);
      const requester = o.client === null ? null : new LlmRequester({client: o.client, store: o.answers, key: this.key, model: info, budget, sessionId});
      this.#live = {budget, requester, lastAnswered: -1, budgetNoted: false};
      if (start >= to) return;
      const recorded = o.answers === null ? [] : await o.answers.recorded(this.key, closeOf(start), closeOf(to - 1), sessionId);
      const byClose = new Map<number, number>();
      for (let i = start; i < to; i++) byClose.set(closeOf(i), i);
      let replayed = 0;
      for (const r of recorded) {
        const i = byClose.get(r.barCloseMs);
        const valid = validateAnswer(r.answer);
        if (i === undefined || !valid.ok) continue;
        this.#answered(i, r.barCloseMs, r.requestHash, valid.answer);
        replayed++;
      }
      for (const e of await live.storedJournal()) {
        const i = isSourceEvent(e, this.id) ? byClose.get(e.timeMs) : undefined;
        if (i !== undefined) this.#event(i, e);
      }
      for (let i = start; i < to; i++) this.#hold(i);
      this.#part = {...this.#part, bars: this.#part.bars + (to - start), replayed: this.#part.replayed + replayed};
      return;
    }
    for (let i = start; i < to; i++) {
      if (Math.round(closeOf(i) / tf) % live.everyBars === 0) await this.#askLive(bars, i, live);
      this.#hold(i);
      this.#part = {...this.#part, bars: this.#part.bars + 1};
    }
  }

  /** Asks about bar `index` (the bar being decided), waiting at most the deadline; every outcome but an answer abstains with its reason journaled. */
  async #askLive(bars: BarColumns, index: number, live: LiveLlmOptions): Promise<void> {
    const o = this.#o;
    const state = this.#live!;
    const close = bars.openTime[index] + o.market.timeframeMs;
    const notify = (event: Omit<LlmLiveEvent, 'barCloseMs'>) => {
      for (const listener of this.#listeners) listener({barCloseMs: close, ...event});
    };
    const fail = (code: ErrorCode, reason: string) => {
      this.#event(index, {type: 'error', timeMs: close, code, message: `${this.id} ${iso(close)}: ${reason}`});
      this.#lastFailure = reason;
    };
    const exhausted = state.budget.exhausted;
    if (exhausted !== null || state.requester === null) {
      if (state.requester === null) return fail(ErrorCode.LLM_UNAVAILABLE, 'no LLM endpoint configured; the bar abstains');
      notify({outcome: 'budget', requests: 0, latencyMs: null, costUsd: 0});
      if (state.budgetNoted) return;
      state.budgetNoted = true;
      this.#part = {...this.#part, stopped: `LLM budget exhausted (${exhausted})`};
      return fail(ErrorCode.LLM_BUDGET, `LLM budget of the session exhausted (${exhausted}); later bars abstain`);
    }
    const result = await askWithinDeadline(close, {
      requester: state.requester, deadlineMs: live.deadlineMs, prompt: () => this.#livePrompt(bars, index, live),
      settled: (outcome) => {
        if (!(outcome instanceof Error)) {
          this.#part = {
            ...this.#part, calls: this.#part.calls + outcome.requests, failedCalls: this.#part.failedCalls + outcome.errors,
            promptTokens: this.#part.promptTokens + outcome.promptTokens, completionTokens: this.#part.completionTokens + outcome.completionTokens,
            costUsd: this.#part.costUsd + outcome.costUsd,
          };
        }
        const requests = outcome instanceof Error ? 1 : outcome.requests;
        notify({outcome: settledOutcome(outcome), requests, latencyMs: outcome instanceof Error || requests === 0 ? null : outcome.latencyMs, costUsd: outcome instanceof Error ? 0 : outcome.costUsd});
      },
    });
    if ('failure' in result) {
      if (result.deadline) notify({outcome: 'deadline', requests: 0, latencyMs: null, costUsd: 0});
      return fail(ErrorCode.LLM_FAILED, `${result.failure}; the bar abstains`);
    }
    this.#answered(index, close, result.requestHash, result.answer);
    // The latest LIVE_LATENCIES only: a session runs for months.
    this.#part = {...this.#part, called: this.#part.called + 1, latenciesMs: [...this.#part.latenciesMs.slice(-(LIVE_LATENCIES - 1)), result.latencyMs]};
  }

  /** The bar's request: store history before it (plus the buffer's newer bars), funding and headlines up to its close. */
  async #livePrompt(bars: BarColumns, index: number, live: LiveLlmOptions) {
    const o = this.#o;
    const s = this.#snapshot;
    const tf = o.market.timeframeMs;
    const open = bars.openTime[index];
    const close = open + tf;
    await live.settle?.();
    const stored = o.context ? await o.context.bars({fromMs: open - s.historyBars * tf, toMs: open}) : null;
    const history = stored === null ? bars : liveHistory(stored, bars, index);
    const at = stored === null ? index : history.length - 1;
    const funding = o.context ? await o.context.funding({fromMs: close - s.fundingMaxAgeMs, toMs: close + 1}) : null;
    const news = o.context ? await o.context.news({fromMs: close - s.newsLookbackMs, toMs: close + 1}) : [];
    return prepareRequest(buildLlmRequest(promptTemplate(this.promptId), marketSnapshot(history, at, s, funding, news), o.config.model, o.config.temperature));
  }

  #answered(index: number, closeMs: number, requestHash: string, answer: LlmAnswer): void {
    this.#set(index, answerScore(answer), answer.confidence);
    this.#used.set(index, `${closeMs} ${requestHash} ${JSON.stringify(answer)}`);
  }

  /** Live holdBars, bar by bar in order: a bar without an answer of its own reuses the last one within holdBars. */
  #hold(index: number): void {
    const live = this.#live!;
    if (this.#used.has(index)) {
      live.lastAnswered = index;
      return;
    }
    const last = live.lastAnswered;
    if (last < 0 || index - last > this.#o.config.holdBars) return;
    this.#set(index, this.#score[last], this.#confidence[last]);
    this.#part = {...this.#part, held: this.#part.held + 1};
  }

  update(bars: BarView, out: SignalSlot): void {
    const index = bars.index;
    if (index < this.#active.length && this.#active[index] === 1) {
      out.score = this.#score[index];
      out.confidence = this.#confidence[index];
      out.active = true;
    } else {
      abstain(out);
    }
    if (index >= this.#requests.length) return;
    const h = this.#health;
    h.requests += this.#requests[index];
    h.errors += this.#errors[index];
    const old = index - this.#o.config.healthWindowBars;
    if (old >= 0) {
      h.requests -= this.#requests[old];
      h.errors -= this.#errors[old];
    }
    if (this.#hasEvents[index] === 1) for (const event of this.#events.get(index)!) this.#o.journal(event);
  }

  /** Whether prepare ran (a source that was never prepared abstains everywhere). */
  get prepared(): boolean {
    return this.#prepared;
  }

  #refuseContaminated(bars: BarColumns, start: number, to: number, source: Int32Array, toCall: readonly number[], cutoff: number | null): void {
    const tf = this.#o.market.timeframeMs;
    const used: number[] = [];
    for (let i = start; i < to; i++) if (source[i - start] >= 0) used.push(i);
    used.push(...toCall);
    const bad = used.filter((i) => cutoff === null || bars.openTime[i] + tf < cutoff).sort((a, b) => a - b);
    if (bad.length === 0) return;
    const {model, models} = this.#o.config;
    const range = `${iso(bars.openTime[bad[0]] + tf)} … ${iso(bars.openTime[bad[bad.length - 1]] + tf)}`;
    if (cutoff === null) {
      throw new IftbError(ErrorCode.LLM_CONTAMINATED, `--strict: model ${model} has no known training cutoff, so its answers for ${bad.length} bars (${range}) may know the future; ` +
        `set llm.models["${model}"].cutoff in the config (known: ${Object.keys(models).join(', ')})`);
    }
    throw new IftbError(ErrorCode.LLM_CONTAMINATED, `--strict: ${bad.length} bars (${range}) would use ${model} answers from before its training cutoff ` +
      `${modelInfo(models, model)!.cutoff}: the model may know what happened next. Start the backtest at or after the cutoff, or drop --strict`);
  }

  #set(index: number, score: number, confidence: number): void {
    this.#score[index] = score;
    this.#confidence[index] = confidence;
    this.#active[index] = 1;
  }

  #event(index: number, event: JournalEvent): void {
    const list = this.#events.get(index);
    if (list) list.push(event);
    else this.#events.set(index, [event]);
    this.#hasEvents[index] = 1;
  }

  #ensure(length: number): void {
    if (length <= this.#active.length) return;
    // Doubling: a session prepares one bar at a time.
    const size = Math.max(length, 2 * this.#active.length);
    const grow = <T extends Float64Array | Uint8Array | Uint16Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(size);
      next.set(a);
      return next;
    };
    this.#score = grow(this.#score);
    this.#confidence = grow(this.#confidence);
    this.#active = grow(this.#active);
    this.#requests = grow(this.#requests);
    this.#errors = grow(this.#errors);
    this.#hasEvents = grow(this.#hasEvents);
  }
}

export function isLlmAnalyzer(analyzer: Analyzer): analyzer is LlmAnalyzer {
  return analyzer instanceof LlmAnalyzer;
}
