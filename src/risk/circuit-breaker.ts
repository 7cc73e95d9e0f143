import {UTC_DAY_MS, type BreakerState, type HealthSnapshot, type JournalSink, type TradingState} from '../core/index.js';
import {BREAKER_RULES, BreakerConfigSchema, type BreakerConfig, type BreakerConfigInput, type BreakerRule, type BreakerStatus} from './breaker-config.js';
import {parseRiskConfig} from './parse.js';

/** Rule indices, in BREAKER_RULES order. */
const [DD, DAILY, STREAK, ERRORS, LATENCY, STALE] = [0, 1, 2, 3, 4, 5];
const N = BREAKER_RULES.length;
const RANK: Readonly<Record<TradingState, number>> = {active: 0, reducing: 1, halted: 2};
const STATES: readonly TradingState[] = ['active', 'reducing', 'halted'];

/**
 * The runbook's circuit breaker, CLOSED / OPEN / HALF_OPEN. Pure: time comes from the health
 * snapshot and the calls, so a backtest and live trading trip identically. Each rule latches on
 * its trip and releases on its own condition (drawdown: manual reset; daily loss: next UTC day;
 * loss streak, error rate, latency: `cooldownBars` bars; stale data: the first fresh bar); OPEN
 * while any latch holds, then HALF_OPEN, then CLOSED after `halfOpenBars` clean bars. `evaluate`
 * allocates nothing unless it journals.
 */
export class CircuitBreaker {
  readonly config: BreakerConfig;
  readonly #journal: JournalSink;
  readonly #enabled = new Uint8Array(N);
  readonly #imposeRank = new Uint8Array(N);
  readonly #latched = new Uint8Array(N);
  readonly #warned = new Uint8Array(N);
  /** Bar count a latch counts its cooldown from. */
  readonly #tripBar = new Float64Array(N);
  #state: BreakerState = 'CLOSED';
  #imposed: TradingState = 'active';
  #tripped = -1;
  #since = Number.NaN;
  #bars = 0;
  #halfOpenClean = 0;
  #tripDay = Number.NaN;
  #day = Number.NaN;
  #dayStart = Number.NaN;
  #peak = Number.NaN;
  #equity = Number.NaN;
  #drawdown = 0;
  #dailyLoss = 0;
  #streak = 0;
  #errorRate = 0;
  #requests = 0;
  #latency = 0;
  #stale = false;
  #warnings = 0;
  // The lowest level at which each rule would warn or trip (Infinity when disabled): below all of
  // them, on a CLOSED breaker with no warning out, a bar changes nothing (evaluate's fast path).
  readonly #ddLow: number;
  readonly #dailyLow: number;
  readonly #streakLow: number;
  readonly #errorsLow: number;
  readonly #latencyLow: number;
  readonly #staleMatters: boolean;

