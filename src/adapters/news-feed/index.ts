export {
  type FeedItem,
  type FeedRead,
  NEWS_FEED_KINDS,
  type NewsFeedConfig,
  NewsFeedSchema,
  type NewsSettings,
  NewsSettingsSchema,
  parseJsonFeed,
  parseRssFeed,
  readFeed,
} from './feed.js';
