/**
 * The Ops port over a running session (LiveHandle). Reads come from the session's status
 * surfaces (loop status, gate, breaker, ledger, kill switch); every mutation is an operator
 * command through `loop.command`, so it is stored with who/when/why, applied between bars on the
 * loop's serial queue, and replayed at the same point after a restart. Nothing here reaches into
 * the engine: the kill switch's secrets (confirmation code, admin key) are checked by the
 * persisted KillSwitch inside the command's `apply`.
 */
import {
  ErrorCode,
  IftbError,
  isIftbError,
  type Ops,
  type OpsBreakerStatus,
  type OpsCommandResult,
  type OpsHealth,
  type OpsKillSwitchActivation,
  type OpsKillSwitchStatus,
  type OpsModel,
  type OpsModelReload,
  type OpsPositions,
  type OpsStatus,
  type SessionCommandKind,
  timeframeMs,
} from '../core/index.js';
import type {LiveHandle} from './live-runner.js';
import {servingModels} from './model-reload.js';

export interface LiveOpsOptions {
  /** Bars past the last decided bar's close before /health says stale (default 3, the runbook's alert rule). */
  readonly staleAfterBars?: number;
  /** Added to the stale threshold (default: the session's poll grace + slot wait). */
  readonly graceMs?: number;
  /** Overrides the whole stale threshold (tests). */
  readonly maxDataAgeMs?: number;
  /** Venue probe timeout (default 2 s) and how long a probe result is reused (default 5 s). */
  readonly venueTimeoutMs?: number;
  readonly venueCacheMs?: number;
  /** Wall clock (default Date.now); data age is measured on the session's exchange clock. */
  readonly now?: () => number;
}

interface VenueProbe {
  readonly atMs: number;
  readonly reachable: boolean;
  readonly latencyMs: number | null;
  readonly detail: string | null;
}

export function createLiveOps(handle: LiveHandle, options: LiveOpsOptions = {}): Ops {
  return new LiveOps(handle, options);
}

class LiveOps implements Ops {
  readonly #h: LiveHandle;
  readonly #o: LiveOpsOptions;
  readonly #tf: number;
  #probe: VenueProbe | null = null;
  #probing: Promise<VenueProbe> | null = null;

  constructor(handle: LiveHandle, options: LiveOpsOptions) {
    this.#h = handle;
    this.#o = options;
    this.#tf = timeframeMs(handle.session.config.trading.timeframe);
  }

  status(): OpsStatus {
    const {session, config, parts} = this.#h.session;
    const loop = this.#h.loop.status();
    const gate = parts.gate.status();
    return {
      sessionId: session.sessionId, mode: config.live.mode, strategy: session.strategy, symbols: [...session.symbols], timeframe: session.timeframe,
      startedMs: session.startedMs, tradingState: gate.state, paused: gate.paused, restrictions: {...gate.restrictions},
      killSwitchEngaged: gate.killSwitchEngaged, breakerState: gate.breakerState, lastBarMs: loop.lastBarMs, lastCloseMs: loop.lastCloseMs,
      equity: finite(parts.ledger.equity()), walletBalance: finite(parts.ledger.walletBalance), streams: {...loop.streams}, pendingCommits: loop.pendingCommits,
      models: this.#models(),
    };
  }

  async health(): Promise<OpsHealth> {
    const {config, clock, parts} = this.#h.session;
    const loop = this.#h.loop.status();
    const maxDataAgeMs = this.#o.maxDataAgeMs ?? (this.#o.staleAfterBars ?? 3) * this.#tf + (this.#o.graceMs ?? config.live.pollGraceMs + config.live.slotWaitMs);
    const dataAgeMs = loop.lastCloseMs === null ? null : Math.max(0, clock.now() - loop.lastCloseMs);
    const venue = await this.#venue();
    const storeDown = parts.gate.status().restrictions.store !== undefined;
    const problems: string[] = [];
    if (dataAgeMs === null) problems.push('no bar decided yet');
    else if (dataAgeMs > maxDataAgeMs) problems.push(`data is stale: the last bar closed ${Math.round(dataAgeMs / 1000)} s ago (limit ${Math.round(maxDataAgeMs / 1000)} s)`);
    if (!venue.reachable) problems.push(`venue unreachable: ${venue.detail}`);
    // An unreachable store is reported, not a 503: the bot keeps deciding (reducing) and commits once it is back.
    return {
      ok: problems.length === 0,
      problems, lastBarMs: loop.lastBarMs, lastCloseMs: loop.lastCloseMs, dataAgeMs, maxDataAgeMs,
      venue: {reachable: venue.reachable, latencyMs: venue.latencyMs, detail: venue.detail},
      store: {reachable: !storeDown, pendingCommits: loop.pendingCommits},
      streams: {...loop.streams}, tradingState: parts.gate.status().state,
    };
  }

  positions(): OpsPositions {
    const {parts, series} = this.#h.session;
    const ledger = parts.ledger;
    const positions = ledger.symbols.map((symbol, k) => {
      const qty = ledger.qty(k);
      const bars = series[k]?.bars;
      const mark = bars !== undefined && bars.length > 0 ? bars.close[bars.length - 1] : Number.NaN;
      const entry = ledger.entry(k);
      return {
        symbol, qty, side: qty > 0 ? 'long' as const : qty < 0 ? 'short' as const : 'flat' as const,
        entryPrice: qty === 0 ? null : finite(entry), markPrice: Number.isFinite(mark) ? mark : null,
        unrealizedPnl: qty === 0 || !Number.isFinite(mark) ? 0 : qty * (mark - entry),
      };
    });
    return {positions, equity: finite(ledger.equity()), walletBalance: finite(ledger.walletBalance)};
  }

