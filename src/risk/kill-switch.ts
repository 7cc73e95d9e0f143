import {createHash, randomInt, timingSafeEqual} from 'node:crypto';
import {
  ErrorCode,
  IftbError,
  type JournalSink,
  type KillSwitchAction,
  type KillSwitchEventRecord,
  type KillSwitchRecord,
  type KillSwitchRepository,
} from '../core/index.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_PATTERN = /^[A-Z0-9]{6}$/;

/** sha256 of a secret as lowercase hex: how confirmation codes and the admin key are stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A confirmation code: 6 characters A–Z0–9 from the OS's CSPRNG. */
export function randomConfirmationCode(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Deterministic codes for backtests: 'BT0001', 'BT0002', … (prefix of 2 characters A–Z0–9). */
export function sequentialCodeGenerator(prefix = 'BT'): () => string {
  if (!/^[A-Z0-9]{2}$/.test(prefix)) throw new IftbError(ErrorCode.INPUT_INVALID, `code prefix must be 2 characters A-Z0-9, got '${prefix}'`);
  let n = 0;
  return () => `${prefix}${String(++n % 10_000).padStart(4, '0')}`;
}

export interface KillSwitchOptions {
  /** Backtests inject a deterministic generator; default: randomConfirmationCode. */
  readonly codeGenerator?: () => string;
  /** sha256 hex (hashSecret) of KILL_SWITCH_ADMIN_KEY; without it force-deactivate is refused. */
  readonly adminKeyHash?: string;
  readonly journal?: JournalSink;
  readonly now: () => number;
}

export interface KillSwitchStatus {
  readonly engaged: boolean;
  /** The activation holding the latch (null when released). */
  readonly activatedAtMs: number | null;
  readonly reason: string | null;
  readonly by: string | null;
  /** Engaged by a hand-inserted row without a code: only force-deactivate releases it. */
  readonly requiresAdminKey: boolean;
  /** The latest event of any kind. */
  readonly last: {readonly action: KillSwitchAction; readonly reason: string; readonly by: string; readonly atMs: number} | null;
}

/**
 * The kill switch: latched and persisted. Activation engages in memory first (the engine sees it
 * at the next `engaged` read even if storage fails) and then persists; deactivation persists
 * first and releases only once stored, so a storage failure never silently un-halts trading.
 * Operations run one at a time.
 */
export class KillSwitch {
  readonly #repo: KillSwitchRepository;
  readonly #options: KillSwitchOptions;
  #latest: KillSwitchRecord | null;
  #engaged: boolean;
  #activations: number;
  #queue: Promise<unknown> = Promise.resolve();
  /** Events this instance appended (a few per session), so the repository's watch never echoes them back. */
  readonly #own = new Set<string>();

  private constructor(repo: KillSwitchRepository, options: KillSwitchOptions, latest: KillSwitchRecord | null) {
    this.#repo = repo;
    this.#options = options;
    this.#latest = latest;
    this.#engaged = latest?.action === 'activate';
    this.#activations = this.#engaged ? 1 : 0;
  }

  /** Restores the latch from the repository's latest event. */
  static async open(repo: KillSwitchRepository, options: KillSwitchOptions): Promise<KillSwitch> {
    let latest: KillSwitchRecord | null;
    try {
      latest = await repo.load();
    } catch (error) {
      throw storeFailed('load', error);
    }
    return new KillSwitch(repo, options, latest);
  }

  /** Hot path: whether trading is halted by the kill switch. */
  get engaged(): boolean {
    return this.#engaged;
  }

  /** How many times the switch engaged in this process (a restored latch counts once); the gate flattens once per activation. */
  get activations(): number {
    return this.#activations;
  }

  /** Engages the switch; the confirmation code is shown once and stored only as a hash. */
  activate(reason: string, by: string): Promise<{confirmationCode: string}> {
    return this.#serial(async () => {
      if (this.#engaged) throw new IftbError(ErrorCode.KILL_SWITCH, `kill switch already active (since ${this.#latest?.atMs}, by ${this.#latest?.by}: ${this.#latest?.reason})`);
      const code = (this.#options.codeGenerator ?? randomConfirmationCode)();
      if (!CODE_PATTERN.test(code)) throw new IftbError(ErrorCode.INPUT_INVALID, 'confirmation code generator must return 6 characters A-Z0-9');
      const event: KillSwitchEventRecord = {action: 'activate', reason, by, atMs: this.#options.now(), confirmationCodeHash: hashSecret(code)};
      this.#latest = event;
      this.#engaged = true;
      this.#activations++;
      this.#journal(event);
      try {
        await this.#append(event);
      } catch (error) {
        throw storeFailed('activate (the switch is engaged in memory but not persisted; release it with force-deactivate)', error);
      }
      return {confirmationCode: code};
    });
  }

  /** Releases the switch with the confirmation code issued at activation (case-insensitive). */
  deactivate(confirmationCode: string, by: string, reason = 'confirmation code'): Promise<void> {
    return this.#serial(async () => {
      const latch = this.#requireEngaged();
      if (latch.confirmationCodeHash === null) {
        throw new IftbError(ErrorCode.KILL_SWITCH, 'kill switch was engaged without a confirmation code; use force-deactivate with the admin key');
      }
      if (!hashesEqual(hashSecret(confirmationCode.trim().toUpperCase()), latch.confirmationCodeHash)) {
        throw new IftbError(ErrorCode.KILL_SWITCH, 'wrong confirmation code');
      }
      await this.#release('deactivate', reason, by);
    });
  }

  /** Emergency bypass (runbook 긴급 우회): releases the switch with the admin key. */
  forceDeactivate(adminKey: string, by: string, reason = 'admin key'): Promise<void> {
    return this.#serial(async () => {
      this.#requireEngaged();
      const expected = this.#options.adminKeyHash;
      if (expected === undefined) throw new IftbError(ErrorCode.KILL_SWITCH, 'force-deactivate is not configured (no admin key hash)');
      if (!hashesEqual(hashSecret(adminKey), expected.toLowerCase())) throw new IftbError(ErrorCode.KILL_SWITCH, 'wrong admin key');
      await this.#release('force-deactivate', reason, by);
    });
  }

  /**
   * An event the repository's watch reported (another process: an operator's psql insert, another
   * API replica). An outside activation engages the latch (journaled; the gate flattens once per
   * activation). Releases are never taken from outside: they need the confirmation code or the
   * admin key through deactivate / forceDeactivate. Runs after any operation in flight.
   */
  observe(event: KillSwitchRecord): Promise<'engaged' | 'ignored'> {
    return this.#serial(async () => {
      if (this.#own.has(eventKey(event))) return 'ignored'; // kept: a late echo must not re-engage after a release
      if (event.action !== 'activate' || this.#engaged) return 'ignored';
      this.#latest = event;
      this.#engaged = true;
      this.#activations++;
      this.#journal(event);
      return 'engaged';
    });
  }

  status(): KillSwitchStatus {
    const latest = this.#latest;
    const latch = this.#engaged ? latest : null;
    return {
      engaged: this.#engaged,
      activatedAtMs: latch?.atMs ?? null,
      reason: latch?.reason ?? null,
      by: latch?.by ?? null,
      requiresAdminKey: latch !== null && latch.confirmationCodeHash === null,
      last: latest === null ? null : {action: latest.action, reason: latest.reason, by: latest.by, atMs: latest.atMs},
    };
  }

  #requireEngaged(): KillSwitchRecord {
    if (!this.#engaged || this.#latest === null) throw new IftbError(ErrorCode.KILL_SWITCH, 'kill switch is not active');
    return this.#latest;
  }

  async #release(action: 'deactivate' | 'force-deactivate', reason: string, by: string): Promise<void> {
    const event: KillSwitchEventRecord = {action, reason, by, atMs: this.#options.now(), confirmationCodeHash: null};
    try {
      await this.#append(event);
    } catch (error) {
      throw storeFailed(`${action} (the switch stays engaged)`, error);
    }
    this.#latest = event;
    this.#engaged = false;
    this.#journal(event);
  }

  async #append(event: KillSwitchEventRecord): Promise<void> {
    const key = eventKey(event);
    this.#own.add(key);
    try {
      await this.#repo.append(event);
    } catch (error) {
      this.#own.delete(key);
      throw error;
    }
  }

  #journal(event: KillSwitchEventRecord): void {
    this.#options.journal?.({type: 'kill-switch', timeMs: event.atMs, action: event.action, reason: event.reason, by: event.by});
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function eventKey(event: KillSwitchEventRecord): string {
  return JSON.stringify([event.action, event.atMs, event.by, event.reason, event.confirmationCodeHash]);
}

function hashesEqual(actualHex: string, expectedHex: string): boolean {
  const a = Buffer.from(actualHex, 'hex');
  const b = Buffer.from(expectedHex, 'hex');
  // Both are sha256 digests (32 bytes) unless the stored hash is malformed; never compare short.
  return a.length === 32 && b.length === 32 && timingSafeEqual(a, b);
}

function storeFailed(what: string, error: unknown): IftbError {
  return new IftbError(ErrorCode.STORE_FAILED, `kill switch ${what}: ${(error as Error)?.message ?? String(error)}`, {cause: error});
}
