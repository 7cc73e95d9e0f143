-- Paper and live sessions (the running bot): what a restart replays and reconciles from. The
-- same tables as PostgreSQL migration 004 (migrations/004_sessions.sql); a session is also a
-- runs row (mode 'paper' | 'live') with its journal, cash and trades in the run tables.
CREATE TABLE sessions (
  session_id        VARCHAR PRIMARY KEY,
  mode              VARCHAR NOT NULL CHECK (mode IN ('paper', 'live')),
  exchange          VARCHAR NOT NULL,
  account_id        VARCHAR NOT NULL,
  strategy          VARCHAR NOT NULL,
  strategy_version  VARCHAR NOT NULL,
  -- Sorted symbols as a JSON array: part of the session key.
  symbols_json      VARCHAR NOT NULL,
  timeframe         VARCHAR NOT NULL,
  config_json       VARCHAR NOT NULL,
  config_hash       VARCHAR NOT NULL,
  models_json       VARCHAR NOT NULL,
  first_bar_ms      BIGINT NOT NULL,
  started_ms        BIGINT NOT NULL,
  status            VARCHAR NOT NULL CHECK (status IN ('running', 'stopped', 'stopped-final')),
  status_ms         BIGINT NOT NULL
);
CREATE INDEX sessions_key ON sessions (mode, exchange, account_id, strategy, timeframe, started_ms);

-- One row per decided bar, committed with the bar's journal, cash and trades.
CREATE TABLE session_bars (
  session_id           VARCHAR NOT NULL,
  bar_open_ms          BIGINT NOT NULL,
  journal_end          INTEGER NOT NULL,
  data_age_ms          DOUBLE NOT NULL,
  decision_latency_ms  DOUBLE NOT NULL,
  venue_requests       INTEGER NOT NULL,
  venue_errors         INTEGER NOT NULL,
  stale_data           BOOLEAN NOT NULL,
  equity               DOUBLE NOT NULL,
  position_qty         DOUBLE NOT NULL,
  committed_ms         BIGINT NOT NULL,
  PRIMARY KEY (session_id, bar_open_ms)
);

-- Operator commands in arrival order; applied_before_bar_ms is set by the bar that applied one.
CREATE TABLE session_commands (
  session_id             VARCHAR NOT NULL,
  seq                    INTEGER NOT NULL,
  command_id             VARCHAR NOT NULL,
  kind                   VARCHAR NOT NULL,
  reason                 VARCHAR NOT NULL,
  actor                  VARCHAR NOT NULL,
  received_ms            BIGINT NOT NULL,
  applied_before_bar_ms  BIGINT,
  outcome                VARCHAR,
  PRIMARY KEY (session_id, command_id)
);

-- Orders at the venue by client id, written before the request is sent ('pending').
CREATE TABLE session_orders (
  session_id               VARCHAR NOT NULL,
  client_order_id          VARCHAR NOT NULL,
  order_id                 INTEGER NOT NULL,
  symbol                   VARCHAR NOT NULL,
  side                     VARCHAR NOT NULL,
  type                     VARCHAR NOT NULL,
  qty                      DOUBLE NOT NULL,
  price                    DOUBLE NOT NULL,
  stop_price               DOUBLE NOT NULL,
  reduce_only              BOOLEAN NOT NULL,
  reason                   VARCHAR NOT NULL,
  origin                   VARCHAR NOT NULL,
  parent_client_order_id   VARCHAR,
  state                    VARCHAR NOT NULL,
  exchange_order_id        VARCHAR,
  filled_qty               DOUBLE NOT NULL,
  avg_price                DOUBLE NOT NULL,
  created_ms               BIGINT NOT NULL,
  updated_ms               BIGINT NOT NULL,
  detail                   VARCHAR,
  PRIMARY KEY (session_id, client_order_id)
);

-- Exchange executions (the venue's truth), each stored once.
CREATE TABLE session_fills (
  session_id           VARCHAR NOT NULL,
  symbol               VARCHAR NOT NULL,
  trade_id             VARCHAR NOT NULL,
  client_order_id      VARCHAR NOT NULL,
  exchange_order_id    VARCHAR NOT NULL,
  side                 VARCHAR NOT NULL,
  qty                  DOUBLE NOT NULL,
  price                DOUBLE NOT NULL,
  fee                  DOUBLE NOT NULL,
  fee_asset            VARCHAR NOT NULL,
  realized_pnl         DOUBLE NOT NULL,
  maker                BOOLEAN NOT NULL,
  time_ms              BIGINT NOT NULL,
  delivered_at_bar_ms  BIGINT,
  PRIMARY KEY (session_id, symbol, trade_id)
);
