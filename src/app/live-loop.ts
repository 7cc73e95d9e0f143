/**
 * The running session's loop. Start: replay the committed slots (recorded breaker inputs and
 * operator commands at the same points, the replayed journal checked against the stored one),
 * apply commands stored but not yet applied, decide the bars that closed while the bot was down,
 * then follow the feed: one slot at a time, through one serial queue shared with operator
 * commands — append the bars, store them, prepare, step, commit.
 */
import {
  type Analyzer,
  type Bar,
  type BarCommit,
  type JournalEvent,
  type SessionBar,
  type SessionCommand,
  type SessionCommandKind,
  type StreamState,
  type SymbolId,
  timeframeMs,
  type UserStream,
  type VenueEvent,
} from '../core/index.js';
import {CommitTracker} from '../live/bar-commits.js';
import {ClosedBarFeed} from '../live/closed-bar-feed.js';
import {applyCommand, KILL_SWITCH_KINDS} from '../live/session-commands.js';
import {type Slot, SlotAssembler} from '../live/slot-assembler.js';
import {reconcile, type ReconcileReport} from '../live/reconciler.js';
import {refreshFunding} from './live-data.js';
import {reloadModels, replayModelSwap} from './model-reload.js';
import type {ComposedSession, LiveSessionDeps} from './live-session.js';
import type {LiveShadow} from './live-shadow.js';

export interface LiveStatus {
  readonly sessionId: string;
  readonly mode: 'paper' | 'live';
  readonly lastBarMs: number | null;
  readonly lastCloseMs: number | null;
  readonly slots: number;
  readonly streams: Readonly<Record<string, StreamState['state']>>;
  readonly pendingCommits: number;
  readonly replayMismatch: string | null;
  /** --shadow: the challenger's run (present only with one). */
  readonly shadow?: ReturnType<LiveShadow['status']>;
}

/** What the loop tells the outside (metrics, alerts, logs) as it runs; never blocks it. */
export interface LiveObserver {
  /** After each decided slot is committed (or queued while the store is down). */
  slot?(info: {
    readonly openTimeMs: number; readonly decisionLatencyMs: number; readonly dataAgeMs: number; readonly events: readonly JournalEvent[];
    /** Closing kline received → orders handed to the venue on the monotonic clock, fractional ms (decisionLatencyMs is whole ms). */
    readonly decisionMs: number;
    /** Each ML source's work on this bar (features + model run; absent for bars held at a restart, scored in one batch). */
    readonly inference: readonly {readonly source: string; readonly seconds: number}[];
  }): void;
  /** A stream changed state. */
  stream?(stream: 'market' | 'user', state: StreamState): void;
  /** A command was applied. */
  command?(command: SessionCommand, outcome: string): void;
  /** Live: a reconciliation pass finished. */
  reconciled?(report: ReconcileReport): void;
}

export interface CommandResult {
  readonly commandId: string;
  readonly outcome: string;
}

let commandSeq = 0;

/** How long after a bar's close the loop waits for a funding settlement stamped at that close. */
const FUNDING_WAIT_MS = 3000;

/** The window the breaker's error-rate rule judges exchange requests over (the runbook's alert uses 5 minutes too). */
const ERROR_RATE_WINDOW_MS = 5 * 60_000;

export class LiveLoop {
  readonly #c: ComposedSession;
  readonly #d: LiveSessionDeps;
  readonly #tracker: CommitTracker;
  readonly #tf: number;
  #queue: Promise<unknown> = Promise.resolve();
  #feed: ClosedBarFeed | null = null;
  #slots: SlotAssembler | null = null;
  #lastLatencyMs = 0;
  /** Cumulative exchange counts at each decided slot, oldest first, back to ERROR_RATE_WINDOW_MS. */
  readonly #activity: {atMs: number; requests: number; failures: number}[] = [];
  #lastBarMs: number | null = null;
  #pending: BarCommit[] = [];
  #applied: {commandId: string; outcome: string}[] = [];
  #streams: Record<string, StreamState['state']> = {};
  #mismatch: string | null = null;
  #nextFundingMs = Number.NEGATIVE_INFINITY;
  #stopping = false;
  #killSwitchWatch: {close(): Promise<void>} | null = null;
  #userStream: UserStream | null = null;
  #reconcileTimer: NodeJS.Timeout | null = null;
  #inflightTimer: NodeJS.Timeout | null = null;
  readonly #observers: LiveObserver[] = [];

