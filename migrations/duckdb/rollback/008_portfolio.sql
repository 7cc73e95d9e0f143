ALTER TABLE run_trades DROP COLUMN symbol;
ALTER TABLE run_cash DROP COLUMN symbol;
