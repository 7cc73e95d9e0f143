import type {JournalSink} from '../core/index.js';
import type {TradingEngine} from '../engine/trading-engine.js';
import type {CircuitBreaker, KillSwitch, OperableTradingGate} from '../risk/index.js';
import type {OperatorAction} from './backtest-config.js';

/** A scheduled action, or the automatic breaker reset of `breakerResetAfterBars` (scheduled as trips happen). */
type ScriptAction = OperatorAction | {readonly atMs: number; readonly action: 'auto-reset-breaker'; readonly reason: string};

export interface OperatorTargets {
  readonly gate: OperableTradingGate;
  readonly breaker: CircuitBreaker;
  readonly killSwitch: KillSwitch;
  readonly engine: TradingEngine;
  readonly journal: JournalSink;
}

/**
 * Operator actions scheduled in a backtest config, applied between bars exactly as the operations
 * API applies them live: an action at time t takes effect before the decision of the first bar
 * closing at or after t.
 */
export class OperatorScript {
  /** The time of the bar close being processed; the kill switch reads it as its clock. */
  nowMs = -Infinity;
  readonly #actions: ScriptAction[];
  #next = 0;
  #lastCode: string | null = null;

  constructor(actions: readonly OperatorAction[], private readonly targets: () => OperatorTargets) {
    this.#actions = [...actions].sort((a, b) => a.atMs - b.atMs);
  }

  /** Adds an action due at `atMs` (not before the next pending one's turn: actions already applied stay applied). */
  schedule(action: ScriptAction): void {
    let k = this.#actions.length;
    while (k > this.#next && this.#actions[k - 1].atMs > action.atMs) k--;
    this.#actions.splice(k, 0, action);
  }

  pendingAt(closeTimeMs: number): boolean {
    return this.#next < this.#actions.length && this.#actions[this.#next].atMs <= closeTimeMs;
  }

  /** Whether an action is due at the close of the slot opening at opens[i] (the per-bar check: no double argument, which V8 may box). */
  pendingAtSlot(opens: Float64Array, i: number, timeframeMs: number): boolean {
    return this.#next < this.#actions.length && this.#actions[this.#next].atMs <= opens[i] + timeframeMs;
  }

  async apply(closeTimeMs: number): Promise<void> {
    this.nowMs = closeTimeMs;
    const t = this.targets();
    while (this.pendingAt(closeTimeMs)) {
      const action = this.#actions[this.#next++];
      switch (action.action) {
        case 'kill-switch':
          this.#lastCode = (await t.killSwitch.activate(action.reason, 'operator-script')).confirmationCode;
          break;
        case 'deactivate-kill-switch':
          if (this.#lastCode === null) {
            t.journal({type: 'error', timeMs: closeTimeMs, code: 'IFTB_E_KILL_SWITCH', message: 'deactivate scheduled but the kill switch was never activated'});
          } else {
            await t.killSwitch.deactivate(this.#lastCode, 'operator-script');
          }
          break;
        case 'pause':
          t.gate.pause('operator-script', closeTimeMs);
          break;
        case 'resume':
          t.gate.resume('operator-script', closeTimeMs);
          break;
        case 'reset-breaker':
          t.breaker.reset('operator-script', closeTimeMs);
          break;
        case 'auto-reset-breaker':
          // Only a breaker still OPEN: one that recovered on its own (cooldown, new day) is left alone.
          if (t.breaker.state === 'OPEN') t.breaker.reset(action.reason, closeTimeMs);
          break;
        case 'close-all':
          t.engine.closeAll(action.reason);
          break;
      }
    }
  }
}