  constructor(composed: ComposedSession, deps: LiveSessionDeps) {
    this.#c = composed;
    this.#d = deps;
    this.#tf = timeframeMs(composed.config.trading.timeframe);
    this.#tracker = new CommitTracker(composed.journal, composed.parts.ledger);
  }

  get journal(): readonly JournalEvent[] {
    return this.#c.journal;
  }

  status(): LiveStatus {
    return {
      sessionId: this.#c.session.sessionId, mode: this.#c.config.live.mode, lastBarMs: this.#lastBarMs,
      lastCloseMs: this.#lastBarMs === null ? null : this.#lastBarMs + this.#tf, slots: this.#c.parts.engine.slots,
      streams: {...this.#streams}, pendingCommits: this.#pending.length, replayMismatch: this.#mismatch,
      ...(this.#c.shadow === null ? {} : {shadow: this.#c.shadow.status()}),
    };
  }

  /** Exchange requests and failures over the last ERROR_RATE_WINDOW_MS (stored with the bar, so a replay judges the same figures). */
  #venueWindow(): {venueRequests: number; venueErrors: number} {
    const counts = this.#d.exchangeActivity;
    if (counts === undefined) return {venueRequests: 0, venueErrors: 0};
    const now = Date.now();
    const window = this.#activity;
    while (window.length > 0 && window[0].atMs < now - ERROR_RATE_WINDOW_MS) window.shift();
    const from = window[0] ?? {requests: 0, failures: 0};
    window.push({atMs: now, requests: counts.requests, failures: counts.failures});
    return {venueRequests: counts.requests - from.requests, venueErrors: counts.failures - from.failures};
  }

  observe(observer: LiveObserver): void {
    this.#observers.push(observer);
  }

  #notify(call: (o: LiveObserver) => void): void {
    for (const o of this.#observers) {
      try {
        call(o);
      } catch (error) {
        this.#d.log(`observer failed: ${(error as Error).message}`);
      }
    }
  }

