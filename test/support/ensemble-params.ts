/**
 * The ensemble's thresholds before walk-forward optimisation chose quieter defaults (see
 * strategies/ensemble.ts DEFAULTS_SWEEP): a run that trades on most signals, for tests that need
 * many trades or fills over a short window (A/B tests, marker counts), independent of the defaults.
 */
export const BUSY_ENSEMBLE = {entry: 0.2, exit: 0.05, minConfidence: 0.3, minHoldBars: 0, stopAtr: 2.5, takeProfitAtr: 5} as const;
