import {z} from 'zod';
import type {BreakerState, TradingState} from '../core/index.js';

/** The breaker's rules, in evaluation order; these are the `rule` of its journal events. */
export const BREAKER_RULES = ['drawdown', 'daily-loss', 'loss-streak', 'error-rate', 'latency', 'stale-data'] as const;
export type BreakerRule = (typeof BREAKER_RULES)[number];

const TradingStateSchema = z.enum(['active', 'reducing', 'halted']);
const Pct = z.number().gt(0).max(100);
const on = z.boolean().default(true);

/**
 * Circuit-breaker thresholds; defaults are the runbook's (알림 임계값). Percentages are 0–100,
 * comparisons are ≥ (a drawdown of exactly 15 % trips).
 */
export const BreakerConfigSchema = z
  .strictObject({
    /** % below the peak equity seen (rebased by a manual reset). A trip needs a manual reset. */
    drawdown: z.strictObject({enabled: on, warnPct: Pct.default(10), tripPct: Pct.default(15)}).prefault({}),
    /** % below the equity at the first bar of the UTC day. A trip lasts until the next UTC day. */
    dailyLoss: z.strictObject({enabled: on, warnPct: Pct.default(3), tripPct: Pct.default(5)}).prefault({}),
    /** Consecutive losing closed trades (net PnL < 0). A trip lasts `cooldownBars`. */
    lossStreak: z.strictObject({enabled: on, trades: z.int().positive().default(5)}).prefault({}),
    /** % of venue requests that failed, judged only from `minRequests` requests. A trip lasts `cooldownBars`. */
    errorRate: z
      .strictObject({enabled: on, warnPct: Pct.default(5), tripPct: Pct.default(10), minRequests: z.int().positive().default(20)})
      .prefault({}),
    /** Decision latency in ms. A trip lasts `cooldownBars`. */
    latency: z.strictObject({enabled: on, warnMs: z.number().positive().default(500), tripMs: z.number().positive().default(1000)}).prefault({}),
    /**
     * HealthSnapshot.staleData, or (when set) dataAgeMs above `maxDataAgeMs`. A trip lasts until
     * the first fresh bar.
     */
    staleData: z.strictObject({enabled: on, maxDataAgeMs: z.number().positive().optional()}).prefault({}),
    /** Bars a loss-streak, error-rate or latency trip stays OPEN before HALF_OPEN. */
    cooldownBars: z.int().positive().default(24),
    /** Clean bars in HALF_OPEN before CLOSED. */
    halfOpenBars: z.int().nonnegative().default(12),
    /** Trading state while HALF_OPEN (probation): 'active' lets trading resume and re-trip. */
    halfOpenState: TradingStateSchema.default('active'),
    /** Trading state each rule imposes while its trip holds the breaker OPEN. */
    imposes: z
      .strictObject({
        drawdown: TradingStateSchema.default('halted'),
        'daily-loss': TradingStateSchema.default('reducing'),
        'loss-streak': TradingStateSchema.default('reducing'),
        'error-rate': TradingStateSchema.default('halted'),
        latency: TradingStateSchema.default('reducing'),
        'stale-data': TradingStateSchema.default('halted'),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const pairs: Array<[string, number, number]> = [
      ['drawdown', c.drawdown.warnPct, c.drawdown.tripPct],
      ['dailyLoss', c.dailyLoss.warnPct, c.dailyLoss.tripPct],
      ['errorRate', c.errorRate.warnPct, c.errorRate.tripPct],
      ['latency', c.latency.warnMs, c.latency.tripMs],
    ];
    for (const [path, warn, trip] of pairs) {
      if (warn > trip) ctx.addIssue({code: 'custom', path: [path], message: `warn threshold ${warn} above trip threshold ${trip}`});
    }
  });

export type BreakerConfig = z.output<typeof BreakerConfigSchema>;
export type BreakerConfigInput = z.input<typeof BreakerConfigSchema>;

export interface BreakerMetrics {
  readonly equity: number;
  readonly peakEquity: number;
  readonly dayStartEquity: number;
  /** % below peak equity (0 at the peak). */
  readonly drawdownPct: number;
  /** % below the day's starting equity; negative on a winning day. */
  readonly dailyLossPct: number;
  readonly lossStreak: number;
  /** % of venue requests failing in the window (0 without requests). */
  readonly errorRatePct: number;
  readonly venueRequests: number;
  readonly decisionLatencyMs: number;
  readonly staleData: boolean;
}

/** GET /api/circuit-breaker/status. Times are epoch ms, null when not applicable. */
export interface BreakerStatus {
  readonly state: BreakerState;
  /** Trading state the breaker imposes now. */
  readonly imposedState: TradingState;
  /** The latest rule that tripped; null when CLOSED. */
  readonly trippedRule: BreakerRule | null;
  /** Every rule whose trip still holds the breaker OPEN. */
  readonly openRules: readonly BreakerRule[];
  /** When the current state began. */
  readonly since: number | null;
  /** When OPEN ends by time alone (a daily-loss trip: the next UTC midnight). */
  readonly until: number | null;
  /** Further bars that stay OPEN on the longest cooldown (loss-streak, error-rate, latency trips). */
  readonly cooldownBarsLeft: number | null;
  /** Clean bars left in HALF_OPEN before CLOSED. */
  readonly halfOpenBarsLeft: number | null;
  /** A drawdown trip holds the breaker OPEN until POST /api/circuit-breaker/reset. */
  readonly manualResetRequired: boolean;
  /** Rules above their warning threshold. */
  readonly warnings: readonly BreakerRule[];
  readonly metrics: BreakerMetrics;
}
