-- The runbook's kill-switch table. A row inserted by hand (activated_at, reason) engages the
-- kill switch: the latest row decides, and 'activate' is the default action.
CREATE SEQUENCE kill_switch_events_id START 1;
CREATE TABLE kill_switch_events (
  id                      BIGINT PRIMARY KEY DEFAULT nextval('kill_switch_events_id'),
  activated_at            TIMESTAMP NOT NULL DEFAULT current_timestamp,
  reason                  VARCHAR NOT NULL,
  action                  VARCHAR NOT NULL DEFAULT 'activate',
  actor                   VARCHAR NOT NULL DEFAULT 'operator',
  confirmation_code_hash  VARCHAR
);
