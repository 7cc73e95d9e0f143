import type {BreakerState, HealthSnapshot, JournalSink, OrderRequest, TradingGate, TradingState} from '../core/index.js';
import type {BreakerRule} from './breaker-config.js';

/** Reduce-only reasons still allowed while halted: flattening, never discretionary exits. */
export const DEFAULT_FLATTEN_REASONS: readonly string[] = Object.freeze(['kill-switch', 'close-all', 'stop-loss', 'take-profit', 'liquidation']);

/** What the gate needs from the circuit breaker (CircuitBreaker implements it). */
export interface GateBreaker {
  readonly state: BreakerState;
  readonly imposedState: TradingState;
  readonly trippedRule: BreakerRule | null;
  evaluate(health: Readonly<HealthSnapshot>): void;
  recordTrade(pnl: number, timeMs: number): void;
  reset(by: string, timeMs: number): boolean;
}

/** What the gate needs from the kill switch (KillSwitch implements it). */
export interface GateKillSwitch {
  readonly engaged: boolean;
  /** Increments on every activation; the gate flattens once per activation. */
  readonly activations: number;
}

export interface TradingGateOptions {
  readonly breaker: GateBreaker;
  readonly killSwitch: GateKillSwitch;
  readonly journal: JournalSink;
  /** Default DEFAULT_FLATTEN_REASONS. */
  readonly flattenReasons?: readonly string[];
  /**
   * Time stamp for state changes noticed outside onBar/pause/resume (a kill switch engaged from
   * the API). Live passes the clock; without it the last known time is used (replay stays pure).
   */
  readonly now?: () => number;
}

export interface GateStatus {
  readonly state: TradingState;
  readonly paused: boolean;
  readonly pausedBy: string | null;
  readonly killSwitchEngaged: boolean;
  readonly breakerState: BreakerState;
  readonly breakerImposes: TradingState;
  readonly flattenPending: boolean;
  /** What else holds trading back (a lost bot lock, an unreachable store, a venue mismatch), by cause. */
  readonly restrictions: Readonly<Record<string, TradingState>>;
}

/** The core TradingGate plus the operations the runbook's API drives. */
export interface OperableTradingGate extends TradingGate {
  readonly paused: boolean;
  /** POST /api/trading/pause: no new exposure (reducing). Returns false when already paused. */
  pause(by: string, timeMs: number): boolean;
  resume(by: string, timeMs: number): boolean;
  /** POST /api/circuit-breaker/reset through the gate, so the state change is journaled with its cause. */
  resetBreaker(by: string, timeMs: number): boolean;
  /**
   * A restriction from outside the breaker (live: the bot lock lost, the state store down, a
   * mismatch with the venue): `state` reducing or halted while it holds, null to lift it.
   */
  restrict(cause: string, state: Exclude<TradingState, 'active'> | null, timeMs: number): void;
  status(): GateStatus;
}

const RANK: Readonly<Record<TradingState, number>> = {active: 0, reducing: 1, halted: 2};

/**
 * Folds the kill switch (halted), the operator's pause (reducing) and the breaker's imposed
 * state into the strictest one, journaling each change with its cause. Allocation-free unless
 * the state changes (a class, not closures: V8 boxes every double stored in a closure variable).
 */
export function createTradingGate(options: TradingGateOptions): OperableTradingGate {
  return new Gate(options);
}

class Gate implements OperableTradingGate {
  readonly #breaker: GateBreaker;
  readonly #killSwitch: GateKillSwitch;
  readonly #journal: JournalSink;
  readonly #now: (() => number) | undefined;
  readonly #flattenReasons: ReadonlySet<string>;
  #state: TradingState = 'active';
  #paused = false;
  #pausedBy: string | null = null;
  #lastKill = false;
  #lastPaused = false;
  #lastImposed: TradingState = 'active';
  #lastTime = Number.NaN;
  #flattenedActivation = 0;
  readonly #restrictions = new Map<string, TradingState>();
  #restricted: TradingState = 'active';
  #lastRestricted: TradingState = 'active';
  #restrictCause = '';

  constructor(options: TradingGateOptions) {
    this.#breaker = options.breaker;
    this.#killSwitch = options.killSwitch;
    this.#journal = options.journal;
    this.#now = options.now;
    this.#flattenReasons = new Set(options.flattenReasons ?? DEFAULT_FLATTEN_REASONS);
  }

  get paused(): boolean {
    return this.#paused;
  }

  state(): TradingState {
    return this.#refresh(false);
  }

  onBar(health: Readonly<HealthSnapshot>): TradingState {
    this.#lastTime = health.timeMs;
    this.#breaker.evaluate(health);
    return this.#refresh(true);
  }

  onTradeClosed(pnl: number, timeMs: number): void {
    this.#lastTime = timeMs;
    this.#breaker.recordTrade(pnl, timeMs);
    this.#refresh(true);
  }

