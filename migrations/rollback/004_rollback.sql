-- Undoes migrations/004_sessions.sql: drops the paper/live session state (bars, commands,
-- orders, fills). The sessions' runs rows, journals and cash ledgers (migration 001) stay.
--   psql -h localhost -U iftb -d iftb -f migrations/rollback/004_rollback.sql
BEGIN;
DROP TABLE IF EXISTS session_fills;
DROP TABLE IF EXISTS session_orders;
DROP TABLE IF EXISTS session_commands;
DROP TABLE IF EXISTS session_bars;
DROP TABLE IF EXISTS sessions;
DELETE FROM schema_migrations WHERE version = 4;
COMMIT;
