-- Undoes migrations/001_runs.sql (drops every run, its journal, cash ledger and trades).
BEGIN;
DROP TABLE IF EXISTS run_trades;
DROP TABLE IF EXISTS run_cash;
DROP TABLE IF EXISTS run_journal;
DROP TABLE IF EXISTS runs;
DELETE FROM schema_migrations WHERE version = 1;
COMMIT;
