-- Undoes migrations/002_market_data.sql (drops the collected candles and funding).
BEGIN;
DROP TABLE IF EXISTS funding_rates;
DROP TABLE IF EXISTS mark_candles;
DROP TABLE IF EXISTS candles;
DELETE FROM schema_migrations WHERE version = 2;
COMMIT;
