-- Optimisation sweeps (iftb optimize): the sweep's definition and every trial's parameters and results.
CREATE TABLE sweeps (
  sweep_id      VARCHAR PRIMARY KEY,
  created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
  strategy      VARCHAR NOT NULL,
  -- Base config, search space, sampler, seed, objective, walk-forward windows: all that decides the trials.
  spec_json     VARCHAR NOT NULL,
  -- sha256 of the candles, mark candles and funding the sweep loaded (workers check it before a trial).
  data_hash     VARCHAR NOT NULL,
  -- Trials requested per fold; a sweep run again with more trials is extended, not restarted.
  trials        INTEGER NOT NULL,
  status        VARCHAR NOT NULL,
  -- Best trials, deflated Sharpe, PBO and the walk-forward result, once complete.
  summary_json  VARCHAR
);

-- One row per trial; trial -1 of a fold is its out-of-sample run (walk-forward optimisation).
CREATE TABLE sweep_trials (
  sweep_id          VARCHAR NOT NULL,
  fold              INTEGER NOT NULL,
  trial             INTEGER NOT NULL,
  params_json       VARCHAR NOT NULL,
  status            VARCHAR NOT NULL,
  objective         DOUBLE,
  metrics_json      VARCHAR,
  run_id            VARCHAR,
  config_hash       VARCHAR,
  data_hash         VARCHAR,
  -- Daily returns (little-endian float64) from returns_start_ms: what deflated Sharpe and PBO read.
  returns_start_ms  BIGINT,
  returns           BLOB,
  error             VARCHAR,
  worker            VARCHAR,
  seconds           DOUBLE,
  -- The full run record (journal, trades, report) is in runs / reports/<run_id>/.
  kept              BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (sweep_id, fold, trial)
);
