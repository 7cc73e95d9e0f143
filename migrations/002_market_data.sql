-- Live market data the bot collects: candles, mark-price candles and funding settlements.
-- Keyed like the DuckDB store; appends are idempotent (an identical row is skipped).
BEGIN;

CREATE TABLE candles (
  exchange      text NOT NULL,
  symbol        text NOT NULL,
  timeframe     text NOT NULL,
  open_time_ms  bigint NOT NULL,
  open          double precision NOT NULL,
  high          double precision NOT NULL,
  low           double precision NOT NULL,
  close         double precision NOT NULL,
  volume        double precision NOT NULL,
  PRIMARY KEY (exchange, symbol, timeframe, open_time_ms)
);

CREATE TABLE mark_candles (
  exchange      text NOT NULL,
  symbol        text NOT NULL,
  timeframe     text NOT NULL,
  open_time_ms  bigint NOT NULL,
  open          double precision NOT NULL,
  high          double precision NOT NULL,
  low           double precision NOT NULL,
  close         double precision NOT NULL,
  volume        double precision NOT NULL,
  PRIMARY KEY (exchange, symbol, timeframe, open_time_ms)
);

CREATE TABLE funding_rates (
  exchange         text NOT NULL,
  symbol           text NOT NULL,
  funding_time_ms  bigint NOT NULL,
  funding_rate     double precision NOT NULL,
  mark_price       double precision,
  PRIMARY KEY (exchange, symbol, funding_time_ms)
);

INSERT INTO schema_migrations (version, name) VALUES (2, 'market_data');
COMMIT;
