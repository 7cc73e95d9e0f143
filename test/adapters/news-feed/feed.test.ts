import {describe, expect, it} from 'vitest';
import {NewsSettingsSchema, parseJsonFeed, parseRssFeed, readFeed} from '../../../src/adapters/news-feed/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {ErrorCode, isIftbError} from '../../../src/core/index.js';
import {unusedPort} from '../../support/openai-compatible-server.js';

describe('headline feeds', () => {
  it('reads a JSON feed (an array or {items}), skipping items without a headline and keeping the publisher time as information', () => {
    const doc = JSON.stringify({items: [
      {id: 7, title: '  BTC   breaks  out ', published: '2025-03-03T11:00:00Z', source: 'desk'},
      {headline: 'Fed holds', url: 'https://x.test/fed', time: 1741000000},
      {title: ''},
      {title: 42},
    ]});
    expect(parseJsonFeed(doc, 'wire')).toEqual({
      items: [
        {itemId: '7', headline: 'BTC breaks out', source: 'desk', publishedMs: Date.UTC(2025, 2, 3, 11)},
        {itemId: 'https://x.test/fed', headline: 'Fed holds', source: 'wire', publishedMs: 1_741_000_000_000},
      ],
      invalid: 2,
    });
    expect(parseJsonFeed('[{"title": "a"}]', 'w').items).toEqual([{itemId: 'a', headline: 'a', source: 'w', publishedMs: null}]);
    expect(() => parseJsonFeed('<html>', 'w')).toThrow(/not JSON/);
    expect(() => parseJsonFeed('{"data": []}', 'w')).toThrow('expected an array of items or an object with `items`');
  });

  it('reads RSS 2.0 and Atom: CDATA, entities, guid or link as the id', () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>
      <item><title><![CDATA[ETH & SOL rally]]></title><guid isPermaLink="false">g-1</guid><pubDate>Mon, 03 Mar 2025 11:30:00 GMT</pubDate></item>
      <item><title>Stocks &amp; bonds &#8212; flat</title><link>https://x.test/2</link></item>
      <item><description>no title</description></item>
    </channel></rss>`;
    expect(parseRssFeed(rss, 'rss')).toEqual({
      items: [
        {itemId: 'g-1', headline: 'ETH & SOL rally', source: 'rss', publishedMs: Date.UTC(2025, 2, 3, 11, 30)},
        {itemId: 'https://x.test/2', headline: 'Stocks & bonds — flat', source: 'rss', publishedMs: null},
      ],
      invalid: 1,
    });
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Halving</title><id>urn:1</id><updated>2025-03-03T10:00:00Z</updated></entry></feed>`;
    expect(parseRssFeed(atom, 'a').items).toEqual([{itemId: 'urn:1', headline: 'Halving', source: 'a', publishedMs: Date.UTC(2025, 2, 3, 10)}]);
    expect(() => parseRssFeed('{"items": []}', 'a')).toThrow('not an RSS or Atom document');
  });

  it('validates the feed config with one-line errors', () => {
    expect(NewsSettingsSchema.parse({feeds: [{name: 'wire', kind: 'rss', url: 'https://x.test/rss'}]}).feeds[0]).toEqual({
      name: 'wire', kind: 'rss', url: 'https://x.test/rss', pollMs: 60_000, timeoutMs: 10_000, symbol: null,
    });
    const refused = (news: unknown) => {
      try {
        parseLiveConfig({strategy: 'sma-cross', news});
      } catch (error) {
        expect(isIftbError(error) && error.code).toBe(ErrorCode.CONFIG_INVALID);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({feeds: [{name: 'w', kind: 'atom', url: 'https://x.test'}]})).toMatch(/news.*kind/);
    expect(refused({feeds: [{name: 'w', kind: 'json', url: 'ftp://x.test'}]})).toMatch(/url/);
    expect(refused({feeds: [{name: 'w', kind: 'json', url: 'https://a.test'}, {name: 'w', kind: 'rss', url: 'https://b.test'}]})).toContain("feed name 'w' is used twice");
  });

  it('a feed that does not answer fails the poll with one line', async () => {
    const port = await unusedPort();
    await expect(readFeed({name: 'x', kind: 'json', url: `http://127.0.0.1:${port}/`, pollMs: 1000, timeoutMs: 500, symbol: null})).rejects.toThrow(/ECONNREFUSED/);
  });
});
