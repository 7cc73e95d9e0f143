#!/bin/sh
# Backs up PostgreSQL (`iftb db backup`: pg_dump custom format + manifest of row counts and
# checksums), a Redis snapshot (`redis-cli --rdb`) and the model registry (tarball + sha256) into
# dated entries under the backup folder, then prunes by the runbook's retention (백업 정책).
set -eu
. "$(dirname -- "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: scripts/backup.sh [--dest=DIR] [--only=postgres,redis,models] [--no-prune]

  --dest=DIR   backup folder (default \$IFTB_BACKUP_DIR, else /backup)
  --only=LIST  which backups to take (default all three; cron: postgres daily, redis hourly,
               models after each new model version)
  --no-prune   keep old entries

Sources: IFTB_DATABASE_URL (PostgreSQL), IFTB_REDIS_URL (Redis), IFTB_MODELS_DIR (default models/).
Retention in days/hours: IFTB_KEEP_POSTGRES_DAYS (30), IFTB_KEEP_REDIS_HOURS (24), IFTB_KEEP_MODELS_DAYS (90).
Copy the folder off the host (S3 + Glacier in the runbook) with your provider's tool after this runs.
USAGE
}

only=postgres,redis,models
prune_old=yes
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --dest=*) BACKUP_DIR=${arg#--dest=} ;;
    --only=*) only=${arg#--only=} ;;
    --no-prune) prune_old=no ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
wants() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
for kind in $(echo "$only" | tr ',' ' '); do
  case "$kind" in postgres|redis|models) ;; *) die "--only: unknown backup '$kind' (postgres, redis, models)" ;; esac
done

stamp=$(stamp_now)
umask 077

if wants postgres; then
  : "${IFTB_DATABASE_URL:?IFTB_DATABASE_URL is not set (postgres://iftb:…@host:5432/iftb)}"
  mkdir -p "$BACKUP_DIR/postgres"
  out="$BACKUP_DIR/postgres/iftb_backup_$stamp"
  iftb_cli db backup --store "$IFTB_DATABASE_URL" --out "$out" || { rm -rf -- "$out"; die "PostgreSQL backup failed"; }
fi

if wants redis; then
  : "${IFTB_REDIS_URL:?IFTB_REDIS_URL is not set (redis://host:6379)}"
  need redis-cli "Debian: redis-tools"
  mkdir -p "$BACKUP_DIR/redis"
  name="redis_$stamp.rdb"
  redis-cli -u "$IFTB_REDIS_URL" --no-auth-warning --rdb "$BACKUP_DIR/redis/$name.part" >/dev/null 2>&1 \
    || { rm -f -- "$BACKUP_DIR/redis/$name.part"; die "redis-cli --rdb from $IFTB_REDIS_URL failed"; }
  mv -- "$BACKUP_DIR/redis/$name.part" "$BACKUP_DIR/redis/$name"
  (cd "$BACKUP_DIR/redis" && sha256sum "$name" > "$name.sha256")
  echo "Redis snapshot in $BACKUP_DIR/redis/$name ($(wc -c < "$BACKUP_DIR/redis/$name") bytes)"
fi

if wants models; then
  models=${IFTB_MODELS_DIR:-$IFTB_ROOT/models}
  [ -d "$models" ] || die "model registry $models does not exist (IFTB_MODELS_DIR)"
  mkdir -p "$BACKUP_DIR/models"
  name="models_$stamp.tar.gz"
  tar -czf "$BACKUP_DIR/models/$name.part" -C "$models" . || { rm -f -- "$BACKUP_DIR/models/$name.part"; die "tar of $models failed"; }
  mv -- "$BACKUP_DIR/models/$name.part" "$BACKUP_DIR/models/$name"
  (cd "$BACKUP_DIR/models" && sha256sum "$name" > "$name.sha256")
  echo "model registry $models in $BACKUP_DIR/models/$name"
fi

if [ "$prune_old" = yes ]; then
  prune "$BACKUP_DIR/postgres" "$PG_PATTERN" $(( ${IFTB_KEEP_POSTGRES_DAYS:-30} * 86400 ))
  prune "$BACKUP_DIR/redis" "$REDIS_PATTERN" $(( ${IFTB_KEEP_REDIS_HOURS:-24} * 3600 ))
  prune "$BACKUP_DIR/models" "$MODELS_PATTERN" $(( ${IFTB_KEEP_MODELS_DAYS:-90} * 86400 ))
fi
