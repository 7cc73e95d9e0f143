DROP TABLE IF EXISTS session_fills;
DROP TABLE IF EXISTS session_orders;
DROP TABLE IF EXISTS session_commands;
DROP TABLE IF EXISTS session_bars;
DROP INDEX IF EXISTS sessions_key;
DROP TABLE IF EXISTS sessions;