  constructor(config: BreakerConfigInput = {}, journal: JournalSink = () => {}) {
    this.config = parseRiskConfig(BreakerConfigSchema, config, 'circuit breaker config');
    this.#journal = journal;
    const c = this.config;
    const enabled = [c.drawdown.enabled, c.dailyLoss.enabled, c.lossStreak.enabled, c.errorRate.enabled, c.latency.enabled, c.staleData.enabled];
    for (let r = 0; r < N; r++) {
      this.#enabled[r] = enabled[r] ? 1 : 0;
      this.#imposeRank[r] = RANK[c.imposes[BREAKER_RULES[r]]];
    }
    const low = (on: boolean, ...levels: number[]) => (on ? Math.min(...levels) : Number.POSITIVE_INFINITY);
    this.#ddLow = low(c.drawdown.enabled, c.drawdown.warnPct, c.drawdown.tripPct);
    this.#dailyLow = low(c.dailyLoss.enabled, c.dailyLoss.warnPct, c.dailyLoss.tripPct);
    this.#streakLow = low(c.lossStreak.enabled, c.lossStreak.trades);
    this.#errorsLow = low(c.errorRate.enabled, c.errorRate.warnPct, c.errorRate.tripPct);
    this.#latencyLow = low(c.latency.enabled, c.latency.warnMs, c.latency.tripMs);
    this.#staleMatters = c.staleData.enabled;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** The trading state this breaker imposes (hot path). */
  get imposedState(): TradingState {
    return this.#imposed;
  }

  get trippedRule(): BreakerRule | null {
    return this.#tripped < 0 ? null : BREAKER_RULES[this.#tripped];
  }

  /** Once per bar, at its close, before the decision. */
  evaluate(health: Readonly<HealthSnapshot>): void {
    const c = this.config;
    const t = health.timeMs;
    const bar = ++this.#bars;
    const equity = health.equity;
    // A new UTC day when t leaves the current one (comparisons a bar, not a division).
    const dayFrom = this.#day * UTC_DAY_MS;
    if (!(t >= dayFrom && t < dayFrom + UTC_DAY_MS)) {
      this.#day = Math.floor(t / UTC_DAY_MS);
      this.#dayStart = equity;
    }
    const day = this.#day;
    if (equity === equity) {
      this.#equity = equity;
      if (!(this.#peak >= equity)) this.#peak = equity;
    }
    this.#drawdown = this.#peak > 0 ? ((this.#peak - this.#equity) / this.#peak) * 100 : 0;
    this.#dailyLoss = this.#dayStart > 0 ? ((this.#dayStart - this.#equity) / this.#dayStart) * 100 : 0;
    this.#requests = health.venueRequests;
    this.#errorRate = health.venueRequests > 0 ? (health.venueErrors / health.venueRequests) * 100 : 0;
    this.#latency = health.decisionLatencyMs;
    this.#stale = health.staleData || (c.staleData.maxDataAgeMs !== undefined && health.dataAgeMs > c.staleData.maxDataAgeMs);

    const judgeErrors = this.#requests >= c.errorRate.minRequests;
    if (
      this.#state === 'CLOSED' && this.#warnings === 0 && this.#drawdown < this.#ddLow && this.#dailyLoss < this.#dailyLow &&
      this.#streak < this.#streakLow && !(judgeErrors && this.#errorRate >= this.#errorsLow) && this.#latency < this.#latencyLow &&
      !(this.#staleMatters && this.#stale)
    ) return;
    this.#warn(DD, this.#drawdown >= c.drawdown.warnPct, t);
    this.#warn(DAILY, this.#dailyLoss >= c.dailyLoss.warnPct, t);
    this.#warn(ERRORS, judgeErrors && this.#errorRate >= c.errorRate.warnPct, t);
    this.#warn(LATENCY, this.#latency >= c.latency.warnMs, t);

    // Releases, then (maybe) HALF_OPEN, then new trips: a rule released this bar whose condition
    // still holds goes HALF_OPEN → OPEN at once, as the runbook's breaker does.
    let enteredHalfOpen = false;
    if (this.#state === 'OPEN') {
      let released = 0;
      let held = 0;
      for (let r = 0; r < N; r++) {
        if (this.#latched[r] === 0) continue;
        if (this.#releases(r, bar, day)) {
          this.#latched[r] = 0;
          released |= 1 << r;
        } else held++;
      }
      if (released !== 0) {
        if (held === 0) {
          this.#enter('HALF_OPEN', t);
          enteredHalfOpen = true;
        } else this.#imposed = this.#strictestLatched();
        for (let r = 0; r < N; r++) if ((released & (1 << r)) !== 0) this.#emit(r, 'recover', t, this.#released(r, held));
      }
    }
    for (let r = 0; r < N; r++) {
      if (this.#enabled[r] === 1 && this.#latched[r] === 0 && this.#holds(r)) this.#trip(r, t, bar);
    }
    if (this.#state === 'HALF_OPEN') {
      if (!enteredHalfOpen) this.#halfOpenClean++;
      if (this.#halfOpenClean >= c.halfOpenBars) {
        const rule = this.#tripped;
        this.#enter('CLOSED', t);
        this.#emit(rule, 'recover', t, `${c.halfOpenBars} clean bars in HALF_OPEN: CLOSED`);
      }
    }
  }

  /** A fully closed position's net PnL. A loss streak trips at once, counting from the next bar. */
  recordTrade(pnl: number, timeMs: number): void {
    this.#streak = pnl < 0 ? this.#streak + 1 : 0;
    if (this.#enabled[STREAK] === 1 && this.#latched[STREAK] === 0 && this.#holds(STREAK)) this.#trip(STREAK, timeMs, this.#bars + 1);
  }

  /**
   * Manual reset (runbook: from OPEN or HALF_OPEN) → CLOSED. Clears every latch and rebases the
   * drawdown peak and the day's starting equity to the current equity, so the same loss does not
   * trip again at once. Returns false (and does nothing) when already CLOSED.
   */
  reset(by: string, timeMs: number): boolean {
    if (this.#state === 'CLOSED') return false;
    const was = this.#state;
    const open = this.#latchedRules().join(',') || 'none';
    this.#latched.fill(0);
    this.#streak = 0;
    if (this.#equity === this.#equity) {
      this.#peak = this.#equity;
      this.#dayStart = this.#equity;
    }
    this.#drawdown = 0;
    this.#dailyLoss = 0;
    this.#enter('CLOSED', timeMs);
    this.#journal({type: 'breaker', timeMs, rule: 'manual', level: 'reset', state: 'CLOSED', detail: `reset by ${by} from ${was} (open rules: ${open}); peak equity rebased to ${this.#peak}`});
    return true;
  }

  status(): BreakerStatus {
    const c = this.config;
    let cooldown = -1;
    for (const r of [STREAK, ERRORS, LATENCY]) {
      if (this.#latched[r] === 1) cooldown = Math.max(cooldown, this.#tripBar[r] + c.cooldownBars - 1 - this.#bars);
    }
    const warnings: BreakerRule[] = [];
    for (let r = 0; r < N; r++) if (this.#warned[r] === 1) warnings.push(BREAKER_RULES[r]);
    return {
      state: this.#state,
      imposedState: this.#imposed,
      trippedRule: this.trippedRule,
      openRules: this.#latchedRules(),
      since: this.#since === this.#since ? this.#since : null,
      until: this.#latched[DAILY] === 1 ? (this.#tripDay + 1) * UTC_DAY_MS : null,
      cooldownBarsLeft: cooldown < 0 ? null : Math.max(0, cooldown),
      halfOpenBarsLeft: this.#state === 'HALF_OPEN' ? Math.max(0, c.halfOpenBars - this.#halfOpenClean) : null,
      manualResetRequired: this.#latched[DD] === 1,
      warnings,
      metrics: {
        equity: this.#equity,
        peakEquity: this.#peak,
        dayStartEquity: this.#dayStart,
        drawdownPct: this.#drawdown,
        dailyLossPct: this.#dailyLoss,
        lossStreak: this.#streak,
        errorRatePct: this.#errorRate,
        venueRequests: this.#requests,
        decisionLatencyMs: this.#latency,
        staleData: this.#stale,
      },
    };
  }

  /** Whether rule r's trip condition holds on the current metrics. */
  #holds(r: number): boolean {
    const c = this.config;
    switch (r) {
      case DD:
        return this.#drawdown >= c.drawdown.tripPct;
      case DAILY:
        return this.#dailyLoss >= c.dailyLoss.tripPct;
      case STREAK:
        return this.#streak >= c.lossStreak.trades;
      case ERRORS:
        return this.#requests >= c.errorRate.minRequests && this.#errorRate >= c.errorRate.tripPct;
      case LATENCY:
        return this.#latency >= c.latency.tripMs;
      default:
        return this.#stale;
    }
  }

  /** Whether rule r's latch releases at this bar. */
  #releases(r: number, bar: number, day: number): boolean {
    switch (r) {
      case DD:
        return false;
      case DAILY:
        return day > this.#tripDay;
      case STALE:
        return !this.#stale;
      default:
        return bar - this.#tripBar[r] >= this.config.cooldownBars;
    }
  }

  #trip(r: number, timeMs: number, bar: number): void {
    this.#latched[r] = 1;
    this.#tripBar[r] = bar;
    if (r === DAILY) this.#tripDay = Math.floor(timeMs / UTC_DAY_MS);
    if (r === STREAK) this.#streak = 0;
    this.#tripped = r;
    if (this.#state !== 'OPEN') this.#enter('OPEN', timeMs);
    else this.#imposed = this.#strictestLatched();
    this.#emit(r, 'trip', timeMs, this.#describe(r));
  }

  /** Journals a warning when `above` first holds and a recovery when it stops holding. */
  #warn(r: number, above: boolean, timeMs: number): void {
    if (this.#enabled[r] === 0 || above === (this.#warned[r] === 1)) return;
    this.#warned[r] = above ? 1 : 0;
    this.#warnings += above ? 1 : -1;
    this.#emit(r, above ? 'warn' : 'recover', timeMs, this.#describe(r));
  }

  #enter(state: BreakerState, timeMs: number): void {
    this.#state = state;
    this.#since = timeMs;
    this.#halfOpenClean = 0;
    if (state === 'CLOSED') this.#tripped = -1;
    this.#imposed = state === 'OPEN' ? this.#strictestLatched() : state === 'HALF_OPEN' ? this.config.halfOpenState : 'active';
  }

  #strictestLatched(): TradingState {
    let rank = 0;
    for (let r = 0; r < N; r++) if (this.#latched[r] === 1 && this.#imposeRank[r] > rank) rank = this.#imposeRank[r];
    return STATES[rank];
  }

  #latchedRules(): BreakerRule[] {
    const out: BreakerRule[] = [];
    for (let r = 0; r < N; r++) if (this.#latched[r] === 1) out.push(BREAKER_RULES[r]);
    return out;
  }

  #emit(r: number, level: 'warn' | 'trip' | 'recover', timeMs: number, detail: string): void {
    const rule = r < 0 ? 'manual' : BREAKER_RULES[r];
    this.#journal({type: 'breaker', timeMs, rule, level, state: this.#state, detail});
  }

  #released(r: number, held: number): string {
    const why = r === DAILY ? 'new UTC day' : r === STALE ? 'fresh bar' : `cooldown of ${this.config.cooldownBars} bars over`;
    return held === 0 ? `${why}: HALF_OPEN` : `${why}; still OPEN on ${this.#latchedRules().join(',')}`;
  }

  #describe(r: number): string {
    const c = this.config;
    const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));
    switch (r) {
      case DD:
        return `drawdown ${f(this.#drawdown)} % from peak ${this.#peak} (warn ${c.drawdown.warnPct}, trip ${c.drawdown.tripPct})`;
      case DAILY:
        return `daily loss ${f(this.#dailyLoss)} % from day start ${this.#dayStart} (warn ${c.dailyLoss.warnPct}, trip ${c.dailyLoss.tripPct})`;
      case STREAK:
        return `${c.lossStreak.trades} consecutive losing trades`;
      case ERRORS:
        return `venue error rate ${f(this.#errorRate)} % of ${this.#requests} requests (warn ${c.errorRate.warnPct}, trip ${c.errorRate.tripPct})`;
      case LATENCY:
        return `decision latency ${this.#latency} ms (warn ${c.latency.warnMs}, trip ${c.latency.tripMs})`;
      default:
        return 'stale market data';
    }
  }
}
