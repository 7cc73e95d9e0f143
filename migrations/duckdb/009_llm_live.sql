-- The LLM source in paper and live sessions (issue 17 §5).
-- session_id: the session whose request this was (NULL: a backtest or `iftb llm record`); a
-- session's budget is the sum of its rows, and its restart replay and `iftb live diff` read only
-- its own on-time answers. late: the answer arrived after the bar's deadline, so the bar had
-- abstained; kept for cost and audit, never replayed (by a session or a backtest).
ALTER TABLE llm_answers ADD COLUMN session_id VARCHAR;
ALTER TABLE llm_answers ADD COLUMN late BOOLEAN DEFAULT false;
-- Headlines polled from a feed: time_ms is their arrival (when the bot saw them, what prompts
-- filter on), published_ms the publisher's own time, feed the configured feed's name and item_id
-- the feed's id of the item (guid, link or headline), so a re-poll stores an item once.
ALTER TABLE news_items ADD COLUMN published_ms BIGINT;
ALTER TABLE news_items ADD COLUMN feed VARCHAR;
ALTER TABLE news_items ADD COLUMN item_id VARCHAR;
