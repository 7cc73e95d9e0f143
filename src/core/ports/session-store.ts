import type {JournalEvent} from '../journal.js';
import type {ExchangeId, SymbolId} from '../market.js';
import type {Timeframe} from '../timeframe.js';
import type {ClosedTrade, OrderSide} from '../trading.js';
import type {StoredCashEntry} from './run-store.js';

/**
 * Durable state of a paper or live session (the running bot). Implemented by the DuckDB store
 * (embedded default) and the PostgreSQL store (production); one contract test suite runs against
 * both. Every method resolves only once its writes are durable (committed), so the caller may act
 * on them: an order row is stored before the order is sent, a fill before it is applied.
 *
 * A session is also a run (runs row with mode 'paper' | 'live', its journal, cash ledger and
 * trades in the same tables as backtests), so `iftb runs list` and `iftb report` work on it.
 *
 * Restart model: the engine is deterministic, so a restarted session rebuilds its state by
 * replaying its committed bars (candles from the market-data store, per-bar inputs and operator
 * commands from here) and checks the replayed journal against the stored one; then it
 * reconciles with the venue.
 */
export interface SessionStore {
  /** Creates the session and its runs row. Rejects (IFTB_E_INPUT_INVALID) if the id exists. */
  createSession(session: SessionRecord): Promise<void>;
  session(sessionId: string): Promise<SessionRecord | null>;
  /** The newest session with this key that did not end with status 'stopped-final', or null. */
  resumable(key: SessionKey): Promise<SessionRecord | null>;
  setStatus(sessionId: string, status: SessionStatus, atMs: number): Promise<void>;

  /**
   * One bar's results, in one transaction: its journal events (seq continues the stored ones),
   * new cash entries, newly closed trades, the bar row, and the run's headline metrics. A commit
   * whose bar is already stored is refused (IFTB_E_DATA_CONFLICT) — a bar is decided once —
   * except the identical commit (same bar row), which resolves: the retry of a commit whose
   * COMMIT reply was lost with the connection. A journal that does not continue the stored one
   * (events.length ≠ journalEnd − stored length) is refused (IFTB_E_DATA_CONFLICT).
   */
  commitBar(sessionId: string, commit: BarCommit): Promise<void>;
  /** Committed bars, oldest first. */
  bars(sessionId: string): Promise<SessionBar[]>;
  /** The stored journal, in seq order. */
  journal(sessionId: string): Promise<JournalEvent[]>;

  /**
   * Stores an operator command in arrival order. Idempotent by commandId: resolves true when
   * new, false when that id is already stored (a command delivered twice). `appliedBeforeBarMs`
   * and `outcome` are set by the commitBar that applied it (BarCommit.appliedCommands).
   */
  appendCommand(sessionId: string, command: SessionCommand): Promise<boolean>;
  commands(sessionId: string): Promise<SessionCommand[]>;

  /** Inserts or replaces the order row keyed by (sessionId, clientOrderId). */
  upsertOrder(order: TrackedOrder): Promise<void>;
  /** All orders of the session, or only those not in a terminal state. */
  orders(sessionId: string, filter?: {readonly open?: boolean}): Promise<TrackedOrder[]>;

  /** Stores exchange fills, skipping ones already stored (key: sessionId + symbol + tradeId). Returns how many were new. */
  appendFills(fills: readonly ExchangeFillRecord[]): Promise<number>;
  fills(sessionId: string): Promise<ExchangeFillRecord[]>;
}

export type SessionMode = 'paper' | 'live';
/** 'running' also after a crash (nobody set it otherwise); 'stopped' after SIGTERM (resumable); 'stopped-final' never resumed. */
export type SessionStatus = 'running' | 'stopped' | 'stopped-final';

/** What makes two sessions the same bot: a restart resumes the newest session with the same key. */
export interface SessionKey {
  readonly mode: SessionMode;
  readonly exchange: ExchangeId;
  /** ExchangeClient.accountId for live; 'paper' for paper sessions. */
  readonly accountId: string;
  readonly strategy: string;
  /** Sorted. */
  readonly symbols: readonly SymbolId[];
  readonly timeframe: Timeframe;
}

export interface SessionRecord extends SessionKey {
  /** Short and safe inside client order ids (e.g. 'p3f9a2c1'). */
  readonly sessionId: string;
  readonly strategyVersion: string;
  /** The resolved config (canonical JSON-able) and its hash; a restart with another hash is refused. */
  readonly config: unknown;
  readonly configHash: string;
  /** The models the session scores with (pinned, verified): resolved id and ONNX sha256. */
  readonly models: readonly {readonly ref: string; readonly model: string; readonly sha256: string}[];
  /** Open time of the first bar the session decides on. */
  readonly firstBarMs: number;
  readonly startedMs: number;
  readonly status: SessionStatus;
  readonly statusMs: number;
}