  killSwitch(): OpsKillSwitchStatus {
    const s = this.#h.session.killSwitch.status();
    return {...s, last: s.last === null ? null : {...s.last}, forceDeactivateConfigured: this.#h.adminKeyConfigured};
  }

  async activateKillSwitch(reason: string, by: string): Promise<OpsKillSwitchActivation> {
    let code: string | null = null;
    const result = await this.#command('kill-switch', reason, by, async () => {
      const done = await this.#killSwitchCall(() => this.#h.session.killSwitch.activate(reason, by));
      if (typeof done === 'string') return done;
      code = done.confirmationCode;
      return 'ok';
    });
    return {...result, confirmationCode: code};
  }

  deactivateKillSwitch(confirmationCode: string, by: string): Promise<OpsCommandResult> {
    return this.#command('deactivate-kill-switch', 'confirmation code', by, async () => {
      const done = await this.#killSwitchCall(() => this.#h.session.killSwitch.deactivate(confirmationCode, by));
      return typeof done === 'string' ? done : 'ok';
    });
  }

  forceDeactivateKillSwitch(adminKey: string, by: string): Promise<OpsCommandResult> {
    return this.#command('force-deactivate-kill-switch', 'admin key', by, async () => {
      const done = await this.#killSwitchCall(() => this.#h.session.killSwitch.forceDeactivate(adminKey, by));
      return typeof done === 'string' ? done : 'ok';
    });
  }

  breaker(): OpsBreakerStatus {
    const b = this.#h.session.parts.breaker;
    const s = b.status();
    const c = b.config;
    const m = s.metrics;
    return {
      state: s.state, imposedState: s.imposedState, trippedRule: s.trippedRule, openRules: [...s.openRules], since: s.since, until: s.until,
      cooldownBarsLeft: s.cooldownBarsLeft, halfOpenBarsLeft: s.halfOpenBarsLeft, manualResetRequired: s.manualResetRequired, warnings: [...s.warnings],
      figures: [
        {rule: 'drawdown', enabled: c.drawdown.enabled, value: finite(m.drawdownPct), warn: c.drawdown.warnPct, trip: c.drawdown.tripPct},
        {rule: 'daily-loss', enabled: c.dailyLoss.enabled, value: finite(m.dailyLossPct), warn: c.dailyLoss.warnPct, trip: c.dailyLoss.tripPct},
        {rule: 'loss-streak', enabled: c.lossStreak.enabled, value: m.lossStreak, warn: null, trip: c.lossStreak.trades},
        {rule: 'error-rate', enabled: c.errorRate.enabled, value: finite(m.errorRatePct), warn: c.errorRate.warnPct, trip: c.errorRate.tripPct},
        {rule: 'latency', enabled: c.latency.enabled, value: finite(m.decisionLatencyMs), warn: c.latency.warnMs, trip: c.latency.tripMs},
        {rule: 'stale-data', enabled: c.staleData.enabled, value: m.staleData, warn: null, trip: c.staleData.maxDataAgeMs ?? true},
      ],
    };
  }

  resetBreaker(by: string, reason = 'manual reset'): Promise<OpsCommandResult> {
    return this.#command('reset-breaker', reason, by);
  }

  closeAll(reason: string, by: string): Promise<OpsCommandResult> {
    return this.#command('close-all', reason, by);
  }

  pause(by: string, reason = 'operator pause'): Promise<OpsCommandResult> {
    return this.#command('pause', reason, by);
  }

  resume(by: string, reason = 'operator resume'): Promise<OpsCommandResult> {
    return this.#command('resume', reason, by);
  }

  async reloadModel(by: string, reason = 'reload pinned models'): Promise<OpsModelReload> {
    const result = await this.#command('reload-model', reason, by);
    return {...result, models: this.#models()};
  }

  #models(): OpsModel[] {
    return servingModels(this.#h.session.lanes.flatMap((l) => l.analyzers)).map((m) => ({ref: m.ref, model: m.model, sha256: m.sha256}));
  }

  async #command(kind: SessionCommandKind, reason: string, by: string, apply?: () => Promise<string>): Promise<OpsCommandResult> {
    const r = await this.#h.loop.command(kind, reason, by, apply);
    return {commandId: r.commandId, applied: r.outcome === 'ok', outcome: r.outcome};
  }

  /** A refusal of the kill switch (wrong code, not active, already active) is the command's outcome, not a failure. */
  async #killSwitchCall<T>(call: () => Promise<T>): Promise<T | string> {
    try {
      return await call();
    } catch (error) {
      if (isIftbError(error, ErrorCode.KILL_SWITCH)) return `refused: ${error.message}`;
      throw error;
    }
  }

  async #venue(): Promise<VenueProbe> {
    const now = this.#o.now ?? Date.now;
    const cached = this.#probe;
    if (cached !== null && now() - cached.atMs < (this.#o.venueCacheMs ?? 5000)) return cached;
    this.#probing ??= this.#probeVenue().finally(() => (this.#probing = null));
    this.#probe = await this.#probing;
    return this.#probe;
  }

  async #probeVenue(): Promise<VenueProbe> {
    const now = this.#o.now ?? Date.now;
    const started = now();
    const timeoutMs = this.#o.venueTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#h.client.serverTimeMs(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new IftbError(ErrorCode.VENUE_TEMPORARY, `no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return {atMs: now(), reachable: true, latencyMs: now() - started, detail: null};
    } catch (error) {
      return {atMs: now(), reachable: false, latencyMs: null, detail: (error as Error).message};
    } finally {
      clearTimeout(timer);
    }
  }
}

/** JSON has no NaN: a figure not known yet is 0 (equity before any mark is the wallet). */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
