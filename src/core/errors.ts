/** Stable error codes: the CLI prints them, the API maps them to HTTP status, tests assert on them. */
export const ErrorCode = {
  CONFIG_INVALID: 'IFTB_E_CONFIG_INVALID',
  INPUT_INVALID: 'IFTB_E_INPUT_INVALID',
  DATA_INVALID: 'IFTB_E_DATA_INVALID',
  DATA_CONFLICT: 'IFTB_E_DATA_CONFLICT',
  DATA_MISSING: 'IFTB_E_DATA_MISSING',
  DATA_GAP: 'IFTB_E_DATA_GAP',
  LOOKAHEAD: 'IFTB_E_LOOKAHEAD',
  MODEL_INTEGRITY: 'IFTB_E_MODEL_INTEGRITY',
  MODEL_NOT_FOUND: 'IFTB_E_MODEL_NOT_FOUND',
  /** A backtest's decision range overlaps its model's training window and --strict was given. */
  IN_SAMPLE: 'IFTB_E_IN_SAMPLE',
  /** Training, export or inference failed (library error, parity check). */
  ML_FAILED: 'IFTB_E_ML_FAILED',
  /** An optional native library a command needs is not installed (libxgboost for training). */
  DEPENDENCY_MISSING: 'IFTB_E_DEPENDENCY_MISSING',
  STRATEGY_FAILED: 'IFTB_E_STRATEGY_FAILED',
  STORE_FAILED: 'IFTB_E_STORE_FAILED',
  /** Another process holds the DuckDB store (its file lock); retryable: wait, or use another store. */
  STORE_BUSY: 'IFTB_E_STORE_BUSY',
  VENUE_FATAL: 'IFTB_E_VENUE_FATAL',
  VENUE_TEMPORARY: 'IFTB_E_VENUE_TEMPORARY',
  KILL_SWITCH: 'IFTB_E_KILL_SWITCH',
  /** No LLM endpoint configured, unreachable, or refusing the API key: nothing to call. */
  LLM_UNAVAILABLE: 'IFTB_E_LLM_UNAVAILABLE',
  /** One bar's LLM request failed (timeout, 429, 5xx, malformed answer): that bar abstains. */
  LLM_FAILED: 'IFTB_E_LLM_FAILED',
  /** The LLM call budget (USD or calls) ran out: later bars without a recorded answer abstain. */
  LLM_BUDGET: 'IFTB_E_LLM_BUDGET',
  /** LLM answers for bars before the model's training cutoff (the model may know what came next). */
  LLM_CONTAMINATED: 'IFTB_E_LLM_CONTAMINATED',
  /** Another bot holds the lock on this account+symbol (Redis, PostgreSQL advisory or file lock). */
  BOT_LOCKED: 'IFTB_E_BOT_LOCKED',
  /** `iftb models promote`: the version failed a promotion gate (each gate's figure is printed). */
  PROMOTION_REFUSED: 'IFTB_E_PROMOTION_REFUSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class IftbError extends Error {
  readonly code: ErrorCode;
  /** true: back off and retry; false: stop (live: the breaker halts trading). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: {retryable?: boolean; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'IftbError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isIftbError(error: unknown, code?: ErrorCode): error is IftbError {
  return error instanceof IftbError && (code === undefined || error.code === code);
}
