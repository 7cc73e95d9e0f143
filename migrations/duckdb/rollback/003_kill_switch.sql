DROP TABLE IF EXISTS kill_switch_events;
DROP SEQUENCE IF EXISTS kill_switch_events_id;
