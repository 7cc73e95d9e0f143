import type {KillSwitchEventRecord, KillSwitchRecord, KillSwitchRepository, KillSwitchWatch} from '../core/index.js';

/** In-memory kill-switch log for backtests and tests; `events` is the append-only history. */
export class MemoryKillSwitchRepository implements KillSwitchRepository {
  readonly #events: KillSwitchEventRecord[] = [];
  readonly #watchers = new Set<(event: KillSwitchRecord) => void>();

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
    const stored = Object.freeze({...event});
    this.#events.push(stored);
    // Like NOTIFY after COMMIT: watchers hear of it after the append resolved.
    for (const watcher of this.#watchers) queueMicrotask(() => watcher(stored));
  }

  async watch(onEvent: (event: KillSwitchRecord) => void): Promise<KillSwitchWatch> {
    this.#watchers.add(onEvent);
    return {mode: () => 'listen', close: async () => void this.#watchers.delete(onEvent)};
  }
}
