ALTER TABLE news_items DROP COLUMN item_id;
ALTER TABLE news_items DROP COLUMN feed;
ALTER TABLE news_items DROP COLUMN published_ms;
ALTER TABLE llm_answers DROP COLUMN late;
ALTER TABLE llm_answers DROP COLUMN session_id;
