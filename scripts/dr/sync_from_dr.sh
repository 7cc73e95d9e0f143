#!/bin/sh
# After a failover, copies the DR database back to the primary: `iftb db backup` of the DR, then
# `iftb db restore` into the primary (verified table by table), then verify_db_sync.sh. The DR bot
# must be paused first (standby_mode.sh --site=dr): a database changing during the backup is refused.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/sync_from_dr.sh [--replace-primary] [--keep=DIR]

Copies IFTB_DR_DATABASE_URL into IFTB_DATABASE_URL. The primary must be empty, or give
--replace-primary to drop its schema public first (its data is lost: back it up first).
--keep=DIR keeps the intermediate backup in DIR (default: a temporary folder, removed).
USAGE
}
replace=no; keep=""
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --replace-primary) replace=yes ;;
    --keep=*) keep=${arg#--keep=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
: "${IFTB_DATABASE_URL:?IFTB_DATABASE_URL is not set (the primary database to fill)}"
: "${IFTB_DR_DATABASE_URL:?IFTB_DR_DATABASE_URL is not set (the DR database to copy)}"

if [ -n "$keep" ]; then dir=$keep; else dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; fi
out="$dir/iftb_backup_$(stamp_now)"
iftb_cli db backup --store "$IFTB_DR_DATABASE_URL" --out "$out"
tables=$(psql_url "$IFTB_DATABASE_URL" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" -gt 0 ]; then
  [ "$replace" = yes ] || die "the primary database has $tables tables: give --replace-primary to replace them (after backing it up)"
  psql_url "$IFTB_DATABASE_URL" -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public'
  echo "dropped the primary's schema public ($tables tables)"
fi
iftb_cli db restore --store "$IFTB_DATABASE_URL" "$out"
sh "$(dirname -- "$0")/verify_db_sync.sh" --primary="$IFTB_DATABASE_URL" --dr="$IFTB_DR_DATABASE_URL"
