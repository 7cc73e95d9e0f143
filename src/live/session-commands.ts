/**
 * Operator commands of a running session (API, Telegram, CLI, a psql insert), applied between
 * bars: each is stored first (SessionStore.appendCommand), applied at once, and marked applied by
 * the next bar's commit. A restarted session applies the stored ones again at the same points of
 * its replay, so the replayed journal is the one that was written.
 */
import type {JournalEvent, SessionCommand, SessionCommandKind} from '../core/index.js';
import type {TradingEngine} from '../engine/trading-engine.js';
import type {OperableTradingGate} from '../risk/index.js';
import type {ReplaySwitch} from './kill-switch-relay.js';

export interface CommandTargets {
  readonly gate: OperableTradingGate;
  readonly engine: TradingEngine;
  /** Replay only: the switch the replayed kill-switch commands engage and release. */
  readonly replaySwitch?: ReplaySwitch;
  /** Swaps pinned models between bars; resolves with the outcome. */
  readonly reloadModel?: (by: string) => Promise<string>;
  /** The session journal and what a venue mismatch imposes (live). */
  readonly journal?: (event: JournalEvent) => void;
  readonly onMismatch?: 'reducing' | 'halted';
}

/** Kill-switch commands change the persisted switch themselves (with their secrets); the engine part is applied here. */
export const KILL_SWITCH_KINDS: readonly SessionCommandKind[] = ['kill-switch', 'deactivate-kill-switch', 'force-deactivate-kill-switch'];

/**
 * Applies the engine/gate side of a command at `command.receivedMs` and returns its outcome. A
 * kill-switch activation flattens at once (the switch itself was engaged by the caller, or by the
 * replay switch here); a release changes nothing else.
 */
export async function applyCommand(command: SessionCommand, t: CommandTargets): Promise<string> {
  const at = command.receivedMs;
  switch (command.kind) {
    case 'kill-switch':
      t.replaySwitch?.engage();
      t.engine.flattenNow(at, null);
      return 'ok';
    case 'deactivate-kill-switch':
    case 'force-deactivate-kill-switch':
      if (command.outcome !== null && command.outcome !== 'ok') return command.outcome;
      t.replaySwitch?.release();
      return 'ok';
    case 'pause':
      return t.gate.pause(command.by, at) ? 'ok' : 'already paused';
    case 'resume': {
      // An operator's resume also acknowledges a venue or replay mismatch (they restrict until someone looks).
      const restrictions = t.gate.status().restrictions;
      let lifted = false;
      for (const cause of ['reconciliation', 'replay-mismatch']) {
        if (restrictions[cause] === undefined) continue;
        t.gate.restrict(cause, null, at);
        lifted = true;
      }
      return t.gate.resume(command.by, at) || lifted ? 'ok' : 'not paused';
    }
    case 'reset-breaker':
      return t.gate.resetBreaker(command.by, at) ? 'ok' : 'refused: the circuit breaker is CLOSED';
    case 'close-all':
      return t.engine.flattenNow(at, command.reason) ? 'ok' : 'nothing to close';
    case 'reload-model':
      return t.reloadModel === undefined ? 'refused: no model to reload' : t.reloadModel(command.by);
    case 'venue-mismatch':
      // Journaled for alerting; trading stays restricted until an operator's resume acknowledges it.
      t.journal?.({type: 'error', timeMs: at, code: 'IFTB_E_VENUE_MISMATCH', message: command.reason});
      t.gate.restrict('reconciliation', t.onMismatch ?? 'reducing', at);
      return 'ok';
  }
}
