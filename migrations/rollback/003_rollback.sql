-- Undoes migrations/003_kill_switch.sql (drops the kill-switch history: the latch is lost).
BEGIN;
DROP TABLE IF EXISTS kill_switch_events;
DROP FUNCTION IF EXISTS kill_switch_events_notify();
DROP FUNCTION IF EXISTS kill_switch_events_guard();
DELETE FROM schema_migrations WHERE version = 3;
COMMIT;
