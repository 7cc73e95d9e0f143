-- Portfolio runs: every cash row and closed trade names its symbol ('' for the account's deposit and
-- for rows written before portfolios, whose run has one symbol). DuckDB cannot add a column with a
-- constraint, so the readers treat NULL as ''.
ALTER TABLE run_cash ADD COLUMN symbol VARCHAR DEFAULT '';
ALTER TABLE run_trades ADD COLUMN symbol VARCHAR DEFAULT '';