/** A committed bar: what the deterministic replay needs that the candles do not hold. */
export interface SessionBar {
  /** Open time of the decided bar. */
  readonly barOpenMs: number;
  /** Journal length after this bar (events seq < journalEnd belong to it or earlier bars). */
  readonly journalEnd: number;
  /** Measured inputs of the breakers at this bar (HealthSnapshot fields that are not derived from candles). */
  readonly dataAgeMs: number;
  readonly decisionLatencyMs: number;
  readonly venueRequests: number;
  readonly venueErrors: number;
  readonly staleData: boolean;
  /** Account equity and signed position after the bar (for status, reports and a quick check of a replay). */
  readonly equity: number;
  readonly positionQty: number;
  /** Wall time the bar was committed. */
  readonly committedMs: number;
}

/** A cash-ledger row (the run store's row type). */
export type StoredCashRow = StoredCashEntry;

export interface BarCommit {
  readonly bar: SessionBar;
  /** Events of this bar, in order; their seq numbers are journalEnd − events.length … journalEnd − 1. */
  readonly events: readonly JournalEvent[];
  readonly cash: readonly StoredCashRow[];
  readonly trades: readonly ClosedTrade[];
  /** Headline metrics of the run so far (runs.metrics_json). */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Exchange fills this bar's sync handed to the engine: marked delivered at bar.barOpenMs in the same transaction. */
  readonly deliveredFills: readonly {readonly symbol: SymbolId; readonly tradeId: string}[];
  /** Commands applied before this bar's step: marked applied at bar.barOpenMs with their outcome, in the same transaction. */
  readonly appliedCommands?: readonly {readonly commandId: string; readonly outcome: string}[];
}

/**
 * 'venue-mismatch' is the bot's own: what the exchange holds and the session cannot explain,
 * stored like an operator's command so a restart replays the restriction at the same point.
 */
export type SessionCommandKind = 'kill-switch' | 'deactivate-kill-switch' | 'force-deactivate-kill-switch' | 'pause' | 'resume' | 'reset-breaker' | 'close-all' | 'reload-model' | 'venue-mismatch';

export interface SessionCommand {
  /** Unique per session (uuid or seq), so a command delivered twice is applied once. */
  readonly commandId: string;
  readonly kind: SessionCommandKind;
  readonly reason: string;
  /** 'api', 'telegram:<chat id>', 'cli', 'psql', … */
  readonly by: string;
  readonly receivedMs: number;
  /** Open time of the bar before whose step it took effect; null while pending. */
  readonly appliedBeforeBarMs: number | null;
  /** Outcome shown to the operator ('ok', 'refused: …'). */
  readonly outcome: string | null;
}

/**
 * An order's lifecycle at a real venue. 'pending' is written before the request is sent; a
 * request that failed ambiguously leaves 'unknown' until a query by client id resolves it.
 */
export type TrackedOrderState = 'pending' | 'unknown' | 'open' | 'partially-filled' | 'filled' | 'canceled' | 'rejected' | 'expired' | 'lost';
export const TERMINAL_ORDER_STATES: readonly TrackedOrderState[] = ['filled', 'canceled', 'rejected', 'expired', 'lost'];

export interface TrackedOrder {
  readonly sessionId: string;
  readonly clientOrderId: string;
  /** The engine's order id (> 0), a venue-placed protective order (< 0), or 0 for an adopted external order. */
  readonly orderId: number;
  readonly symbol: SymbolId;
  readonly side: OrderSide;
  /** 'other': an adopted external order of a type the bot never sends. */
  readonly type: 'market' | 'limit' | 'stop-market' | 'take-profit-market' | 'other';
  readonly qty: number;
  /** NaN when not applicable. */
  readonly price: number;
  readonly stopPrice: number;
  readonly reduceOnly: boolean;
  readonly reason: string;
  /** 'engine' | 'protective' | 'external' (found at the venue, adopted, never deleted). */
  readonly origin: 'engine' | 'protective' | 'external';
  /** For protective orders: the entry order they protect. */
  readonly parentClientOrderId: string | null;
  readonly state: TrackedOrderState;
  readonly exchangeOrderId: string | null;
  readonly filledQty: number;
  /** NaN before any fill. */
  readonly avgPrice: number;
  /** Decision time of the order. */
  readonly createdMs: number;
  readonly updatedMs: number;
  /** Last error or reject reason. */
  readonly detail: string | null;
}

/** One exchange execution as stored (fills are the venue's truth; the engine's ledger is rebuilt from them). */
export interface ExchangeFillRecord {
  readonly sessionId: string;
  readonly symbol: SymbolId;
  readonly tradeId: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly feeAsset: string;
  readonly realizedPnl: number;
  readonly maker: boolean;
  readonly timeMs: number;
  /** Open time of the bar whose sync delivered it to the engine; null until delivered. */
  readonly deliveredAtBarMs: number | null;
}
