import type {JournalSink} from '../core/index.js';
import type {TradingEngine} from '../engine/trading-engine.js';
import type {CircuitBreaker, KillSwitch, OperableTradingGate} from '../risk/index.js';
import type {OperatorAction} from './backtest-config.js';

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
  readonly #actions: OperatorAction[];
  #next = 0;
  #lastCode: string | null = null;

  constructor(actions: readonly OperatorAction[], private readonly targets: () => OperatorTargets) {
    this.#actions = [...actions].sort((a, b) => a.atMs - b.atMs);
  }

  pendingAt(closeTimeMs: number): boolean {
    return this.#next < this.#actions.length && this.#actions[this.#next].atMs <= closeTimeMs;
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
        case 'close-all':
          t.engine.closeAll(action.reason);
          break;
      }
    }
  }
}