  deny(order: Pick<OrderRequest, 'reduceOnly' | 'reason'>): string | null {
    const s = this.#refresh(false);
    if (s === 'active') return null;
    if (!order.reduceOnly) return s === 'halted' ? 'state-halted' : 'state-reducing';
    if (s === 'halted' && !this.#flattenReasons.has(order.reason)) return 'state-halted';
    return null;
  }

  mustFlatten(): boolean {
    this.#refresh(false);
    return this.#flattenPending();
  }

  flattened(timeMs: number): void {
    this.#lastTime = timeMs;
    this.#flattenedActivation = this.#killSwitch.activations;
  }

  pause(by: string, timeMs: number): boolean {
    if (this.#paused) return false;
    this.#paused = true;
    this.#pausedBy = by;
    this.#lastTime = timeMs;
    this.#refresh(true);
    return true;
  }

  resume(by: string, timeMs: number): boolean {
    if (!this.#paused) return false;
    this.#paused = false;
    this.#pausedBy = by;
    this.#lastTime = timeMs;
    this.#refresh(true);
    return true;
  }

  resetBreaker(by: string, timeMs: number): boolean {
    this.#lastTime = timeMs;
    const done = this.#breaker.reset(by, timeMs);
    this.#refresh(true);
    return done;
  }

  restrict(cause: string, state: Exclude<TradingState, 'active'> | null, timeMs: number): void {
    if (state === null) this.#restrictions.delete(cause);
    else this.#restrictions.set(cause, state);
    let strictest: TradingState = 'active';
    for (const s of this.#restrictions.values()) if (RANK[s] > RANK[strictest]) strictest = s;
    this.#restricted = strictest;
    this.#restrictCause = state === null ? `${cause} cleared` : cause;
    this.#lastTime = timeMs;
    this.#refresh(true);
  }

  /** Pure: a reader (the API, metrics) must never journal a change at its own time — replay could not reproduce it. */
  status(): GateStatus {
    return {
      state: this.#fold(this.#killSwitch.engaged, this.#breaker.imposedState),
      paused: this.#paused,
      pausedBy: this.#paused ? this.#pausedBy : null,
      killSwitchEngaged: this.#killSwitch.engaged,
      breakerState: this.#breaker.state,
      breakerImposes: this.#breaker.imposedState,
      flattenPending: this.#flattenPending(),
      restrictions: Object.fromEntries(this.#restrictions),
    };
  }

  /** The strictest of the kill switch, the breaker, the pause and the restrictions. */
  #fold(kill: boolean, imposed: TradingState): TradingState {
    const base: TradingState = this.#paused ? 'reducing' : 'active';
    const held: TradingState = RANK[this.#restricted] > RANK[base] ? this.#restricted : base;
    return kill ? 'halted' : RANK[imposed] > RANK[held] ? imposed : held;
  }

  #flattenPending(): boolean {
    return this.#killSwitch.engaged && this.#killSwitch.activations !== this.#flattenedActivation;
  }

  /**
   * Recomputes the state; journals a change with the component that caused it, stamped with the
   * time of the call that caused it (`atLastTime`) or else the clock. Takes no number argument:
   * a double passed or returned across a call boundary may be boxed, and this runs every bar.
   */
  #refresh(atLastTime: boolean): TradingState {
    // The per-bar case (nothing changed) stays small enough to be inlined into the engine's step.
    if (
      this.#killSwitch.engaged === this.#lastKill && this.#paused === this.#lastPaused &&
      this.#breaker.imposedState === this.#lastImposed && this.#restricted === this.#lastRestricted
    ) return this.#state;
    return this.#change(atLastTime);
  }

  #change(atLastTime: boolean): TradingState {
    const kill = this.#killSwitch.engaged;
    const imposed = this.#breaker.imposedState;
    const paused = this.#paused;
    const restricted = this.#restricted;
    const next = this.#fold(kill, imposed);
    if (next !== this.#state) {
      const rule = this.#breaker.trippedRule;
      const cause =
        kill !== this.#lastKill
          ? `kill switch ${kill ? 'engaged' : 'released'}`
          : paused !== this.#lastPaused
            ? `${paused ? 'paused' : 'resumed'} by ${this.#pausedBy ?? 'operator'}`
            : restricted !== this.#lastRestricted
              ? this.#restrictCause
              : `circuit breaker ${this.#breaker.state}${rule === null ? '' : ` (${rule})`}`;
      const timeMs = atLastTime || this.#now === undefined ? this.#lastTime : this.#now();
      this.#journal({type: 'state', timeMs, from: this.#state, to: next, cause});
      this.#state = next;
    }
    this.#lastKill = kill;
    this.#lastPaused = paused;
    this.#lastImposed = imposed;
    this.#lastRestricted = restricted;
    return this.#state;
  }
}
