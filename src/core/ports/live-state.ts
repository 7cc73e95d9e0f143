import type {BreakerState, TradingState} from '../trading.js';
import type {SymbolId} from '../market.js';
import type {SessionCommand} from './session-store.js';

/** What a running bot shows the outside (API replicas, dashboards); never the source of truth. */
export interface LiveSnapshot {
  readonly sessionId: string;
  readonly atMs: number;
  readonly lastBar: {readonly symbol: SymbolId; readonly openTime: number; readonly close: number} | null;
  readonly positions: readonly {readonly symbol: SymbolId; readonly qty: number; readonly entryPrice: number}[];
  readonly equity: number;
  readonly tradingState: TradingState;
  readonly breaker: BreakerState;
  readonly killSwitch: {readonly engaged: boolean; readonly reason: string | null};
}

export interface PublisherHealth {
  /** 'ok': last write reached the server; 'degraded': writes fail (the bot trades on, from its store). */
  readonly state: 'ok' | 'degraded';
  readonly detail: string;
  readonly sinceMs: number;
}

/**
 * Publishes a bot's live snapshot and heartbeat. Fire-and-forget: a call never throws or blocks
 * the bar loop; failures show in health().
 */
export interface SnapshotPublisher {
  publish(snapshot: LiveSnapshot): void;
  /** Starts refreshing the heartbeat key (TTL) every intervalMs until close(). */
  startHeartbeat(sessionId: string): void;
  health(): PublisherHealth;
  close(): Promise<void>;
}

/** Operator commands between API replicas and the one bot running a session. */
export interface SessionCommandBus {
  /** Publishes a command; resolves with how many bots received it (0: no bot listening). */
  send(sessionId: string, command: SessionCommand): Promise<number>;
  /** Delivers each commandId once per subscription, in arrival order; resolves when subscribed. */
  subscribe(sessionId: string, onCommand: (command: SessionCommand) => void): Promise<{close(): Promise<void>}>;
  close(): Promise<void>;
}
