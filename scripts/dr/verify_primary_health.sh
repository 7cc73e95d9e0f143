#!/bin/sh
# Before moving back to the primary site: its database (reachable, no pending migration), its Redis
# (PING) and, when its bot runs, its API (health_check.sh --site=primary). Exits 1 on any ❌.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/verify_primary_health.sh [--skip-api]

Checks IFTB_DATABASE_URL (iftb db status), IFTB_REDIS_URL (redis-cli PING) and, unless --skip-api
(the primary bot is not started yet), scripts/dr/health_check.sh --site=primary.
USAGE
}
api=yes
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --skip-api) api=no ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
: "${IFTB_DATABASE_URL:?IFTB_DATABASE_URL is not set (the primary database)}"
: "${IFTB_REDIS_URL:?IFTB_REDIS_URL is not set (the primary Redis)}"
failed=0
if status=$(iftb_cli db status --store "$IFTB_DATABASE_URL" 2>&1); then
  pending=$(printf '%s\n' "$status" | grep -c 'pending' || true)
  if [ "$pending" -eq 0 ]; then echo "✅ primary database: $(redact "$IFTB_DATABASE_URL"), every migration applied"
  else echo "❌ primary database: $pending pending migration(s): iftb db migrate --store …"; failed=1; fi
else
  echo "❌ primary database: $(printf '%s' "$status" | tail -n 1)"; failed=1
fi
need redis-cli "Debian: redis-tools"
if [ "$(redis-cli -u "$IFTB_REDIS_URL" --no-auth-warning PING 2>&1)" = PONG ]; then echo "✅ primary Redis: PONG"
else echo "❌ primary Redis: no PONG from $(redact "$IFTB_REDIS_URL")"; failed=1; fi
if [ "$api" = yes ]; then sh "$(dirname -- "$0")/health_check.sh" --site=primary || failed=1; fi
exit "$failed"
