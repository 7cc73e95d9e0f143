#!/bin/sh
# Health of a site's bot through its operations API: GET /health (200 healthy, 503 not) and
# GET /api/circuit-breaker/status. Prints ✅/❌ lines; exits 1 when the site is not healthy.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/health_check.sh --site=primary|dr [--url=URL]

  --site=SITE  primary (IFTB_PRIMARY_API_URL, default http://localhost:8000) or dr (IFTB_DR_API_URL)
  --url=URL    the API's base URL instead
IFTB_ADMIN_TOKEN, when set, is sent with the status read (required when the API is not on loopback).
USAGE
}
site=""; url=""
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --site=*) site=${arg#--site=} ;;
    --url=*) url=${arg#--url=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
[ -n "$site" ] || { usage >&2; die "--site is required"; }
[ -n "$url" ] || url=$(site_api_url "$site")
need curl "Debian: curl"

failed=0
body=$(curl -sS --max-time 10 -o - -w '\n%{http_code}' "$url/health" 2>&1) || { echo "❌ $site /health: $url unreachable ($(printf '%s' "$body" | tail -n 1))"; exit 1; }
code=$(printf '%s' "$body" | tail -n 1)
health=$(printf '%s' "$body" | sed '$d')
if [ "$code" = 200 ]; then echo "✅ $site /health: 200 $health"; else echo "❌ $site /health: $code $health"; failed=1; fi

# Reads need the bearer token when the API listens beyond loopback (the container's 0.0.0.0).
breaker=$(curl -sS --max-time 10 ${IFTB_ADMIN_TOKEN:+-H "Authorization: Bearer $IFTB_ADMIN_TOKEN"} -o - -w '\n%{http_code}' "$url/api/circuit-breaker/status" 2>&1) || breaker="$(printf '\n000')"
code=$(printf '%s' "$breaker" | tail -n 1)
state=$(printf '%s' "$breaker" | sed '$d')
if [ "$code" = 200 ]; then echo "✅ $site circuit breaker: $state"; else echo "❌ $site circuit breaker status: HTTP $code $state"; failed=1; fi
exit "$failed"
