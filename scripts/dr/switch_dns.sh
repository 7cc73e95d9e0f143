#!/bin/sh
# Points the bot's DNS name at a site. DNS providers differ: this calls the executable named by
# IFTB_DNS_SWITCH_HOOK with the target (primary or dr-site) and refuses when none is configured.
set -eu
. "$(dirname -- "$0")/../lib.sh"

usage() {
  cat <<USAGE
usage: scripts/dr/switch_dns.sh --to=primary|dr-site

Runs "\$IFTB_DNS_SWITCH_HOOK primary|dr-site": your wrapper around the provider's CLI (e.g. an
aws route53 change-resource-record-sets call); it must exit non-zero when the change failed.
USAGE
}
to=""
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --to=*) to=${arg#--to=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
case "$to" in primary|dr-site) ;; *) usage >&2; die "--to must be primary or dr-site" ;; esac
if [ -z "${IFTB_DNS_SWITCH_HOOK:-}" ]; then
  echo "switch_dns.sh: no DNS provider configured: set IFTB_DNS_SWITCH_HOOK to an executable that points the DNS record at primary or dr-site; nothing was changed" >&2
  exit 2
fi
[ -x "$IFTB_DNS_SWITCH_HOOK" ] || die "IFTB_DNS_SWITCH_HOOK=$IFTB_DNS_SWITCH_HOOK is not an executable file"
"$IFTB_DNS_SWITCH_HOOK" "$to" || die "the DNS hook failed for --to=$to: DNS may be unchanged"
echo "✅ DNS now points at $to (via $IFTB_DNS_SWITCH_HOOK)"
