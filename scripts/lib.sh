# Shared by scripts/*.sh and scripts/dr/*.sh (sourced, POSIX sh). Backup layout under $IFTB_BACKUP_DIR:
#   postgres/iftb_backup_<stamp>/{iftb.dump,manifest.json}   `iftb db backup` (pg_dump custom format + counts/sha256)
#   redis/redis_<stamp>.rdb + .sha256                         `redis-cli --rdb`
#   models/models_<stamp>.tar.gz + .sha256                    the model registry folder
# <stamp> is UTC, YYYYMMDDTHHMMSSZ: the age checks and retention read it from the name.

IFTB_ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")" && while [ ! -f package.json ] && [ "$PWD" != / ]; do cd ..; done && pwd)

# The checkout's .env (as docker-compose reads it: KEY=VALUE, no quoting): only variables not set
# already, so the environment wins. IFTB_ENV_FILE names another file; IFTB_ENV_FILE=none skips it.
load_dotenv() {
  file=${IFTB_ENV_FILE:-$IFTB_ROOT/.env}
  [ "$file" != none ] && [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key=${line%%=*}
    case "$key" in *[!A-Za-z0-9_]*|'') continue ;; esac
    eval "isset=\${$key+x}"
    [ -n "$isset" ] && continue
    value=${line#*=}
    export "$key=$value"
  done < "$file"
}
load_dotenv
BACKUP_DIR=${IFTB_BACKUP_DIR:-/backup}

die() { echo "$(basename -- "$0"): $*" >&2; exit 1; }

# The iftb CLI: $IFTB_BIN, else `iftb` on PATH (the image), else this checkout's build.
iftb_cli() {
  if [ -n "${IFTB_BIN:-}" ]; then $IFTB_BIN "$@"
  elif command -v iftb >/dev/null 2>&1; then iftb "$@"
  elif [ -f "$IFTB_ROOT/dist/src/cli/main.js" ]; then node "$IFTB_ROOT/dist/src/cli/main.js" "$@"
  else die "no iftb CLI: set IFTB_BIN, put iftb on PATH or run npm run build in $IFTB_ROOT"
  fi
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"; }

stamp_now() { date -u +%Y%m%dT%H%M%SZ; }

# Unix seconds of a stamp (empty when it is not one).
stamp_epoch() {
  iso=$(printf '%s' "$1" | sed -n 's/^\([0-9]\{4\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)T\([0-9]\{2\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)Z$/\1-\2-\3 \4:\5:\6/p')
  [ -n "$iso" ] && date -u -d "$iso" +%s 2>/dev/null || true
}

# "2024-01-17 03:00 UTC" for a stamp.
stamp_human() { date -u -d "@$(stamp_epoch "$1")" '+%Y-%m-%d %H:%M UTC'; }

# The stamp in an entry's name: postgres/iftb_backup_<stamp>, redis_<stamp>.rdb, models_<stamp>.tar.gz.
stamp_of() { basename -- "$1" | sed -n 's/^[a-z_]*_\([0-9]\{8\}T[0-9]\{6\}Z\).*$/\1/p'; }

# Newest entry of a kind (by the stamp in its name); empty when there is none.
latest() { # dir pattern
  [ -d "$1" ] || return 0
  ls -1 "$1" 2>/dev/null | grep -E "$2" | sort | tail -n 1 | sed "s|^|$1/|"
}

# Removes entries older than N seconds (by name stamp), never the newest one.
prune() { # dir pattern max_age_seconds
  newest=$(latest "$1" "$2")
  now=$(date -u +%s)
  ls -1 "$1" 2>/dev/null | grep -E "$2" | while read -r name; do
    entry="$1/$name"
    [ "$entry" = "$newest" ] && continue
    epoch=$(stamp_epoch "$(stamp_of "$entry")")
    [ -n "$epoch" ] || continue
    if [ $((now - epoch)) -gt "$3" ]; then
      rm -rf -- "$entry" "$entry.sha256"
      echo "pruned $entry"
    fi
  done
}

PG_PATTERN='^iftb_backup_[0-9]{8}T[0-9]{6}Z$'
REDIS_PATTERN='^redis_[0-9]{8}T[0-9]{6}Z\.rdb$'
MODELS_PATTERN='^models_[0-9]{8}T[0-9]{6}Z\.tar\.gz$'

# --- DR helpers ---------------------------------------------------------------------------------
# The operations API of a site: IFTB_PRIMARY_API_URL (default http://localhost:8000) or IFTB_DR_API_URL.
site_api_url() {
  case "$1" in
    primary) printf '%s' "${IFTB_PRIMARY_API_URL:-http://localhost:8000}" ;;
    dr) [ -n "${IFTB_DR_API_URL:-}" ] || die "IFTB_DR_API_URL is not set (the DR site's operations API, e.g. https://iftb.dr.example:8000)"; printf '%s' "$IFTB_DR_API_URL" ;;
    *) die "unknown site '$1' (primary or dr)" ;;
  esac
}

# psql over a URL, quiet, unaligned, stopping at the first error.
psql_url() { need psql "Debian: postgresql-client"; url=$1; shift; psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" "$@"; }

# Row count and sha256 of every table in schema public, one "table|rows|sha256" line each: the digest
# `iftb db backup` writes into its manifest (rows as text, sorted, UTC, shortest exact floats).
table_digests() {
  psql_url "$1" <<'SQL'
SET TimeZone = 'UTC';
SET extra_float_digits = 1;
SELECT format('SELECT %L || ''|'' || count(*) || ''|'' || encode(sha256(convert_to(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), ''''), ''UTF8'')), ''hex'') FROM %I t', tablename, tablename)
FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
SQL
}

# Redacts the password of a URL for printing.
redact() { printf '%s' "$1" | sed 's|://\([^:/@]*\):[^@]*@|://\1:***@|'; }
