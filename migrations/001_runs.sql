-- PostgreSQL schema of IFTB (the production store of a running bot). Applied by `iftb db migrate`
-- (each file is one transaction and records itself in schema_migrations), or by hand with
-- `psql -h localhost -U iftb -d iftb -f migrations/001_runs.sql`. Undone by migrations/rollback/001_rollback.sql.
BEGIN;

CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);

-- Backtest / paper / live runs: identity, config and results, with the journal and books behind them.
CREATE TABLE runs (
  run_id            text PRIMARY KEY,
  created_at        timestamptz NOT NULL DEFAULT now(),
  mode              text NOT NULL CHECK (mode IN ('backtest', 'paper', 'live')),
  strategy          text NOT NULL,
  strategy_version  text NOT NULL,
  exchange          text NOT NULL,
  symbol            text NOT NULL,
  timeframe         text NOT NULL,
  from_ms           bigint,
  to_ms             bigint,
  config_json       text NOT NULL,
  config_hash       text NOT NULL,
  data_hash         text NOT NULL,
  metrics_json      text NOT NULL,
  report_dir        text
);
CREATE INDEX runs_created ON runs (created_at DESC, run_id);

-- Every engine event in order (orders, fills, funding, liquidations, denials, state and breaker changes).
CREATE TABLE run_journal (
  run_id      text NOT NULL REFERENCES runs ON DELETE CASCADE,
  seq         integer NOT NULL,
  time_ms     bigint NOT NULL,
  type        text NOT NULL,
  event_json  text NOT NULL,
  PRIMARY KEY (run_id, seq)
);

-- The cash ledger: every wallet change and its cause; sums to the final wallet balance.
CREATE TABLE run_cash (
  run_id    text NOT NULL REFERENCES runs ON DELETE CASCADE,
  seq       integer NOT NULL,
  time_ms   bigint NOT NULL,
  kind      text NOT NULL,
  amount    double precision NOT NULL,
  balance   double precision NOT NULL,
  order_id  integer NOT NULL,
  symbol    text NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE run_trades (
  run_id           text NOT NULL REFERENCES runs ON DELETE CASCADE,
  trade_id         integer NOT NULL,
  side             text NOT NULL,
  qty              double precision NOT NULL,
  entry_time_ms    bigint NOT NULL,
  exit_time_ms     bigint NOT NULL,
  entry_price      double precision NOT NULL,
  exit_price       double precision NOT NULL,
  gross_pnl        double precision NOT NULL,
  fees             double precision NOT NULL,
  funding          double precision NOT NULL,
  liquidation_fee  double precision NOT NULL,
  net_pnl          double precision NOT NULL,
  entry_reason     text NOT NULL,
  exit_reason      text NOT NULL,
  bars             integer NOT NULL,
  symbol           text NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, trade_id)
);

INSERT INTO schema_migrations (version, name) VALUES (1, 'runs');
COMMIT;
