import {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {parseConfig} from '../config/index.js';
import {type BacktestConfig, BacktestConfigSchema} from './backtest-config.js';

/** How the running bot behaves around the loop (what a backtest has no use for). */
export const LiveSettingsSchema = z
  .object({
    mode: z.enum(['paper', 'live']).default('paper'),
    /** SIGTERM: keep positions (default) or close them before exiting. */
    onExit: z.enum(['keep', 'close']).default('keep'),
    /** After a bar's close, how long to wait for its closed kline before asking REST. */
    pollGraceMs: z.number().int().positive().default(3000),
    /** Portfolio: how long a slot's first closed bar waits for the other symbols. */
    slotWaitMs: z.number().int().nonnegative().default(5000),
    /** Venue reconciliation (live): at start and every N ms. */
    reconcileEveryMs: z.number().int().positive().default(5 * 60_000),
    /** What a mismatch with the venue (or a replay that differs from the stored journal) imposes. */
    onMismatch: z.enum(['reducing', 'halted']).default('reducing'),
    /** Start a new session even when one for this bot could be resumed. */
    newSession: z.boolean().default(false),
    /** Print one status line per closed bar. */
    statusLines: z.boolean().default(true),
  })
  .strict();

export type LiveSettings = z.output<typeof LiveSettingsSchema>;

export interface LiveConfig {
  readonly trading: BacktestConfig;
  readonly live: LiveSettings;
}

/** A live config: the backtest keys (strategy, symbols, risk, breaker, …) plus a `live` section (and `promotion`, for `iftb models promote`). */
export function parseLiveConfig(raw: unknown): LiveConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: expected an object');
  // `promotion` holds the gate thresholds `iftb models promote --config` reads from the same file.
  const {live, promotion: _promotion, ...trading} = raw as Record<string, unknown>;
  const parsedTrading = parseConfig(BacktestConfigSchema, trading, 'live config');
  if (parsedTrading.fromMs !== undefined || parsedTrading.toMs !== undefined) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: fromMs/toMs are backtest keys (a session starts at the next bar and runs until stopped)');
  }
  if (parsedTrading.operatorActions.length > 0) throw new IftbError(ErrorCode.CONFIG_INVALID, 'live config: operatorActions are for backtests; operate a running bot through its API');
  return {trading: parsedTrading, live: parseConfig(LiveSettingsSchema, live ?? {}, 'live config `live` section')};
}
