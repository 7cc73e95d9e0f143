#!/bin/sh
# Checks the newest PostgreSQL, Redis and model backups: present, not older than their schedule
# allows, and intact (sha256, pg_restore --list, redis-check-rdb, tar -t). Prints the runbook's
# ✅ / ❌ lines; exits 1 when any check fails.
set -eu
. "$(dirname -- "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/check_backups.sh [--dest=DIR]

  --dest=DIR  backup folder (default \$IFTB_BACKUP_DIR, else /backup), as written by scripts/backup.sh
Maximum ages in hours: IFTB_MAX_AGE_POSTGRES_HOURS (26: daily + slack), IFTB_MAX_AGE_REDIS_HOURS (2: hourly),
IFTB_MAX_AGE_MODELS_HOURS (26). With IFTB_MODELS_DIR readable, a models backup older than the newest
file in the registry (a model version not backed up yet) also fails.
USAGE
}
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --dest=*) BACKUP_DIR=${arg#--dest=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

failed=0
now=$(date -u +%s)
ok() { echo "✅ $1: $2"; }
bad() { echo "❌ $1: $2"; failed=1; }

# fresh LABEL ENTRY MAX_HOURS: the entry's stamp is within MAX_HOURS of now.
fresh() {
  epoch=$(stamp_epoch "$(stamp_of "$2")")
  if [ -z "$epoch" ]; then bad "$1" "$2 has no valid timestamp in its name"; return 1; fi
  age=$(( (now - epoch) / 3600 ))
  if [ $((now - epoch)) -gt $(($3 * 3600)) ]; then bad "$1" "$(stamp_human "$(stamp_of "$2")") is ${age} h old (max $3 h) in $2"; return 1; fi
}

sha_ok() { (cd "$(dirname -- "$1")" && sha256sum --status -c "$(basename -- "$1").sha256" 2>/dev/null); }

label="PostgreSQL daily backup"
entry=$(latest "$BACKUP_DIR/postgres" "$PG_PATTERN")
if [ -z "$entry" ]; then bad "$label" "none in $BACKUP_DIR/postgres"
elif fresh "$label" "$entry" "${IFTB_MAX_AGE_POSTGRES_HOURS:-26}"; then
  expected=$(sed -n 's/.*"dumpSha256": *"\([0-9a-f]\{64\}\)".*/\1/p' "$entry/manifest.json" 2>/dev/null || true)
  actual=$(sha256sum "$entry/iftb.dump" 2>/dev/null | cut -d' ' -f1 || true)
  if [ -z "$expected" ]; then bad "$label" "$entry/manifest.json is missing or has no dumpSha256"
  elif [ "$expected" != "$actual" ]; then bad "$label" "$entry/iftb.dump does not match its manifest's sha256 (corrupt)"
  elif command -v pg_restore >/dev/null 2>&1 && ! pg_restore --list "$entry/iftb.dump" >/dev/null 2>&1; then bad "$label" "pg_restore cannot read $entry/iftb.dump"
  else ok "$label" "$(stamp_human "$(stamp_of "$entry")")"
  fi
fi

label="Redis snapshot"
entry=$(latest "$BACKUP_DIR/redis" "$REDIS_PATTERN")
if [ -z "$entry" ]; then bad "$label" "none in $BACKUP_DIR/redis"
elif fresh "$label" "$entry" "${IFTB_MAX_AGE_REDIS_HOURS:-2}"; then
  if ! sha_ok "$entry"; then bad "$label" "$entry does not match $entry.sha256 (corrupt or no checksum)"
  elif command -v redis-check-rdb >/dev/null 2>&1 && ! redis-check-rdb "$entry" >/dev/null 2>&1; then bad "$label" "redis-check-rdb rejects $entry"
  else ok "$label" "$(stamp_human "$(stamp_of "$entry")")"
  fi
fi

label="ML models backup"
entry=$(latest "$BACKUP_DIR/models" "$MODELS_PATTERN")
models=${IFTB_MODELS_DIR:-}
if [ -z "$entry" ]; then bad "$label" "none in $BACKUP_DIR/models"
elif fresh "$label" "$entry" "${IFTB_MAX_AGE_MODELS_HOURS:-26}"; then
  newer=""
  if [ -n "$models" ] && [ -d "$models" ]; then newer=$(find "$models" -type f -newer "$entry" | head -n 1); fi
  if ! sha_ok "$entry"; then bad "$label" "$entry does not match $entry.sha256 (corrupt or no checksum)"
  elif ! tar -tzf "$entry" >/dev/null 2>&1; then bad "$label" "tar cannot read $entry"
  elif [ -n "$newer" ]; then bad "$label" "$newer changed after the newest backup $entry (run scripts/backup.sh --only=models)"
  else ok "$label" "$(stamp_human "$(stamp_of "$entry")")"
  fi
fi

exit "$failed"
