import type {JournalEvent} from '../journal.js';
import type {SymbolId} from '../market.js';
import type {ClosedTrade} from '../trading.js';

/** A cash-ledger row as the run store keeps it. */
export interface StoredCashEntry {
  readonly timeMs: number;
  readonly kind: string;
  readonly amount: number;
  readonly balance: number;
  readonly orderId: number;
  /** The symbol it belongs to ('' for the account: the deposit; absent in rows written before portfolios). */
  readonly symbol?: SymbolId;
}

export interface RunRecord {
  readonly runId: string;
  readonly mode: 'backtest' | 'paper' | 'live';
  readonly strategy: string;
  readonly strategyVersion: string;
  readonly exchange: string;
  /** One symbol, or several joined by ',' (a multi-symbol session). */
  readonly symbol: string;
  readonly timeframe: string;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly config: unknown;
  readonly configHash: string;
  readonly dataHash: string;
  readonly metrics: unknown;
  readonly reportDir: string | null;
}

export interface RunSummary extends Omit<RunRecord, 'config' | 'metrics'> {
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  readonly metrics: Record<string, number | null>;
}

/**
 * Runs (backtests, and paper/live sessions) with their journal, cash ledger and trades.
 * Implemented by the DuckDB store and the PostgreSQL store; one contract suite runs on both.
 */
export interface RunStore {
  /** Saves a finished run in one transaction; saving a run id again replaces it whole. */
  save(run: RunRecord, journal: readonly JournalEvent[], cash: readonly StoredCashEntry[], trades: readonly ClosedTrade[]): Promise<void>;
  /** Newest first. */
  list(): Promise<RunSummary[]>;
  /** One run with its config, or null when no run has that id. */
  get(runId: string): Promise<(RunSummary & {readonly config: unknown}) | null>;
  journal(runId: string): Promise<JournalEvent[]>;
  cash(runId: string): Promise<StoredCashEntry[]>;
  /** Closed trades by id; `symbol` names those stored without one (rows written before portfolios). */
  trades(runId: string, symbol: SymbolId): Promise<ClosedTrade[]>;
}
