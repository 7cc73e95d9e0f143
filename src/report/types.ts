import type {ClosedTrade, JournalEvent, SignalSource} from '../core/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';
import type {AccountExposure, ReturnCorrelation} from '../portfolio/symbol-stats.js';

/** One analyzer as run.json describes it. */
export interface ReportSource {
  readonly id: string;
  readonly source: SignalSource;
  readonly activeBars: number;
  readonly status: 'active' | 'abstained';
  readonly note?: string;
  /** Ensemble weight of this analyzer before renormalisation; absent in runs saved before it was recorded. */
  readonly weight?: number;
  readonly accuracy: SignalAccuracy;
}

/** One ML model a run used, as run.json's `ml` records it. */
export interface ReportModel {
  readonly ref?: string;
  /** 'xgb-dir@3'. */
  readonly model: string;
  readonly onnxSha256?: string;
  readonly trainWindow?: {readonly from: string; readonly to: string};
  readonly validationWindow?: {readonly from: string; readonly to: string};
  /** The decision range overlaps the model's training or validation window. */
  readonly inSample: boolean;
  readonly inSampleBars?: number;
}

/** The part of run.json a report reads (the app's RunSummary is assignable to it). */
export interface ReportSummary {
  readonly runId: string;
  readonly mode: string;
  readonly strategy: {readonly name: string; readonly version: string; readonly params: unknown};
  readonly market: {
    readonly exchange: string;
    readonly symbol: string;
    readonly timeframe: string;
    readonly firstBarMs: number;
    readonly lastBarMs: number;
    readonly warmupBars: number;
    /** A portfolio's symbols (absent for one symbol). */
    readonly symbols?: readonly string[];
  };
  readonly config: unknown;
  readonly configHash: string;
  readonly dataHash: string;
  readonly finalEquity: number;
  readonly bars: number;
  readonly trades: number;
  readonly metrics: Metrics;
  readonly sources: readonly ReportSource[];
  /** Present when ML analyzers ran with a model from the registry. */
  readonly ml?: {readonly inSample: boolean; readonly models: readonly ReportModel[]};
  readonly ensembleAccuracy: SignalAccuracy;
  readonly events: Readonly<Record<string, number>>;
  /** A run of several symbols on one account (absent for one symbol); `sources` are then pooled over the symbols. */
  readonly portfolio?: ReportPortfolio;
}

/** One symbol of a portfolio run, as run.json's `portfolio.symbols` records it. */
export interface ReportSymbol {
  readonly symbol: string;
  /** Open time of its first decision bar and of its last bar. */
  readonly firstBarMs: number;
  readonly lastBarMs: number;
  /** Its own bars in its decision window, and the warm-up bars before it. */
  readonly bars: number;
  readonly warmupBars: number;
  /** Slots between its first and last bar at which it had no bar (skipped, never filled). */
  readonly missingBars: number;
  /** What it added to the account's equity: realised − fees + funding − liquidation fees + unrealised. */
  readonly pnl: number;
  readonly realisedPnl: number;
  readonly fees: number;
  readonly funding: number;
  readonly liquidationFees: number;
  readonly unrealisedPnl: number;
  readonly slippage: number;
  readonly liquidations: number;
  readonly trades: number;
  readonly winRate: number | null;
  /** Σ net PnL of its closed trades. */
  readonly closedNetPnl: number;
  /** Fraction of its bars that closed with a position, and the mean |qty| × close over its bars. */
  readonly exposure: number | null;
  readonly meanNotional: number | null;
  /** Position and its average entry at the end, marked at `lastClose`. */
  readonly finalQty: number;
  readonly entryPrice: number;
  readonly lastClose: number;
  /** Its last close over its first decision bar's close − 1 (unleveraged, no costs). */
  readonly buyAndHoldReturn: number | null;
  /** Each analyzer's accuracy on this symbol's bars. */
  readonly sources: readonly ReportSource[];
  readonly ensembleAccuracy: SignalAccuracy;
}

/** run.json's `portfolio`: per symbol, the correlation of their bar returns (decision window), the account's exposure. */
export interface ReportPortfolio {
  readonly symbols: readonly ReportSymbol[];
  readonly correlation: ReturnCorrelation;
  readonly account: AccountExposure;
}

/** One analyzer's per-bar reading. */
export interface SignalTrack {
  readonly id: string;
  readonly source: SignalSource;
  readonly score: Float64Array;
  readonly confidence: Float64Array;
  readonly active: Uint8Array;
}

/** Per-bar columns of the decision window (warm-up bars left out), all of the same length. */
export interface BarTrack {
  readonly length: number;
  /** Close time of each bar (ms). */
  readonly timeMs: Float64Array;
  readonly close: Float64Array;
  readonly equity: Float64Array;
  /** Signed position qty at each close. */
  readonly position: Float64Array;
  readonly ensemble: Omit<SignalTrack, 'id' | 'source'>;
  /** In the order of summary.sources (a portfolio's are in `lanes`: this is empty). */
  readonly signals: readonly SignalTrack[];
  /**
   * A portfolio: each symbol's columns per slot (close NaN and readings inactive where it had no
   * bar), in the order of summary.portfolio.symbols. The top-level close, position and ensemble
   * are then the first symbol's.
   */
  readonly lanes?: readonly LaneTrack[];
}

/** One symbol's per-slot columns in a portfolio run. */
export interface LaneTrack {
  readonly symbol: string;
  readonly close: Float64Array;
  readonly position: Float64Array;
  readonly ensemble: Omit<SignalTrack, 'id' | 'source'>;
  /** In the order of that symbol's sources in summary.portfolio.symbols. */
  readonly signals: readonly SignalTrack[];
}

/** One row of the run's cash ledger (`run_cash`): a change of the wallet, what caused it, and the balance after it. */
export interface ReportCashEntry {
  readonly timeMs: number;
  /** deposit | realized-pnl | fee | funding | liquidation-fee. */
  readonly kind: string;
  readonly amount: number;
  readonly balance: number;
  /** The symbol it belongs to (portfolio runs; absent or '' for the deposit and for runs stored before it was kept). */
  readonly symbol?: string;
}

/** Everything a run report is built from: run.json, the per-bar columns, the journal, the closed trades and the cash ledger. */
export interface ReportInput {
  readonly summary: ReportSummary;
  readonly bars: BarTrack;
  readonly journal: readonly JournalEvent[];
  readonly trades: readonly ClosedTrade[];
  /** The cash ledger, in booking order: the Checks section reconciles it with the journal and the trades. */
  readonly cash: readonly ReportCashEntry[];
}

/** The config fields a report reads, with the defaults a backtest config has. */
export interface ReportConfig {
  readonly cash: number;
  readonly accuracyHorizonBars: number;
  readonly drawdownWarnPct: number;
  readonly drawdownTripPct: number;
  readonly funding: boolean;
}

export function reportConfig(config: unknown): ReportConfig {
  const c = (config ?? {}) as {
    cash?: number;
    accuracyHorizonBars?: number;
    funding?: boolean;
    breaker?: {drawdown?: {warnPct?: number; tripPct?: number}};
  };
  return {
    cash: c.cash ?? 100_000,
    accuracyHorizonBars: c.accuracyHorizonBars ?? 12,
    drawdownWarnPct: c.breaker?.drawdown?.warnPct ?? 10,
    drawdownTripPct: c.breaker?.drawdown?.tripPct ?? 15,
    funding: c.funding ?? true,
  };
}
