/**
 * The running bot's Redis window (only with --redis): a snapshot after every decided bar and a
 * heartbeat key with a TTL for API replicas and dashboards, and operator commands from any API
 * replica over the command bus into the loop's serial command path. Redis is never the source of
 * truth: a failed write only degrades the publisher's health, a command is stored by the loop.
 */
import type {LiveSnapshot, SessionCommand, SessionCommandBus, SnapshotPublisher} from '../core/index.js';
import type {LiveLoop} from './live-loop.js';
import type {ComposedSession} from './live-session.js';

export interface LiveRedisOptions {
  readonly publisher: SnapshotPublisher | null;
  readonly commands: SessionCommandBus | null;
  readonly log: (line: string) => void;
}

/** What the bot shows the outside now. */
export function liveSnapshot(session: ComposedSession, loop: LiveLoop): LiveSnapshot {
  const {parts, lanes, series} = session;
  const status = loop.status();
  const first = series[0];
  const lastBar = status.lastBarMs === null || first === undefined || first.bars.length === 0 ? null : {symbol: first.symbol, openTime: first.bars.lastOpenTime, close: first.bars.close[first.bars.length - 1]};
  return {
    sessionId: session.session.sessionId, atMs: session.clock.now(), lastBar,
    positions: lanes.map((l, k) => ({symbol: l.entry.symbol, qty: parts.ledger.qty(k), entryPrice: parts.ledger.entry(k)})).filter((p) => p.qty !== 0),
    equity: parts.ledger.equity(), tradingState: parts.gate.status().state, breaker: parts.breaker.state,
    killSwitch: {engaged: session.killSwitch.engaged, reason: session.killSwitch.engaged ? 'engaged' : null},
  };
}

/** Wires the publisher and the command bus to a started loop; close() detaches both (they are closed with the stores). */
export async function attachRedis(session: ComposedSession, loop: LiveLoop, o: LiveRedisOptions): Promise<{close(): Promise<void>}> {
  const sessionId = session.session.sessionId;
  const {publisher, commands} = o;
  if (publisher !== null) {
    publisher.startHeartbeat(sessionId);
    publisher.publish(liveSnapshot(session, loop));
    loop.observe({
      slot: () => publisher.publish(liveSnapshot(session, loop)),
      command: () => publisher.publish(liveSnapshot(session, loop)),
    });
  }
  let subscription: {close(): Promise<void>} | null = null;
  if (commands !== null) {
    subscription = await commands.subscribe(sessionId, (command) => void deliver(session, loop, command, o.log));
  }
  return {
    close: async () => {
      await subscription?.close();
    },
  };
}

/** A command from an API replica: the loop stores and applies it (by its own id, so a redelivery is applied once). */
async function deliver(session: ComposedSession, loop: LiveLoop, c: SessionCommand, log: (line: string) => void): Promise<void> {
  try {
    // Engaging needs no secret; releasing does (the confirmation code or the admin key), so it is not taken from the bus.
    if (c.kind === 'deactivate-kill-switch' || c.kind === 'force-deactivate-kill-switch' || c.kind === 'venue-mismatch') {
      log(`command bus: ${c.kind} from ${c.by} refused (use the operations API or the CLI)`);
      return;
    }
    const apply = c.kind === 'kill-switch' ? async () => (session.killSwitch.engaged ? 'ok' : (await session.killSwitch.activate(c.reason, c.by), 'ok')) : undefined;
    const result = await loop.command(c.kind, c.reason, c.by, apply, c.commandId);
    log(`command ${c.kind} from ${c.by}: ${result.outcome}`);
  } catch (error) {
    log(`command ${c.kind} from ${c.by} failed: ${(error as Error).message}`);
  }
}