  /** Replays, catches up, then streams. Resolves once the feed runs. */
  async start(): Promise<void> {
    await this.#serial(() => this.#replay());
    const nextOpen = new Map(this.#c.series.map((s) => [s.symbol, s.bars.length > 0 ? s.bars.lastOpenTime + this.#tf : this.#c.session.firstBarMs] as const));
    // Bars that closed while the bot was down (already in the buffers, never decided): decided now, in order.
    await this.#serial(async () => {
      await this.#catchUpHeld();
      // Fills of an order whose slot was not decided again (should not happen: the engine is deterministic) reach the engine anyway.
      this.#c.exchangeVenue?.releaseAwaiting();
    });
    // Runbook method 3: a row inserted by hand into kill_switch_events stops trading at once.
    this.#killSwitchWatch = await this.#d.stores.killSwitch.watch((event) => {
      void this.#c.killSwitch.observe(event).then((seen) => {
        if (seen === 'engaged') void this.command('kill-switch', event.reason, event.by);
      });
    });
    this.#slots = new SlotAssembler(this.#c.series.map((s) => s.symbol), this.#c.config.live.slotWaitMs,
      (slot) => void this.#serial(() => this.#processSlot(slot)),
      (symbol, bar) => this.#d.log(`${symbol}: the bar opening ${new Date(bar.openTime).toISOString()} closed after its slot was decided; not used`));
    this.#feed = new ClosedBarFeed({
      client: this.#d.client, symbols: this.#c.series.map((s) => s.symbol), timeframe: this.#c.config.trading.timeframe, nextOpenMs: nextOpen,
      now: () => this.#c.clock.now(), pollGraceMs: this.#c.config.live.pollGraceMs, log: this.#d.log,
      onEventTime: (exchangeMs, receivedMs) => this.#c.clock.observe(exchangeMs, receivedMs),
      resyncClock: async () => this.#c.clock.observe(await this.#d.client.serverTimeMs()),
      onBar: (symbol, bar, arrival) => this.#onBar(symbol, bar, arrival.receivedMs),
      onState: (state) => {
        this.#streams.market = state.state;
        this.#notify((o) => o.stream?.('market', state));
        if (state.state !== 'connected') this.#d.log(`market stream ${state.state}${'reason' in state ? `: ${state.reason}` : ''}`);
      },
    });
    await this.#feed.start();
    if (this.#c.exchangeVenue !== null) await this.#startUserStream();
  }

  async #startUserStream(): Promise<void> {
    const venue = this.#c.exchangeVenue!;
    this.#userStream = this.#d.client.userStream();
    await this.#userStream.start(
      (event) => {
        if (event.type === 'order') void this.#serial(async () => {
          const adopted = await venue.onOrderUpdate(event.order, event.trade);
          await venue.flush();
          // An order placed by hand (web UI, another program) while the bot runs: adopted, and a mismatch until an operator looks.
          if (adopted) {
            const o = event.order;
            await this.#venueMismatches([`${o.symbol}: order ${o.clientOrderId} (${o.side} ${o.qty} ${o.type}, ${o.status}) was not placed by this session; adopted as external`]);
          }
        });
        else if (event.type === 'resync') void this.#serial(() => this.#reconcile(`user stream ${event.reason}`));
      },
      (state) => {
        this.#streams.user = state.state;
        this.#notify((o) => o.stream?.('user', state));
        if (state.state !== 'connected') this.#d.log(`user stream ${state.state}${'reason' in state ? `: ${state.reason}` : ''}`);
      },
    );
    this.#reconcileTimer = setInterval(() => void this.#serial(() => this.#reconcile('periodic')), this.#c.config.live.reconcileEveryMs);
    this.#reconcileTimer.unref();
    // Orders in flight with no answer (timeouts): resolved by client id within seconds, not at the next periodic pass.
    this.#inflightTimer = setInterval(() => {
      if (venue.tracker.open().some((o) => o.state === 'unknown' || o.state === 'pending')) void this.#serial(() => this.#reconcile('orders in flight'));
    }, 2000);
    this.#inflightTimer.unref();
  }

  /** An operator command: stored, then applied between bars; resolves with its outcome. */
  command(kind: SessionCommandKind, reason: string, by: string, apply?: () => Promise<string>, commandId?: string): Promise<CommandResult> {
    const command: SessionCommand = {
      commandId: commandId ?? `${Date.now().toString(36)}-${process.pid}-${++commandSeq}`, kind, reason, by, receivedMs: this.#c.clock.now(), appliedBeforeBarMs: null, outcome: null,
    };
    return this.#serial(async () => {
      // A command id already stored (delivered twice, e.g. by the bus and the API) is applied once.
      if (!(await this.#d.stores.sessions.appendCommand(this.#c.session.sessionId, command))) return {commandId: command.commandId, outcome: 'duplicate: already applied'};
      return this.#applyStored(command, apply);
    });
  }

  async #applyStored(command: SessionCommand, apply?: () => Promise<string>): Promise<CommandResult> {
    // The persisted kill switch is changed by the caller (it holds the code or key); the engine side follows.
    const outcome = apply ? await apply() : 'ok';
    const result = outcome === 'ok' || !KILL_SWITCH_KINDS.includes(command.kind) ? await applyCommand({...command, outcome}, this.#targets()) : outcome;
    await this.#c.exchangeVenue?.flush();
    this.#applied.push({commandId: command.commandId, outcome: result});
    this.#notify((o) => o.command?.(command, result));
    return {commandId: command.commandId, outcome: result};
  }

  /** SIGTERM: no new entries, finish what is queued, keep or close positions, mark the session stopped. */
  async stop(reason: string): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#slots?.close();
    await this.#feed?.close();
    if (this.#reconcileTimer !== null) clearInterval(this.#reconcileTimer);
    if (this.#inflightTimer !== null) clearInterval(this.#inflightTimer);
    // No new bars arrive, so nothing new is entered; close-on-exit flattens and is recorded like an operator's close-all.
    if (this.#c.config.live.onExit === 'close') {
      await this.command('close-all', `on exit: ${reason}`, 'shutdown');
      // The closing fills are stored before the exit even if the stream lags: the venue is asked.
      if (this.#c.exchangeVenue !== null) await this.#serial(() => this.#reconcile('on exit'));
    }
    await this.#killSwitchWatch?.close();
    await this.#serial(async () => {
      await this.#c.exchangeVenue?.flush();
      await this.#flushPending();
      await this.#c.shadow?.stop();
      await this.#d.stores.sessions.setStatus(this.#c.session.sessionId, 'stopped', Date.now());
    });
    await this.#userStream?.close();
    for (const lock of this.#c.locks) await lock.release();
  }

  /**
   * What commands act on. In the replay (`stored`: the stored journal) a reload-model applies the
   * swaps it journaled then, not the pins of now: see #replayReload.
   */
  #targets(stored?: readonly JournalEvent[]) {
    const {gate, engine} = this.#c.parts;
    const common = {gate, engine, journal: (e: JournalEvent) => this.#c.journal.push(e), onMismatch: this.#c.config.live.onMismatch};
    const analyzers = this.#c.lanes.flatMap((l) => l.analyzers);
    const rescore = (a: Analyzer) => this.#rescore(a);
    if (stored !== undefined) return {...common, reloadModel: (by: string) => this.#replayReload(analyzers, by, stored, rescore)};
    const reloadModel = (by: string) => reloadModels(analyzers, by, {modelsDir: this.#d.modelsDir, journal: (e) => this.#c.journal.push(e), now: () => this.#c.clock.now(), rescore});
    return {...common, reloadModel};
  }

  /**
   * A replayed reload-model: the model events it journaled are the stored events at the replay's
   * position (the replay so far being identical). Each is applied again — the exact version and
   * sha256 it names, loaded from the registry — and journaled as it was; a model that cannot be
   * loaded so is a replay mismatch (trading restricted), the previous model serving on.
   */
  async #replayReload(analyzers: readonly Analyzer[], by: string, stored: readonly JournalEvent[], rescore: (a: Analyzer) => Promise<void>): Promise<string> {
    const journal = this.#c.journal;
    let swapped = 0;
    for (let e = stored[journal.length]; e !== undefined && e.type === 'model' && e.by === by; e = stored[journal.length]) {
      try {
        await replayModelSwap(analyzers, e, {modelsDir: this.#d.modelsDir, rescore});
      } catch (error) {
        this.#mismatch ??= `${e.source}: the journaled swap to ${e.model} (sha256 ${e.sha256.slice(0, 12)}…) cannot be replayed: ${(error as Error).message}`;
        break;
      }
      journal.push(e);
      swapped++;
    }
    return swapped > 0 ? 'ok' : 'unchanged (replayed)';
  }

  /** After a swap: the bars prepared but not stepped yet (held at a restart) are scored again by the new model. */
  async #rescore(analyzer: Analyzer): Promise<void> {
    for (const [k, l] of this.#c.lanes.entries()) {
      if (!l.analyzers.includes(analyzer)) continue;
      const own = this.#c.series[k].analyzerBars;
      let next = own.length;
      while (next > 0 && (this.#lastBarMs === null || own.openTime[next - 1] > this.#lastBarMs)) next--;
      if (next < own.length) await analyzer.prepare?.(own, next, own.length, l.context);
    }
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch((error: unknown) => this.#d.log(`live loop: ${(error as Error).message}`));
    return run;
  }

  #onBar(symbol: SymbolId, bar: Bar, receivedMs: number): void {
    this.#c.clock.observe(bar.openTime + this.#tf, receivedMs);
    this.#slots?.push(symbol, bar, receivedMs);
  }

  /** Steps the held bars: warm-up, then the committed slots again (recorded inputs), checking the journal. */
  async #replay(): Promise<void> {
    const {session, parts, relay, replaySwitch, killSwitch} = this.#c;
    const sessions = this.#d.stores.sessions;
    const committed = await sessions.bars(session.sessionId);
    const stored = committed.length > 0 ? await sessions.journal(session.sessionId) : [];
    const commands = await sessions.commands(session.sessionId);
    const lastCommitted = committed.length > 0 ? committed[committed.length - 1].barOpenMs : Number.NEGATIVE_INFINITY;
    const byBar = new Map<number, SessionCommand[]>();
    for (const c of commands) if (c.appliedBeforeBarMs !== null) byBar.set(c.appliedBeforeBarMs, [...(byBar.get(c.appliedBeforeBarMs) ?? []), c]);
    const rows = new Map(committed.map((b) => [b.barOpenMs, b] as const));
    const venue = this.#c.exchangeVenue;
    const shadow = this.#c.shadow;
    await shadow?.load();
    venue?.beginReplay();
    for (const t of this.#timeline()) {
      if (t > lastCommitted) break;
      const row = rows.get(t);
      if (t >= session.firstBarMs && row === undefined) break;
      // Live: what the exchange did in this slot comes from the stored journal, in the same order.
      if (venue !== null) venue.replaySlot(stored.slice(this.#tracker.journalEnd, row?.journalEnd ?? this.#tracker.journalEnd).filter(isVenueEvent));
      for (const c of byBar.get(t) ?? []) await applyCommand(c, {...this.#targets(stored), replaySwitch});
      parts.engine.setHealthInputs(row === undefined ? null : row);
      parts.engine.stepAt(t);
      shadow?.replayStep(t, row ?? null);
      this.#lastBarMs = t;
      if (row !== undefined) {
        const diff = this.#tracker.replayed(stored, row.journalEnd);
        if (diff !== null && this.#mismatch === null) this.#mismatch = diff;
      }
    }
    await shadow?.flush();
    relay.use(killSwitch);
    if (venue !== null) {
      venue.endReplay();
      const restored = await venue.restoreUndelivered();
      if (restored > 0) this.#d.log(`${restored} stored fills not yet delivered to the engine go out at the next bar`);
    }
    if (committed.length > 0) this.#d.log(`replayed ${committed.length} committed bars of ${session.sessionId}${this.#mismatch === null ? ', journal identical' : `: REPLAY DIFFERS (${this.#mismatch})`}`);
    if (this.#mismatch !== null) {
      parts.gate.restrict('replay-mismatch', this.#c.config.live.onMismatch, this.#c.clock.now());
      this.#c.journal.push({type: 'error', timeMs: this.#c.clock.now(), code: 'IFTB_E_DATA_CONFLICT', message: `restart replay differs from the stored journal: ${this.#mismatch}`});
    }
    for (const c of commands) {
      if (c.appliedBeforeBarMs !== null) continue;
      const outcome = await applyCommand(c, this.#targets());
      this.#applied.push({commandId: c.commandId, outcome});
    }
    if (venue !== null) {
      await venue.flush();
      await this.#reconcile('start');
    }
  }

  /** Live: the venue is the truth; what cannot be explained restricts trading and is journaled. */
  async #reconcile(why: string): Promise<void> {
    const venue = this.#c.exchangeVenue;
    if (venue === null) return;
    try {
      const report = await reconcile({client: this.#d.client, venue, symbols: this.#c.series.map((s) => s.symbol), sinceMs: this.#c.session.firstBarMs - this.#tf, now: () => this.#c.clock.now()});
      await venue.flush();
      if (report.resolvedOrders + report.recoveredFills + report.adoptedOrders > 0) {
        this.#d.log(`reconciliation (${why}): ${report.resolvedOrders} orders resolved, ${report.recoveredFills} fills recovered, ${report.adoptedOrders} external orders adopted`);
      }
      await this.#venueMismatches(report.mismatches);
      this.#notify((o) => o.reconciled?.(report));
    } catch (error) {
      this.#d.log(`reconciliation (${why}) failed: ${(error as Error).message}; retried at the next one`);
    }
  }

  /**
   * What the venue holds and the session cannot explain: journaled, trading restricted until an
   * operator resumes. Stored as the bot's own command (called inside the serial queue), so a
   * restart replays the restriction before the same bar and the replayed journal stays identical.
   */
  async #venueMismatches(messages: readonly string[]): Promise<void> {
    for (const m of messages) {
      this.#d.log(`reconciliation mismatch: ${m}`);
      const command: SessionCommand = {
        commandId: `${Date.now().toString(36)}-${process.pid}-${++commandSeq}`, kind: 'venue-mismatch', reason: m, by: 'reconciler', receivedMs: this.#c.clock.now(), appliedBeforeBarMs: null, outcome: null,
      };
      // A store that is down must not hide the mismatch: applied anyway (only its replay is lost).
      await this.#d.stores.sessions.appendCommand(this.#c.session.sessionId, command).catch((error: unknown) => this.#d.log(`mismatch not stored: ${(error as Error).message}`));
      await this.#applyStored(command);
    }
  }

  /** Slots of the held bars after the last stepped one (closed while the bot was down, or the warm-up of a new session). */
  async #catchUpHeld(): Promise<void> {
    for (const t of this.#timeline()) {
      if (this.#lastBarMs !== null && t <= this.#lastBarMs) continue;
      const bars = new Map<SymbolId, Bar>();
      for (const s of this.#c.series) {
        const i = indexOf(s.bars.openTime, s.bars.length, t);
        if (i >= 0) bars.set(s.symbol, s.bars.bar(i));
      }
      await this.#processSlot({openTimeMs: t, bars, firstReceivedMs: Date.now()}, true);
    }
  }

  /** One slot: new bars into the buffers and the store, funding, prepare, step, commit. */
  async #processSlot(slot: Slot, held = false): Promise<void> {
    const {parts, series, lanes, config} = this.#c;
    const t = slot.openTimeMs;
    const close = t + this.#tf;
    // Funding first: the venue charges a settlement at this bar's open, features read one at its close.
    if (config.trading.funding || lanes.some((l) => l.analyzers.some((a) => a.usesFunding === true))) await this.#refreshFunding(close);
    const inference: {source: string; seconds: number}[] = [];
    // The LLM source's wait (bounded by its bar deadline) is left out of the decision latency the breaker judges.
    let llmWaitMs = 0;
    if (!held) {
      for (const [k, s] of series.entries()) {
        const bar = slot.bars.get(s.symbol);
        if (bar === undefined) continue;
        s.bars.append(bar);
        s.analyzerBars.append(bar);
        const i = s.analyzerBars.length - 1;
        for (const a of lanes[k].analyzers) {
          if (a.prepare === undefined) continue;
          const started = performance.now();
          await a.prepare(s.analyzerBars, i, i + 1, lanes[k].context);
          if (a.source === 'ml') inference.push({source: a.id, seconds: (performance.now() - started) / 1000});
          if (a.source === 'llm') llmWaitMs += performance.now() - started;
        }
      }
    }
    if (t < this.#c.session.firstBarMs) {
      // Warm-up of a new session: readings only.
      parts.engine.setHealthInputs(null);
      parts.engine.stepAt(t);
      await this.#shadowSlot(slot, null, held);
      this.#lastBarMs = t;
      return;
    }
    const dataAgeMs = Math.max(0, this.#c.clock.now() - close);
    const inputs = {dataAgeMs, decisionLatencyMs: this.#lastLatencyMs, ...this.#venueWindow()};
    parts.engine.setHealthInputs(inputs);
    parts.engine.stepAt(t);
    // Decision latency: closing kline received → orders handed to the venue (the breaker's latency rule).
    this.#lastLatencyMs = Math.max(0, Date.now() - slot.firstReceivedMs - llmWaitMs);
    const decisionMs = performance.now() - (slot.firstReceivedAt ?? performance.now()) - llmWaitMs;
    await this.#c.exchangeVenue?.flush();
    // The candles go to the store after the decision: a crash before this only means REST fetches them again.
    if (!held) await this.#storeCandles(slot);
    this.#lastBarMs = t;
    this.#restrictForLocks();
    const health = parts.engine.lastHealth;
    const bar: Omit<SessionBar, 'journalEnd'> = {
      barOpenMs: t, dataAgeMs: inputs.dataAgeMs, decisionLatencyMs: inputs.decisionLatencyMs, venueRequests: inputs.venueRequests, venueErrors: inputs.venueErrors,
      staleData: health.staleData, equity: health.equity, positionQty: parts.ledger.qty(0), committedMs: Date.now(),
    };
    const commit = this.#tracker.next(bar, this.#metrics(), {deliveredFills: this.#c.exchangeVenue?.takeDelivered() ?? [], appliedCommands: this.#applied});
    this.#tracker.committed(commit);
    this.#applied = [];
    this.#pending.push(commit);
    await this.#flushPending();
    // The shadow after the champion's orders are out and committed, before the observers read the slot (its metrics too).
    await this.#shadowSlot(slot, inputs, held);
    this.#notify((o) => o.slot?.({openTimeMs: t, decisionLatencyMs: this.#lastLatencyMs, dataAgeMs, events: commit.events, inference, decisionMs}));
    if (config.live.statusLines) this.#d.log(this.#statusLine(t));
  }

  /** The shadow steps the same slot after the champion (its orders decided and sent); a failure of it never stops the champion. */
  async #shadowSlot(slot: Slot, inputs: Parameters<LiveShadow['slot']>[1], held: boolean): Promise<void> {
    try {
      await this.#c.shadow?.slot(slot, inputs, held);
    } catch (error) {
      this.#d.log(`shadow: the bar opening ${new Date(slot.openTimeMs).toISOString()} failed (${(error as Error).message})`);
    }
  }

  async #storeCandles(slot: Slot): Promise<void> {
    for (const s of this.#c.series) {
      const bar = slot.bars.get(s.symbol);
      if (bar !== undefined) await this.#store(() => this.#d.stores.marketData.appendBars(s.bars.key, barColumnsOf(bar)).then(() => undefined));
    }
  }

  /** Commits in order; a store that is down keeps them here (trading reducing) until it is back. */
  async #flushPending(): Promise<void> {
    // Order rows and fills the store refused go first: a commit marks fills delivered by trade id.
    const tracker = this.#c.exchangeVenue?.tracker;
    if (tracker !== undefined && tracker.unsaved > 0 && !(await this.#store(() => tracker.flushUnsaved()))) return;
    while (this.#pending.length > 0) {
      const ok = await this.#store(() => this.#d.stores.sessions.commitBar(this.#c.session.sessionId, this.#pending[0]));
      if (!ok) return;
      this.#pending.shift();
    }
  }

  /** A store write; failures restrict trading to reducing until a write succeeds again. */
  async #store(write: () => Promise<void>): Promise<boolean> {
    const gate = this.#c.parts.gate;
    try {
      await write();
      if (gate.status().restrictions.store !== undefined) gate.restrict('store', null, this.#c.clock.now());
      return true;
    } catch (error) {
      if (gate.status().restrictions.store === undefined) {
        this.#d.log(`state store unreachable (${(error as Error).message}): no new exposure until it is back`);
        gate.restrict('store', 'reducing', this.#c.clock.now());
      }
      return false;
    }
  }

  /**
   * Fetches settlements once the next known settlement time is reached. A settlement stamped at
   * this bar's close is read by its features (ML), so the loop waits up to FUNDING_WAIT_MS for it to
   * be published; past that the bar is decided with the previous one and the journal says so.
   */
  async #refreshFunding(closeMs: number): Promise<void> {
    if (closeMs < this.#nextFundingMs) return;
    const due = this.#nextFundingMs;
    const deadline = Date.now() + FUNDING_WAIT_MS;
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.#c.series) {
      try {
        for (;;) {
          await refreshFunding(this.#d.stores.marketData, this.#d.client, this.#c.config.trading.exchange, s.funding, s.funding.lastTime + 1);
          if (!Number.isFinite(due) || s.funding.lastTime >= due || Date.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        // Live: the exchange charged (or paid) the session's positions at the settlement.
        const venue = this.#c.exchangeVenue;
        if (venue !== null && Number.isFinite(due)) {
          for (const fee of await this.#d.client.fundingFees(s.symbol, due - 60_000)) {
            const k = s.funding.length - 1;
            venue.onFundingFee(s.symbol, fee.amount, fee.timeMs, k >= 0 ? s.funding.rate[k] : Number.NaN, k >= 0 ? s.funding.markPrice[k] : Number.NaN);
          }
        }
        if (Number.isFinite(due) && s.funding.lastTime < due) {
          this.#c.journal.push({type: 'error', timeMs: closeMs, code: 'IFTB_E_DATA_MISSING', message: `${s.symbol}: funding settlement of ${new Date(due).toISOString()} not published ${FUNDING_WAIT_MS} ms after the close`});
        }
        next = Math.min(next, (await this.#d.client.premiumIndex(s.symbol)).nextFundingTimeMs);
      } catch (error) {
        this.#d.log(`${s.symbol}: funding not refreshed (${(error as Error).message})`);
      }
    }
    if (Number.isFinite(next)) this.#nextFundingMs = next;
  }

  #restrictForLocks(): void {
    const gate = this.#c.parts.gate;
    const lost = this.#c.lostLocks.size > 0;
    const held = gate.status().restrictions['bot-lock'] !== undefined;
    if (lost && !held) gate.restrict('bot-lock', 'reducing', this.#c.clock.now());
  }

  #metrics(): Record<string, number | null> {
    const {ledger} = this.#c.parts;
    const equity = ledger.equity();
    return {finalEquity: equity, totalReturnPct: ((equity - ledger.initialBalance) / ledger.initialBalance) * 100, tradeCount: ledger.trades.length};
  }

  #statusLine(t: number): string {
    const {parts, lanes} = this.#c;
    const gate = parts.gate.status();
    const positions = lanes.map((l, k) => `${l.entry.symbol} ${parts.ledger.qty(k)}`).join(', ');
    const closes = this.#c.series.map((s) => s.bars.close[s.bars.length - 1]).join('/');
    const scores = parts.engine.recorder.lanes[0].signals.map((s) => `${s.source} ${(s.active[parts.engine.slots - 1] === 1 ? s.score[parts.engine.slots - 1] : NaN).toFixed(2)}`).join(' ');
    return `${new Date(t + this.#tf).toISOString()} close ${closes} position ${positions} equity ${parts.ledger.equity().toFixed(2)} ${gate.state}${scores === '' ? '' : ` ${scores}`}`;
  }

  /** Open times of the held bars, merged over the symbols, ascending. */
  #timeline(): number[] {
    const times = new Set<number>();
    for (const s of this.#c.series) for (let i = 0; i < s.bars.length; i++) times.add(s.bars.openTime[i]);
    return [...times].sort((a, b) => a - b);
  }
}

/** Journal events a venue produced (what a live restart hands back to the engine at each replayed slot). */
function isVenueEvent(e: JournalEvent): e is JournalEvent & VenueEvent {
  return e.type === 'fill' || e.type === 'funding' || e.type === 'liquidation' || ((e.type === 'canceled' || e.type === 'rejected') && e.symbol !== undefined);
}

function indexOf(times: Float64Array, length: number, t: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] === t) return mid;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function barColumnsOf(bar: Bar) {
  return {
    length: 1, openTime: Float64Array.of(bar.openTime), open: Float64Array.of(bar.open), high: Float64Array.of(bar.high),
    low: Float64Array.of(bar.low), close: Float64Array.of(bar.close), volume: Float64Array.of(bar.volume),
  };
}
