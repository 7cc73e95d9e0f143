-- Market data. No PRIMARY KEY: uniqueness of (exchange, symbol, timeframe, open_time_ms) is kept
-- by the importer's anti-join inside one transaction; an ART index would halve import throughput.
CREATE TABLE candles (
  exchange      VARCHAR NOT NULL,
  symbol        VARCHAR NOT NULL,
  timeframe     VARCHAR NOT NULL,
  open_time_ms  BIGINT  NOT NULL,
  open          DOUBLE  NOT NULL,
  high          DOUBLE  NOT NULL,
  low           DOUBLE  NOT NULL,
  close         DOUBLE  NOT NULL,
  volume        DOUBLE  NOT NULL
);

CREATE TABLE mark_candles (
  exchange      VARCHAR NOT NULL,
  symbol        VARCHAR NOT NULL,
  timeframe     VARCHAR NOT NULL,
  open_time_ms  BIGINT  NOT NULL,
  open          DOUBLE  NOT NULL,
  high          DOUBLE  NOT NULL,
  low           DOUBLE  NOT NULL,
  close         DOUBLE  NOT NULL,
  volume        DOUBLE  NOT NULL
);

CREATE TABLE funding_rates (
  exchange         VARCHAR NOT NULL,
  symbol           VARCHAR NOT NULL,
  funding_time_ms  BIGINT  NOT NULL,
  funding_rate     DOUBLE  NOT NULL,
  mark_price       DOUBLE
);

-- Shipped sample files already imported into this store (by content hash).
CREATE TABLE dataset_seeds (
  file         VARCHAR PRIMARY KEY,
  sha256       VARCHAR NOT NULL,
  imported_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
