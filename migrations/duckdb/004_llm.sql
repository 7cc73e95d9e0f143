-- Every LLM request and its outcome, for point-in-time replay in backtests. One row per HTTP
-- attempt: status 'ok' rows are what a replay uses (the latest per bar), 'invalid' and 'error'
-- rows are kept for cost and failure accounting.
CREATE SEQUENCE llm_answers_id START 1;
CREATE TABLE llm_answers (
  id                 BIGINT PRIMARY KEY DEFAULT nextval('llm_answers_id'),
  recorded_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
  prompt_id          VARCHAR NOT NULL,
  model              VARCHAR NOT NULL,
  exchange           VARCHAR NOT NULL,
  symbol             VARCHAR NOT NULL,
  timeframe          VARCHAR NOT NULL,
  -- Close time of the bar the prompt was built at: the prompt holds nothing later.
  bar_close_ms       BIGINT  NOT NULL,
  -- sha256 of the canonical request JSON (model, temperature, messages, response format).
  request_hash       VARCHAR NOT NULL,
  request_json       VARCHAR NOT NULL,
  -- The validated answer (ok), the raw reply text (invalid) or NULL (error).
  answer_json        VARCHAR,
  response_model     VARCHAR,
  latency_ms         DOUBLE  NOT NULL,
  prompt_tokens      INTEGER NOT NULL,
  completion_tokens  INTEGER NOT NULL,
  cost_usd           DOUBLE  NOT NULL,
  status             VARCHAR NOT NULL CHECK (status IN ('ok', 'invalid', 'error')),
  error              VARCHAR
);

-- Timestamped headlines for LLM prompts (`iftb data import FILE --kind news`). symbol NULL: market-wide.
CREATE TABLE news_items (
  time_ms   BIGINT  NOT NULL,
  source    VARCHAR NOT NULL,
  headline  VARCHAR NOT NULL,
  symbol    VARCHAR
);
