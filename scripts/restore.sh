#!/bin/sh
# Restores backups written by scripts/backup.sh. Each source is checked before anything is written:
# PostgreSQL through `iftb db restore` (sha256 of the dump, empty target database, then every
# table's row count and checksum against the manifest), Redis and models by their .sha256.
set -eu
. "$(dirname -- "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/restore.sh [--dest=DIR] [--postgres[=ENTRY]] [--redis[=FILE] --redis-dir=DIR] [--models[=FILE] --models-dir=DIR]

  --postgres[=ENTRY]  pg_restore ENTRY (default: the newest under DIR/postgres) into \$IFTB_DATABASE_URL,
                      which must be an empty database (createdb, then this; the bot stopped)
  --redis[=FILE]      place FILE (default: the newest under DIR/redis) as dump.rdb in --redis-dir, the
                      stopped Redis server's data folder; Redis loads it when it starts
  --models[=FILE]     unpack FILE (default: the newest under DIR/models) into --models-dir (default
                      \$IFTB_MODELS_DIR), which must be empty or absent; then \`iftb models verify\`
  --dest=DIR          backup folder (default \$IFTB_BACKUP_DIR, else /backup)
USAGE
}

pg=""; redis=""; models=""; redis_dir=""; models_dir=${IFTB_MODELS_DIR:-}
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --dest=*) BACKUP_DIR=${arg#--dest=} ;;
    --postgres) pg=latest ;;
    --postgres=*) pg=${arg#--postgres=} ;;
    --redis) redis=latest ;;
    --redis=*) redis=${arg#--redis=} ;;
    --redis-dir=*) redis_dir=${arg#--redis-dir=} ;;
    --models) models=latest ;;
    --models=*) models=${arg#--models=} ;;
    --models-dir=*) models_dir=${arg#--models-dir=} ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
[ -n "$pg$redis$models" ] || { usage >&2; die "nothing to restore: give --postgres, --redis and/or --models"; }

verified() { # file: checks file.sha256
  [ -f "$1" ] || die "$1 does not exist"
  (cd "$(dirname -- "$1")" && sha256sum --status -c "$(basename -- "$1").sha256" 2>/dev/null) || die "$1 does not match $1.sha256: corrupt backup, not restored"
}

if [ -n "$pg" ]; then
  [ "$pg" = latest ] && pg=$(latest "$BACKUP_DIR/postgres" "$PG_PATTERN")
  [ -n "$pg" ] || die "no PostgreSQL backup in $BACKUP_DIR/postgres"
  : "${IFTB_DATABASE_URL:?IFTB_DATABASE_URL is not set (the empty database to restore into)}"
  iftb_cli db restore --store "$IFTB_DATABASE_URL" "$pg"
fi

if [ -n "$redis" ]; then
  [ "$redis" = latest ] && redis=$(latest "$BACKUP_DIR/redis" "$REDIS_PATTERN")
  [ -n "$redis" ] || die "no Redis snapshot in $BACKUP_DIR/redis"
  [ -n "$redis_dir" ] || die "--redis needs --redis-dir (the stopped Redis server's data folder)"
  verified "$redis"
  if command -v redis-check-rdb >/dev/null 2>&1; then redis-check-rdb "$redis" >/dev/null 2>&1 || die "redis-check-rdb rejects $redis"; fi
  mkdir -p "$redis_dir"
  cp -- "$redis" "$redis_dir/dump.rdb.part" && mv -- "$redis_dir/dump.rdb.part" "$redis_dir/dump.rdb"
  echo "placed $redis as $redis_dir/dump.rdb: start Redis with --dir $redis_dir --dbfilename dump.rdb (appendonly no) to load it"
fi

if [ -n "$models" ]; then
  [ "$models" = latest ] && models=$(latest "$BACKUP_DIR/models" "$MODELS_PATTERN")
  [ -n "$models" ] || die "no models backup in $BACKUP_DIR/models"
  [ -n "$models_dir" ] || die "--models needs --models-dir or IFTB_MODELS_DIR"
  verified "$models"
  if [ -d "$models_dir" ] && [ -n "$(ls -A "$models_dir")" ]; then die "$models_dir is not empty: move it aside first"; fi
  mkdir -p "$models_dir"
  tar -xzf "$models" -C "$models_dir"
  echo "unpacked $models into $models_dir"
fi
