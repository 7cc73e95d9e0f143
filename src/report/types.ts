import type {ClosedTrade, JournalEvent, SignalSource} from '../core/index.js';
import type {Metrics} from '../portfolio/metrics.js';
import type {SignalAccuracy} from '../portfolio/signal-accuracy.js';

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
  /** In the order of summary.sources. */
  readonly signals: readonly SignalTrack[];
}

/** One row of the run's cash ledger (`run_cash`): a change of the wallet, what caused it, and the balance after it. */
export interface ReportCashEntry {
  readonly timeMs: number;
  /** deposit | realized-pnl | fee | funding | liquidation-fee. */
  readonly kind: string;
  readonly amount: number;
  readonly balance: number;
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
