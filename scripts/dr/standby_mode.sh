#!/bin/sh
# Puts a site's bot in standby: trading paused through its operations API (POST /api/trading/pause,
# positions kept), optionally the Deployment scaled to 0 (--scale-down) so it cannot resume.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/standby_mode.sh [--site=dr|primary] [--scale-down] [--context=CTX]

  --site=SITE    default dr (IFTB_DR_API_URL); primary uses IFTB_PRIMARY_API_URL
  --scale-down   then kubectl --context=CTX scale deployment/iftb --replicas=0
  --context=CTX  kube context (default dr-cluster for dr, the current one for primary)
Needs IFTB_ADMIN_TOKEN (the API's bearer token).
USAGE
}
site=dr; scale=no; context=""
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --site=*) site=${arg#--site=} ;;
    --scale-down) scale=yes ;;
    --context=*) context=${arg#--context=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
url=$(site_api_url "$site")
: "${IFTB_ADMIN_TOKEN:?IFTB_ADMIN_TOKEN is not set (the operations API bearer token)}"
need curl "Debian: curl"
reply=$(curl -sS --max-time 10 -X POST -H "Authorization: Bearer $IFTB_ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"reason":"standby_mode.sh"}' -o - -w '\n%{http_code}' "$url/api/trading/pause" 2>&1) || die "$url unreachable: $(printf '%s' "$reply" | tail -n 1)"
code=$(printf '%s' "$reply" | tail -n 1)
[ "$code" = 200 ] || die "pause on $site refused: HTTP $code $(printf '%s' "$reply" | sed '$d')"
echo "✅ $site trading paused: $(printf '%s' "$reply" | sed '$d')"
if [ "$scale" = yes ]; then
  need kubectl "https://kubernetes.io/docs/tasks/tools/"
  [ -n "$context" ] || { [ "$site" = dr ] && context=dr-cluster; }
  kubectl ${context:+--context="$context"} scale deployment/iftb --replicas=0
  echo "✅ $site deployment/iftb scaled to 0"
fi
