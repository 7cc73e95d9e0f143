/**
 * The kill switch as the trading gate of a running session sees it. While a restarted session
 * replays its committed bars, the switch engages and releases exactly as the stored commands say
 * (a ReplaySwitch); then the persisted switch takes over. Activations are counted here, from what
 * the gate observes, so taking over an engaged switch that the replay already flattened does not
 * flatten again, while one engaged while the bot was down (a psql insert) does.
 */
import type {GateKillSwitch} from '../risk/index.js';

/** The switch of a replay: engaged and released only by replayed commands. */
export class ReplaySwitch implements GateKillSwitch {
  engaged = false;
  activations = 0;

  engage(): void {
    if (!this.engaged) this.activations++;
    this.engaged = true;
  }

  release(): void {
    this.engaged = false;
  }
}

export class KillSwitchRelay implements GateKillSwitch {
  #current: GateKillSwitch;
  #activations = 0;
  #last = false;

  constructor(initial: GateKillSwitch) {
    this.#current = initial;
  }

  get engaged(): boolean {
    const engaged = this.#current.engaged;
    if (engaged && !this.#last) this.#activations++;
    this.#last = engaged;
    return engaged;
  }

  get activations(): number {
    void this.engaged;
    return this.#activations;
  }

  /** From now on the gate follows `next`. */
  use(next: GateKillSwitch): void {
    this.#current = next;
  }
}
