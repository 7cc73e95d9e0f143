import type {SymbolId} from '../market.js';
import type {BreakerState, TradingState} from '../trading.js';

/**
 * The operations of a running bot, as the runbook's API, the `iftb ops` CLI and chat commands use
 * them. Every mutation is an operator command: stored and journaled with who (`by`), when and why,
 * and applied between bars (at the next bar at the latest). Reads never block on the bar loop.
 * Implemented over a live session (app/live-ops.ts); the API is a thin shell over it.
 */
export interface Ops {
  status(): OpsStatus;
  health(): Promise<OpsHealth>;
  positions(): OpsPositions;

  killSwitch(): OpsKillSwitchStatus;
  /** Engages the latched switch (flatten once, halt); the confirmation code is shown only here. */
  activateKillSwitch(reason: string, by: string): Promise<OpsKillSwitchActivation>;
  deactivateKillSwitch(confirmationCode: string, by: string): Promise<OpsCommandResult>;
  /** The runbook's 긴급 우회: KILL_SWITCH_ADMIN_KEY instead of the code. */
  forceDeactivateKillSwitch(adminKey: string, by: string): Promise<OpsCommandResult>;

  breaker(): OpsBreakerStatus;
  /** Only from OPEN or HALF_OPEN (refused when CLOSED). */
  resetBreaker(by: string, reason?: string): Promise<OpsCommandResult>;

  closeAll(reason: string, by: string): Promise<OpsCommandResult>;
  pause(by: string, reason?: string): Promise<OpsCommandResult>;
  resume(by: string, reason?: string): Promise<OpsCommandResult>;
  /** Re-resolves the pinned model versions, verifies and loads them, swaps between bars; a failing model is refused, the old one keeps serving. */
  reloadModel(by: string, reason?: string): Promise<OpsModelReload>;
}

/** An operator command's outcome. `applied`: it took effect ('ok'); otherwise `outcome` says why not. */
export interface OpsCommandResult {
  readonly commandId: string;
  readonly applied: boolean;
  /** 'ok', 'already paused', 'refused: …', 'wrong confirmation code', … */
  readonly outcome: string;
}

export interface OpsKillSwitchActivation extends OpsCommandResult {
  /** 6 characters A–Z0–9; needed to deactivate. Null when not activated (already engaged). */
  readonly confirmationCode: string | null;
}

export interface OpsStatus {
  readonly sessionId: string;
  readonly mode: 'paper' | 'live';
  readonly strategy: string;
  readonly symbols: readonly SymbolId[];
  readonly timeframe: string;
  readonly startedMs: number;
  readonly tradingState: TradingState;
  readonly paused: boolean;
  /** Causes restricting trading (store, reconciliation, replay-mismatch, bot-lock) and what each imposes. */
  readonly restrictions: Readonly<Record<string, TradingState>>;
  readonly killSwitchEngaged: boolean;
  readonly breakerState: BreakerState;
  /** Open time of the last decided bar, and its close; null before the first. */
  readonly lastBarMs: number | null;
  readonly lastCloseMs: number | null;
  readonly equity: number;
  readonly walletBalance: number;
  readonly streams: Readonly<Record<string, string>>;
  readonly pendingCommits: number;
  readonly models: readonly OpsModel[];
}

export interface OpsHealth {
  /** false → the container probe's 503. */
  readonly ok: boolean;
  /** Why not ok (stale data, venue unreachable). */
  readonly problems: readonly string[];
  readonly lastBarMs: number | null;
  readonly lastCloseMs: number | null;
  /** now − close of the last decided bar (ms); null before the first. */
  readonly dataAgeMs: number | null;
  /** Data older than this (3 bars past the close + grace) is stale. */
  readonly maxDataAgeMs: number;
  readonly venue: {readonly reachable: boolean; readonly latencyMs: number | null; readonly detail: string | null};
  readonly store: {readonly reachable: boolean; readonly pendingCommits: number};
  readonly streams: Readonly<Record<string, string>>;
  readonly tradingState: TradingState;
}

export interface OpsPosition {
  readonly symbol: SymbolId;
  /** Signed, base asset (long > 0). */
  readonly qty: number;
  readonly side: 'long' | 'short' | 'flat';
  /** NaN-free: null when flat. */
  readonly entryPrice: number | null;
  readonly markPrice: number | null;
  readonly unrealizedPnl: number;
}

export interface OpsPositions {
  readonly positions: readonly OpsPosition[];
  readonly equity: number;
  readonly walletBalance: number;
}

export interface OpsKillSwitchStatus {
  readonly engaged: boolean;
  readonly activatedAtMs: number | null;
  readonly reason: string | null;
  readonly by: string | null;
  /** Engaged by a hand-inserted row (no code): only force-deactivate releases it. */
  readonly requiresAdminKey: boolean;
  /** Whether KILL_SWITCH_ADMIN_KEY is configured (force-deactivate possible). */
  readonly forceDeactivateConfigured: boolean;
  readonly last: {readonly action: string; readonly reason: string; readonly by: string; readonly atMs: number} | null;
}

export type OpsBreakerRule = 'drawdown' | 'daily-loss' | 'loss-streak' | 'error-rate' | 'latency' | 'stale-data';

/** The figures the breaker judges, next to their thresholds (percentages 0–100, ms). */
export interface OpsBreakerFigure {
  readonly rule: OpsBreakerRule;
  readonly enabled: boolean;
  readonly value: number | boolean;
  readonly warn: number | null;
  readonly trip: number | boolean | null;
}

export interface OpsBreakerStatus {
  readonly state: BreakerState;
  readonly imposedState: TradingState;
  readonly trippedRule: OpsBreakerRule | null;
  readonly openRules: readonly OpsBreakerRule[];
  /** When the current state began (epoch ms). */
  readonly since: number | null;
  readonly until: number | null;
  readonly cooldownBarsLeft: number | null;
  readonly halfOpenBarsLeft: number | null;
  readonly manualResetRequired: boolean;
  readonly warnings: readonly OpsBreakerRule[];
  readonly figures: readonly OpsBreakerFigure[];
}

export interface OpsModel {
  /** The strategy's reference ('xgb-dir@live'). */
  readonly ref: string;
  /** What it serves now ('xgb-dir@3'). */
  readonly model: string;
  readonly sha256: string;
}

export interface OpsModelReload extends OpsCommandResult {
  /** What serves after the command (the old models when refused). */
  readonly models: readonly OpsModel[];
}
