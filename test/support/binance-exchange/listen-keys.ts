import {randomBytes} from 'node:crypto';
import {MSG, reject} from './reject.js';

/** Binance keeps a listenKey 60 minutes after its creation or last keepalive. */
export const LISTEN_KEY_VALIDITY_MS = 60 * 60_000;

/**
 * The account's user-data stream keys. Validity runs on the wall clock, not the exchange clock:
 * a test that drives a day of candles in a second should not see its key expire; expiry is a
 * fault the test injects (or a real hour of silence).
 */
export class ListenKeys {
  private readonly keys = new Map<string, number>();

  /** POST: the live key, extended, or a new one. */
  create(): string {
    for (const key of this.keys.keys()) {
      if (this.isLive(key)) {
        this.keys.set(key, Date.now() + LISTEN_KEY_VALIDITY_MS);
        return key;
      }
    }
    const key = randomBytes(48).toString('base64url').slice(0, 64);
    this.keys.set(key, Date.now() + LISTEN_KEY_VALIDITY_MS);
    return key;
  }

  /** PUT: extends a live key; -1125 otherwise. */
  keepalive(key: string | undefined): void {
    if (key === undefined || !this.isLive(key)) reject(-1125, MSG.listenKey);
    this.keys.set(key as string, Date.now() + LISTEN_KEY_VALIDITY_MS);
  }

  remove(key: string | undefined): void {
    if (key !== undefined) this.keys.delete(key);
  }

  isLive(key: string): boolean {
    const until = this.keys.get(key);
    return until !== undefined && until > Date.now();
  }

  /** Expires the live keys now; returns them. */
  expireAll(): string[] {
    const live = [...this.keys.keys()].filter((key) => this.isLive(key));
    for (const key of live) this.keys.set(key, 0);
    return live;
  }
}
