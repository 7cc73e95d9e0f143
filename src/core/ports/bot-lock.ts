import type {ExchangeId, SymbolId} from '../market.js';

/** What one bot owns exclusively: one account's position in one symbol. */
export interface BotLockKey {
  readonly exchange: ExchangeId;
  /** ExchangeClient.accountId for live; 'paper' (plus a session-specific suffix if wanted) for paper. */
  readonly accountId: string;
  readonly symbol: SymbolId;
}

export function botLockName(key: BotLockKey): string {
  return `${key.exchange}:${key.accountId}:${key.symbol}`;
}

/** Why a held lock was lost: another holder has it, or renewal failed for longer than its TTL. */
export type BotLockLoss = 'taken' | 'expired' | 'connection-lost';

export interface BotLockOptions {
  /**
   * Called once when the lock is no longer ours; the bot must stop opening exposure (reducing)
   * at once: another bot may be trading the same account and symbol.
   */
  readonly onLost: (reason: BotLockLoss, detail: string) => void;
}

export interface BotLockHandle {
  readonly key: BotLockKey;
  /** Unique per acquisition (shown by `who holds it`). */
  readonly token: string;
  /** false once lost or released. */
  held(): boolean;
  /** Releases the lock if still ours (compare-and-delete); never throws. */
  release(): Promise<void>;
}

/**
 * Guarantees that only one bot trades a given account+symbol. Implemented over Redis (SET NX PX,
 * renewed), a PostgreSQL advisory lock, or a lock file beside the DuckDB store.
 */
export interface BotLock {
  readonly kind: 'redis' | 'postgres' | 'file';
  /** Takes the lock or rejects with IFTB_E_BOT_LOCKED naming the holder. */
  acquire(key: BotLockKey, options: BotLockOptions): Promise<BotLockHandle>;
  close(): Promise<void>;
}
