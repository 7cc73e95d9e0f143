/**
 * Headline feeds polled into the news table while a session runs. Each new item is stored with
 * its arrival time (the session's exchange clock when the poll answered), not the publisher's:
 * a prompt at a bar's close reads items that arrived at or before it, so a replay, a diff or an
 * offline rebuild of the prompt sees exactly what the bot saw. A feed that fails is logged and
 * polled again at its next tick; it never stops trading. (Failures are logged and counted, not
 * journaled: they happen between bars, and a restart replay could not reproduce them.)
 */
import type {DuckDbNewsStore} from '../adapters/duckdb/index.js';
import {type FeedRead, type NewsFeedConfig, readFeed} from '../adapters/news-feed/index.js';

export interface NewsFeedEvents {
  /** A poll answered: `stored` new items (of `items` read, `invalid` skipped). */
  polled?(feed: string, info: {readonly items: number; readonly stored: number; readonly invalid: number}): void;
  failed?(feed: string, reason: string): void;
}

export interface NewsFeedPollerOptions {
  /** Arrival clock (the session's exchange time). */
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** The HTTP read (tests may swap it); default readFeed. */
  readonly read?: (feed: NewsFeedConfig) => Promise<FeedRead>;
}

export class NewsFeedPoller {
  readonly #feeds: readonly NewsFeedConfig[];
  readonly #store: DuckDbNewsStore;
  readonly #o: NewsFeedPollerOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #seen = new Map<string, Set<string>>();
  readonly #inFlight = new Set<string>();
  readonly #failing = new Set<string>();
  readonly #listeners: NewsFeedEvents[] = [];
  /** Writes of items that already arrived: a prompt waits for them. */
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(feeds: readonly NewsFeedConfig[], store: DuckDbNewsStore, options: NewsFeedPollerOptions) {
    this.#feeds = feeds;
    this.#store = store;
    this.#o = options;
  }

  listen(listener: NewsFeedEvents): void {
    this.#listeners.push(listener);
  }

  /** Loads the ids already stored (a restart keeps first arrivals), polls each feed once now, then on its interval. */
  async start(): Promise<void> {
    for (const feed of this.#feeds) this.#seen.set(feed.name, await this.#store.feedItemIds(feed.name));
    for (const feed of this.#feeds) {
      void this.poll(feed);
      const timer = setInterval(() => void this.poll(feed), feed.pollMs);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** One poll of a feed (skipped while the previous one is still out). */
  async poll(feed: NewsFeedConfig): Promise<void> {
    if (this.#closed || this.#inFlight.has(feed.name)) return;
    this.#inFlight.add(feed.name);
    try {
      let read: FeedRead;
      try {
        read = await (this.#o.read ?? readFeed)(feed);
      } catch (error) {
        return this.#failed(feed, (error as Error).message);
      }
      const arrivalMs = this.#o.now();
      const seen = this.#seen.get(feed.name) ?? new Set<string>();
      const fresh = read.items.filter((i) => !seen.has(i.itemId) && (seen.add(i.itemId), true));
      const write = fresh.length === 0 ? Promise.resolve(0) : this.#store.appendArrived(fresh.map((i) => ({
        feed: feed.name, itemId: i.itemId, arrivalMs, publishedMs: i.publishedMs, source: i.source, headline: i.headline, symbol: feed.symbol,
      })));
      this.#writes = Promise.all([this.#writes, write.catch(() => 0)]);
      let stored: number;
      try {
        stored = await write;
      } catch (error) {
        for (const i of fresh) seen.delete(i.itemId);
        return this.#failed(feed, `not stored: ${(error as Error).message}`);
      }
      if (this.#failing.delete(feed.name)) this.#o.log(`news feed ${feed.name} answers again`);
      for (const l of this.#listeners) l.polled?.(feed.name, {items: read.items.length, stored, invalid: read.invalid});
    } finally {
      this.#inFlight.delete(feed.name);
    }
  }

  /** Resolves once every headline that already arrived is in the store. */
  async settle(): Promise<void> {
    await this.#writes;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#writes;
  }

  #failed(feed: NewsFeedConfig, reason: string): void {
    // One line when a feed starts failing, not one per poll.
    if (!this.#failing.has(feed.name)) this.#o.log(`news feed ${feed.name} failed (${reason}); polled again every ${feed.pollMs} ms, trading goes on`);
    this.#failing.add(feed.name);
    for (const l of this.#listeners) l.failed?.(feed.name, reason);
  }
}
