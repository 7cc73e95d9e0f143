/**
 * Delivers alerts off the trading loop: `dispatch` only queues. Each channel has its own queue,
 * worked one message at a time, so a channel that hangs or answers 500 delays only its own
 * messages. Each attempt is bounded by a timeout, failures are retried with backoff (honouring a
 * 429's retry-after), and a channel sends at most `maxPerMinute` messages (the rest are dropped,
 * counted as failed and summarised in the next message). Outcomes are reported through callbacks.
 */
import {AlertDeliveryError, type AlertChannel, type AlertChannelName, type AlertLevelName} from './channels.js';

export interface AlertMessage {
  readonly level: AlertLevelName;
  readonly text: string;
}

export interface DispatcherOptions {
  /** Per attempt (default 5 000 ms). */
  readonly timeoutMs?: number;
  /** Attempts after the first (default 2). */
  readonly retries?: number;
  /** First backoff; doubles per retry (default 1 000 ms), at most 30 s. */
  readonly backoffMs?: number;
  /** Messages per channel per rolling minute (default 20). */
  readonly maxPerMinute?: number;
  /** Queued messages per channel; the oldest is dropped past it (default 100). */
  readonly maxQueue?: number;
  readonly onSent?: (channel: AlertChannelName, level: AlertLevelName) => void;
  readonly onFailed?: (channel: AlertChannelName, level: AlertLevelName, reason: string) => void;
}

const LEVEL_MARK: Readonly<Record<AlertLevelName, string>> = {warning: '[WARNING]', critical: '[CRITICAL]'};

interface Lane {
  readonly channel: AlertChannel;
  readonly queue: AlertMessage[];
  readonly sentAt: number[];
  running: Promise<void> | null;
  dropped: number;
}

export class AlertDispatcher {
  readonly #lanes: Lane[];
  readonly #o: Required<Omit<DispatcherOptions, 'onSent' | 'onFailed'>> & Pick<DispatcherOptions, 'onSent' | 'onFailed'>;
  readonly #aborts = new Set<AbortController>();
  #closed = false;

  constructor(channels: readonly AlertChannel[], options: DispatcherOptions = {}) {
    this.#lanes = channels.map((channel) => ({channel, queue: [], sentAt: [], running: null, dropped: 0}));
    this.#o = {timeoutMs: 5000, retries: 2, backoffMs: 1000, maxPerMinute: 20, maxQueue: 100, ...options};
  }

  get channels(): readonly AlertChannelName[] {
    return this.#lanes.map((l) => l.channel.name);
  }

  /** Queues the message for every channel that takes its level; returns at once. */
  dispatch(message: AlertMessage): void {
    if (this.#closed) return;
    for (const lane of this.#lanes) {
      if (!lane.channel.levels.includes(message.level)) continue;
      lane.queue.push(message);
      while (lane.queue.length > this.#o.maxQueue) this.#fail(lane, lane.queue.shift()!, 'queue full');
      lane.running ??= this.#work(lane).finally(() => {
        lane.running = null;
      });
    }
  }

  /** Sends one message to each channel now (`iftb alerts test`), with the retries; resolves per channel. */
  async sendNow(text: string, level: AlertLevelName = 'warning'): Promise<{channel: AlertChannelName; ok: boolean; error?: string}[]> {
    return Promise.all(
      this.#lanes.map(async (lane) => {
        try {
          await this.#deliver(lane.channel, `${LEVEL_MARK[level]} ${text}`);
          this.#o.onSent?.(lane.channel.name, level);
          return {channel: lane.channel.name, ok: true};
        } catch (error) {
          const reason = (error as Error).message;
          this.#o.onFailed?.(lane.channel.name, level, reason);
          return {channel: lane.channel.name, ok: false, error: reason};
        }
      }),
    );
  }

  /** Resolves when every queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = this.#lanes.map((l) => l.running).filter((r): r is Promise<void> => r !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Gives queued messages up to `graceMs` (default 2 s), then aborts what is in flight. */
  async close(graceMs = 2000): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const a of this.#aborts) a.abort();
    for (const lane of this.#lanes) lane.queue.length = 0;
    await this.idle();
  }

  async #work(lane: Lane): Promise<void> {
    while (lane.queue.length > 0) {
      const message = lane.queue.shift()!;
      const now = Date.now();
      while (lane.sentAt.length > 0 && now - lane.sentAt[0] >= 60_000) lane.sentAt.shift();
      if (lane.sentAt.length >= this.#o.maxPerMinute) {
        this.#fail(lane, message, `rate limit (${this.#o.maxPerMinute} per minute)`);
        lane.dropped++;
        continue;
      }
      lane.sentAt.push(now);
      const suppressed = lane.dropped > 0 ? ` (${lane.dropped} earlier alerts suppressed by the rate limit)` : '';
      try {
        await this.#deliver(lane.channel, `${LEVEL_MARK[message.level]} ${message.text}${suppressed}`);
        lane.dropped = 0;
        this.#o.onSent?.(lane.channel.name, message.level);
      } catch (error) {
        this.#fail(lane, message, (error as Error).message);
      }
    }
  }

  /** One message, with the retries; rejects with the last failure. */
  async #deliver(channel: AlertChannel, text: string): Promise<void> {
    let backoff = this.#o.backoffMs;
    for (let attempt = 0; ; attempt++) {
      const abort = new AbortController();
      this.#aborts.add(abort);
      const timer = setTimeout(() => abort.abort(), this.#o.timeoutMs);
      try {
        await channel.send(text, abort.signal);
        return;
      } catch (error) {
        const retryable = !(error instanceof AlertDeliveryError) || error.retryable;
        if (!retryable || attempt >= this.#o.retries || this.#closed) throw error;
        const wait = Math.min(30_000, error instanceof AlertDeliveryError && error.retryAfterMs !== null ? error.retryAfterMs : backoff);
        backoff *= 2;
        await this.#sleep(wait);
      } finally {
        clearTimeout(timer);
        this.#aborts.delete(abort);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    const abort = new AbortController();
    this.#aborts.add(abort);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => this.#aborts.delete(abort));
  }

  #fail(lane: Lane, message: AlertMessage, reason: string): void {
    this.#o.onFailed?.(lane.channel.name, message.level, reason);
  }
}
