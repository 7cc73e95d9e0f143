import type {ExchangeId, SymbolId} from '../market.js';
import type {InstrumentSpec, MarginBracket} from '../trading.js';

/**
 * Exchange rules at rest, versioned by as-of time. Contract rules (exchangeInfo) and leverage
 * brackets (a signed endpoint, fetched or saved separately) are two version histories of the same
 * instrument, each row an immutable fact: "from as-of on, this was in force".
 */

/** A spec's contract rules without the bracket table (which has its own history). */
export type InstrumentRules = Omit<InstrumentSpec, 'brackets'>;

export interface VersionMeta {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  /** In force from this time (UTC ms); 0 for the built-in defaults. */
  readonly asOfMs: number;
  /** Where it came from: 'builtin', 'sync <url>', 'file <name> sha256:<prefix>'. */
  readonly source: string;
  /** sha256 of the canonical JSON of the content (rules or brackets). */
  readonly hash: string;
}

export interface StoredRules extends VersionMeta {
  readonly rules: InstrumentRules;
}

export interface StoredBrackets extends VersionMeta {
  readonly brackets: readonly MarginBracket[];
}

export interface RulesUpdate {
  readonly exchange: ExchangeId;
  readonly asOfMs: number;
  readonly source: string;
  readonly rules: InstrumentRules;
}

export interface BracketsUpdate {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly asOfMs: number;
  readonly source: string;
  readonly brackets: readonly MarginBracket[];
}

export interface RecordOutcome {
  readonly symbol: SymbolId;
  readonly asOfMs: number;
  readonly hash: string;
  /** added: a new version; unchanged: the version in force at asOfMs already has this content. */
  readonly status: 'added' | 'unchanged';
}

/**
 * Each record call runs in one transaction: a version that contradicts a stored one at the same
 * as-of time fails the call (IFTB_E_DATA_CONFLICT) and nothing is written.
 */
export interface InstrumentStore {
  recordRules(updates: readonly RulesUpdate[]): Promise<RecordOutcome[]>;
  recordBrackets(updates: readonly BracketsUpdate[]): Promise<RecordOutcome[]>;
  /** Versions, oldest first per symbol; symbols in name order. */
  rules(exchange: ExchangeId, symbol?: SymbolId): Promise<StoredRules[]>;
  brackets(exchange: ExchangeId, symbol?: SymbolId): Promise<StoredBrackets[]>;
}
