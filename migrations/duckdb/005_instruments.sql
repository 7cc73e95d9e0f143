-- Instrument specs from the exchange, versioned: a row is in force from as_of_ms until the next
-- row of the same (exchange, symbol). Contract rules (exchangeInfo) and leverage brackets
-- (/fapi/v1/leverageBracket, signed) come from different endpoints at different times, so each
-- has its own history; a run uses the version of each in force at its first decision bar.
-- content_hash: sha256 of the canonical JSON of the rules (or brackets); as-of and source are not in it.
CREATE TABLE instrument_specs (
  exchange              VARCHAR NOT NULL,
  symbol                VARCHAR NOT NULL,
  as_of_ms              BIGINT  NOT NULL,
  exchange_symbol       VARCHAR,
  status                VARCHAR,
  contract_type         VARCHAR,
  tick_size             DOUBLE  NOT NULL,
  min_price             DOUBLE,
  max_price             DOUBLE,
  step_size             DOUBLE  NOT NULL,
  min_qty               DOUBLE  NOT NULL,
  max_qty               DOUBLE,
  market_step_size      DOUBLE,
  market_min_qty        DOUBLE,
  market_max_qty        DOUBLE,
  min_notional          DOUBLE  NOT NULL,
  percent_price_up      DOUBLE,
  percent_price_down    DOUBLE,
  price_precision       INTEGER,
  quantity_precision    INTEGER,
  maker_fee_rate        DOUBLE  NOT NULL,
  taker_fee_rate        DOUBLE  NOT NULL,
  liquidation_fee_rate  DOUBLE  NOT NULL,
  source                VARCHAR NOT NULL,
  content_hash          VARCHAR NOT NULL,
  recorded_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
  PRIMARY KEY (exchange, symbol, as_of_ms)
);

-- Leverage brackets: [{notionalCap, maxLeverage, maintMarginRate, maintAmount}] ascending by cap.
CREATE TABLE instrument_brackets (
  exchange       VARCHAR NOT NULL,
  symbol         VARCHAR NOT NULL,
  as_of_ms       BIGINT  NOT NULL,
  brackets_json  VARCHAR NOT NULL,
  source         VARCHAR NOT NULL,
  content_hash   VARCHAR NOT NULL,
  recorded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
  PRIMARY KEY (exchange, symbol, as_of_ms)
);
