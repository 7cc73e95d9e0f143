/** What an operator did to the kill switch (the runbook's `kill_switch_events` rows). */
export type KillSwitchAction = 'activate' | 'deactivate' | 'force-deactivate';

/** One appended event; the log is append-only and the latest event decides the state. */
export interface KillSwitchEventRecord {
  readonly action: KillSwitchAction;
  readonly reason: string;
  /** Who acted: an operator name, 'api', 'engine', 'breaker', … */
  readonly by: string;
  /** Epoch milliseconds (UTC). */
  readonly atMs: number;
  /**
   * sha256 (lowercase hex) of the confirmation code issued on 'activate'; null on deactivations
   * and on an activation inserted by hand (then only force-deactivate releases it).
   */
  readonly confirmationCodeHash: string | null;
}

/** The latest event; the kill switch is engaged exactly when its action is 'activate'. */
export type KillSwitchRecord = KillSwitchEventRecord;

/** Persistence of the kill switch latch (memory for backtests, DuckDB or PostgreSQL live). */
export interface KillSwitchRepository {
  /** The latest event, or null when the switch was never used. */
  load(): Promise<KillSwitchRecord | null>;
  /** Appends an event durably; rejects (ideally with IFTB_E_STORE_FAILED) when it cannot. */
  append(event: KillSwitchEventRecord): Promise<void>;
  /**
   * Calls `onEvent` for every event appended after the watch started, by this process or any
   * other (an operator's psql insert), each once and in order. PostgreSQL: LISTEN/NOTIFY with
   * polling as the fallback; DuckDB and memory: polling / in-process. Start watching before
   * loading the latch so no event falls between the two.
   */
  watch(onEvent: (event: KillSwitchRecord) => void, options?: KillSwitchWatchOptions): Promise<KillSwitchWatch>;
}

export interface KillSwitchWatchOptions {
  /** How often the fallback poll runs (PostgreSQL also polls while LISTEN is down). Default 1000 ms. */
  readonly pollMs?: number;
  /** Called when watching itself fails (store unreachable); the watch keeps retrying. */
  readonly onError?: (error: Error) => void;
}

export interface KillSwitchWatch {
  /** 'listen' while a LISTEN connection is up, 'poll' otherwise. */
  mode(): 'listen' | 'poll';
  close(): Promise<void>;
}
