/**
 * Headline feeds over HTTP: a JSON feed (an array of items, or {items: [...]}) or an RSS 2.0 /
 * Atom document. Items are validated one by one: a bad item is skipped and counted, a bad
 * document (HTTP error, not JSON, no items) is a failure of the poll, never of the bot.
 */
import {z} from 'zod';

export const NEWS_FEED_KINDS = ['json', 'rss'] as const;

/** One configured feed (live config `news.feeds[]`). */
export const NewsFeedSchema = z.strictObject({
  /** Stored with each item (news_items.feed); unique per bot. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
  kind: z.enum(NEWS_FEED_KINDS),
  url: z.url({protocol: /^https?$/}),
  /** How often it is polled. */
  pollMs: z.int().min(100).max(3_600_000).default(60_000),
  /** Per request. */
  timeoutMs: z.int().min(100).max(120_000).default(10_000),
  /** Tag the feed's items with this symbol (omitted: market-wide, every symbol's prompt sees them). */
  symbol: z.string().min(1).nullable().default(null),
  /** The source shown in prompts when an item names none (default: the feed's name). */
  source: z.string().min(1).max(64).optional(),
});
export type NewsFeedConfig = z.output<typeof NewsFeedSchema>;

export const NewsSettingsSchema = z.strictObject({feeds: z.array(NewsFeedSchema).max(32).default([])}).superRefine((s, ctx) => {
  const names = s.feeds.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) ctx.addIssue({code: 'custom', path: ['feeds'], message: `feed name '${twice}' is used twice`});
});
export type NewsSettings = z.output<typeof NewsSettingsSchema>;

/** A feed item as read (not yet stamped with its arrival). */
export interface FeedItem {
  /** The feed's id of the item: id/guid, else link, else the headline. */
  readonly itemId: string;
  readonly headline: string;
  readonly source: string;
  /** The publisher's time (epoch ms), null when absent or unreadable: informational only. */
  readonly publishedMs: number | null;
}

export interface FeedRead {
  readonly items: readonly FeedItem[];
  /** Items left out (no headline, too long, wrong types). */
  readonly invalid: number;
}

const MAX_HEADLINE = 1000;

const JsonItemSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).optional(),
  guid: z.union([z.string(), z.number()]).optional(),
  url: z.string().optional(),
  link: z.string().optional(),
  title: z.string().optional(),
  headline: z.string().optional(),
  source: z.string().max(64).optional(),
  published: z.union([z.string(), z.number()]).optional(),
  published_at: z.union([z.string(), z.number()]).optional(),
  time: z.union([z.string(), z.number()]).optional(),
}).refine((i) => (i.headline ?? i.title ?? '').trim().length > 0, {message: 'no headline or title'})
  .refine((i) => (i.headline ?? i.title ?? '').length <= MAX_HEADLINE, {message: `headline longer than ${MAX_HEADLINE} characters`});

const JsonFeedSchema = z.union([z.array(z.unknown()), z.looseObject({items: z.array(z.unknown())})]);

function timeOf(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? (value < 1e11 ? value * 1000 : value) : null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const clean = (text: string) => text.trim().replace(/\s+/g, ' ');

/** A JSON feed document. */
export function parseJsonFeed(text: string, fallbackSource: string): FeedRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  const doc = JsonFeedSchema.safeParse(value);
  if (!doc.success) throw new Error('expected an array of items or an object with `items`');
  const raw = Array.isArray(doc.data) ? doc.data : doc.data.items;
  const items: FeedItem[] = [];
  let invalid = 0;
  for (const entry of raw) {
    const parsed = JsonItemSchema.safeParse(entry);
    if (!parsed.success) {
      invalid++;
      continue;
    }
    const i = parsed.data;
    const headline = clean(i.headline ?? i.title ?? '');
    const id = i.id ?? i.guid ?? i.url ?? i.link ?? headline;
    items.push({itemId: String(id), headline, source: i.source?.trim() || fallbackSource, publishedMs: timeOf(i.published ?? i.published_at ?? i.time)});
  }
  return {items, invalid};
}

const ENTITIES: Readonly<Record<string, string>> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};

function xmlText(raw: string): string {
  const cdata = raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  return cdata
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

function tag(block: string, name: string): string | null {
  const m = block.match(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'i'));
  return m === null ? null : xmlText(m[1]);
}

/** An RSS 2.0 (<item>) or Atom (<entry>) document: title, guid/id/link, pubDate/published/updated. */
export function parseRssFeed(text: string, fallbackSource: string): FeedRead {
  if (!/<(rss|feed|rdf:RDF)[\s>]/i.test(text)) throw new Error('not an RSS or Atom document');
  const blocks = text.match(/<(item|entry)[\s>][\s\S]*?<\/\1>/gi) ?? [];
  const items: FeedItem[] = [];
  let invalid = 0;
  for (const block of blocks) {
    const headline = clean(tag(block, 'title') ?? '');
    if (headline === '' || headline.length > MAX_HEADLINE) {
      invalid++;
      continue;
    }
    const href = block.match(/<link[^>]*href="([^"]+)"/i)?.[1];
    const id = tag(block, 'guid') ?? tag(block, 'id') ?? tag(block, 'link') ?? href ?? headline;
    const published = tag(block, 'pubDate') ?? tag(block, 'published') ?? tag(block, 'updated') ?? tag(block, 'dc:date');
    items.push({itemId: clean(id) || headline, headline, source: clean(tag(block, 'source') ?? '') || fallbackSource, publishedMs: published === null ? null : timeOf(published.trim())});
  }
  return {items, invalid};
}

/** One poll: GET the feed within its timeout and read its items. Throws (one line) on any failure of the document. */
export async function readFeed(feed: NewsFeedConfig): Promise<FeedRead> {
  let response: Response;
  try {
    response = await fetch(feed.url, {signal: AbortSignal.timeout(feed.timeoutMs), headers: {accept: feed.kind === 'json' ? 'application/json' : 'application/rss+xml, application/atom+xml, text/xml'}});
  } catch (error) {
    const e = error as Error & {cause?: {message?: string}};
    throw new Error(e.name === 'TimeoutError' ? `no answer within ${feed.timeoutMs} ms` : (e.cause?.message ?? e.message));
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  const source = feed.source ?? feed.name;
  return feed.kind === 'json' ? parseJsonFeed(text, source) : parseRssFeed(text, source);
}
