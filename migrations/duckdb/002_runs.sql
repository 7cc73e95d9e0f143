-- Backtest / paper / live runs: identity, config and results, with the journal and books behind them.
CREATE TABLE runs (
  run_id            VARCHAR PRIMARY KEY,
  created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
  mode              VARCHAR NOT NULL,
  strategy          VARCHAR NOT NULL,
  strategy_version  VARCHAR NOT NULL,
  exchange          VARCHAR NOT NULL,
  symbol            VARCHAR NOT NULL,
  timeframe         VARCHAR NOT NULL,
  from_ms           BIGINT,
  to_ms             BIGINT,
  config_json       VARCHAR NOT NULL,
  config_hash       VARCHAR NOT NULL,
  data_hash         VARCHAR NOT NULL,
  metrics_json      VARCHAR NOT NULL,
  report_dir        VARCHAR
);

-- Every engine event in order (orders, fills, funding, liquidations, denials, state and breaker changes).
CREATE TABLE run_journal (
  run_id      VARCHAR NOT NULL,
  seq         INTEGER NOT NULL,
  time_ms     BIGINT  NOT NULL,
  type        VARCHAR NOT NULL,
  event_json  VARCHAR NOT NULL
);

-- The cash ledger: every wallet change and its cause; sums to the final wallet balance.
CREATE TABLE run_cash (
  run_id    VARCHAR NOT NULL,
  seq       INTEGER NOT NULL,
  time_ms   BIGINT  NOT NULL,
  kind      VARCHAR NOT NULL,
  amount    DOUBLE  NOT NULL,
  balance   DOUBLE  NOT NULL,
  order_id  INTEGER NOT NULL
);

CREATE TABLE run_trades (
  run_id           VARCHAR NOT NULL,
  trade_id         INTEGER NOT NULL,
  side             VARCHAR NOT NULL,
  qty              DOUBLE  NOT NULL,
  entry_time_ms    BIGINT  NOT NULL,
  exit_time_ms     BIGINT  NOT NULL,
  entry_price      DOUBLE  NOT NULL,
  exit_price       DOUBLE  NOT NULL,
  gross_pnl        DOUBLE  NOT NULL,
  fees             DOUBLE  NOT NULL,
  funding          DOUBLE  NOT NULL,
  liquidation_fee  DOUBLE  NOT NULL,
  net_pnl          DOUBLE  NOT NULL,
  entry_reason     VARCHAR NOT NULL,
  exit_reason      VARCHAR NOT NULL,
  bars             INTEGER NOT NULL
);
