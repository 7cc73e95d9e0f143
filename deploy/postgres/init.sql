-- Creates the role and database IFTB's production store uses (the runbook's `-U iftb -d iftb`).
-- Run once as a superuser; safe to run again:
--   psql -h localhost -U postgres -v iftb_password="'secret'" -f deploy/postgres/init.sql
-- Without -v iftb_password the role has no password (fine with trust auth on a dev machine only).
-- Then create the schema as iftb: `iftb db migrate --store postgres://iftb@localhost:5432/iftb`.
\set ON_ERROR_STOP on

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iftb') AS create_role \gset
\if :create_role
  CREATE ROLE iftb LOGIN;
\endif
\if :{?iftb_password}
  ALTER ROLE iftb PASSWORD :iftb_password;
\endif

SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'iftb') AS create_db \gset
\if :create_db
  CREATE DATABASE iftb OWNER iftb;
\endif
-- The bot's tables live in schema public of database iftb, owned by iftb (PostgreSQL 15 lets the
-- database owner create there).
