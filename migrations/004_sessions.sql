-- Paper and live sessions (the running bot): what a restart replays and reconciles from.
-- A session is also a runs row (mode 'paper' | 'live'), its journal, cash and trades in the
-- run tables. Undone by migrations/rollback/004_rollback.sql (the runbook's one-step rollback).
BEGIN;

CREATE TABLE sessions (
  session_id        text PRIMARY KEY REFERENCES runs (run_id),
  mode              text NOT NULL CHECK (mode IN ('paper', 'live')),
  exchange          text NOT NULL,
  account_id        text NOT NULL,
  strategy          text NOT NULL,
  strategy_version  text NOT NULL,
  -- Sorted symbols as a JSON array: part of the session key.
  symbols_json      text NOT NULL,
  timeframe         text NOT NULL,
  config_json       text NOT NULL,
  config_hash       text NOT NULL,
  models_json       text NOT NULL,
  first_bar_ms      bigint NOT NULL,
  started_ms        bigint NOT NULL,
  status            text NOT NULL CHECK (status IN ('running', 'stopped', 'stopped-final')),
  status_ms         bigint NOT NULL
);
CREATE INDEX sessions_key ON sessions (mode, exchange, account_id, strategy, timeframe, started_ms DESC);

-- One row per decided bar, committed with the bar's journal, cash and trades.
CREATE TABLE session_bars (
  session_id           text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  bar_open_ms          bigint NOT NULL,
  journal_end          integer NOT NULL,
  data_age_ms          double precision NOT NULL,
  decision_latency_ms  double precision NOT NULL,
  venue_requests       integer NOT NULL,
  venue_errors         integer NOT NULL,
  stale_data           boolean NOT NULL,
  equity               double precision NOT NULL,
  position_qty         double precision NOT NULL,
  committed_ms         bigint NOT NULL,
  PRIMARY KEY (session_id, bar_open_ms)
);

-- Operator commands in arrival order; applied_before_bar_ms is set by the bar that applied one.
CREATE TABLE session_commands (
  session_id             text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  seq                    integer NOT NULL,
  command_id             text NOT NULL,
  kind                   text NOT NULL,
  reason                 text NOT NULL,
  actor                  text NOT NULL,
  received_ms            bigint NOT NULL,
  applied_before_bar_ms  bigint,
  outcome                text,
  PRIMARY KEY (session_id, command_id)
);

-- Orders at the venue by client id, written before the request is sent ('pending').
CREATE TABLE session_orders (
  session_id               text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  client_order_id          text NOT NULL,
  order_id                 integer NOT NULL,
  symbol                   text NOT NULL,
  side                     text NOT NULL,
  type                     text NOT NULL,
  qty                      double precision NOT NULL,
  price                    double precision NOT NULL,
  stop_price               double precision NOT NULL,
  reduce_only              boolean NOT NULL,
  reason                   text NOT NULL,
  origin                   text NOT NULL,
  parent_client_order_id   text,
  state                    text NOT NULL,
  exchange_order_id        text,
  filled_qty               double precision NOT NULL,
  avg_price                double precision NOT NULL,
  created_ms               bigint NOT NULL,
  updated_ms               bigint NOT NULL,
  detail                   text,
  PRIMARY KEY (session_id, client_order_id)
);

-- Exchange executions (the venue's truth), each stored once.
CREATE TABLE session_fills (
  session_id           text NOT NULL REFERENCES sessions ON DELETE CASCADE,
  symbol               text NOT NULL,
  trade_id             text NOT NULL,
  client_order_id      text NOT NULL,
  exchange_order_id    text NOT NULL,
  side                 text NOT NULL,
  qty                  double precision NOT NULL,
  price                double precision NOT NULL,
  fee                  double precision NOT NULL,
  fee_asset            text NOT NULL,
  realized_pnl         double precision NOT NULL,
  maker                boolean NOT NULL,
  time_ms              bigint NOT NULL,
  delivered_at_bar_ms  bigint,
  PRIMARY KEY (session_id, symbol, trade_id)
);

INSERT INTO schema_migrations (version, name) VALUES (4, 'sessions');
COMMIT;
