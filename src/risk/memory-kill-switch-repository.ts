import type {KillSwitchEventRecord, KillSwitchRecord, KillSwitchRepository} from '../core/index.js';

/** In-memory kill-switch log for backtests and tests; `events` is the append-only history. */
export class MemoryKillSwitchRepository implements KillSwitchRepository {
  readonly #events: KillSwitchEventRecord[] = [];

  constructor(initial: readonly KillSwitchEventRecord[] = []) {
    for (const event of initial) this.#events.push(Object.freeze({...event}));
  }

  get events(): readonly KillSwitchEventRecord[] {
    return this.#events;
  }

  async load(): Promise<KillSwitchRecord | null> {
    return this.#events.length === 0 ? null : this.#events[this.#events.length - 1];
  }

  async append(event: KillSwitchEventRecord): Promise<void> {
    this.#events.push(Object.freeze({...event}));
  }
}
