#!/bin/sh
# First start of the postgres container (docker-entrypoint-initdb.d): runs init.sql with the iftb
# role's password from IFTB_DB_PASSWORD (.env), so the bot can log in over the compose network.
set -eu
: "${IFTB_DB_PASSWORD:?IFTB_DB_PASSWORD is not set}"
quoted=$(printf '%s' "$IFTB_DB_PASSWORD" | sed "s/'/''/g")
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres -v iftb_password="'$quoted'" -f /iftb/init.sql
