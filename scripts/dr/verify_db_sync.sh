#!/bin/sh
# Compares the primary and the DR database: replication lag when the DR is a streaming replica, and
# every table's row count and checksum (the digest of `iftb db backup`). With the primary
# unreachable (a real failover) it checks the DR database alone and says so.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/verify_db_sync.sh [--primary=URL] [--dr=URL]

  --primary=URL  default IFTB_DATABASE_URL
  --dr=URL       default IFTB_DR_DATABASE_URL
A replica lagging more than IFTB_MAX_REPLICATION_LAG_SECONDS (300, the runbook's RPO) fails.
Tables are compared while writes are stopped (the bot paused or down); a busy primary differs.
USAGE
}
primary=${IFTB_DATABASE_URL:-}; dr=${IFTB_DR_DATABASE_URL:-}
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --primary=*) primary=${arg#--primary=} ;;
    --dr=*) dr=${arg#--dr=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
[ -n "$dr" ] || die "no DR database: set IFTB_DR_DATABASE_URL or --dr"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
table_digests "$dr" > "$work/dr" 2> "$work/dr.err" || { echo "❌ DR database $(redact "$dr"): $(head -n 1 "$work/dr.err")"; exit 1; }
echo "✅ DR database $(redact "$dr"): $(wc -l < "$work/dr" | tr -d ' ') tables"
lag=$(psql_url "$dr" -c "SELECT CASE WHEN pg_is_in_recovery() THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::bigint::text, 'unknown') ELSE 'primary' END")
max=${IFTB_MAX_REPLICATION_LAG_SECONDS:-300}
case "$lag" in
  primary) echo "ℹ️  DR database is not a replica (promoted or standalone)" ;;
  unknown) echo "❌ DR replica has replayed no transaction yet"; exit 1 ;;
  *) if [ "$lag" -gt "$max" ]; then echo "❌ DR replica lag ${lag} s (max ${max} s)"; exit 1; else echo "✅ DR replica lag ${lag} s"; fi ;;
esac

if [ -z "$primary" ]; then echo "⚠️  no primary database given (IFTB_DATABASE_URL): DR checked alone"; exit 0; fi
if ! table_digests "$primary" > "$work/primary" 2> "$work/primary.err"; then
  echo "⚠️  primary database $(redact "$primary") unreachable ($(head -n 1 "$work/primary.err")): DR checked alone"
  exit 0
fi
if cmp -s "$work/primary" "$work/dr"; then
  echo "✅ in sync: $(wc -l < "$work/primary" | tr -d ' ') tables, equal row counts and checksums"
  exit 0
fi
echo "❌ primary and DR differ:"
LC_ALL=C sort -t '|' -k 1,1 "$work/primary" > "$work/primary.sorted"
LC_ALL=C sort -t '|' -k 1,1 "$work/dr" > "$work/dr.sorted"
LC_ALL=C join -t '|' -a 1 -a 2 -e '-' -o 0,1.2,2.2,1.3,2.3 "$work/primary.sorted" "$work/dr.sorted" | while IFS='|' read -r table prow drow psha dsha; do
  [ "$prow|$psha" = "$drow|$dsha" ] || echo "   $table: primary $prow rows, DR $drow rows$( [ "$prow" = "$drow" ] && echo ' (content differs)')"
done
exit 1
