#!/usr/bin/env bash
# Bootstrap a dispatch112 development / CI machine (Debian 12, bookworm).
#
#   scripts/bootstrap.sh [base|test|run]
#
#   base  system packages (apt, only what is missing), the virtualenv from the
#         lock file (requirements-test.lock, every file checked against its sha256;
#         `make lock` writes it from pyproject.toml), the routing engine's executables
#         (scripts/osrm.sh install), PostgreSQL + Redis running, database + PostGIS.
#   test  base + compilemessages (when a locale/ .po is newer than its .mo). pytest creates its
#         own test database (test_dispatch112), so no migrate here.
#   run   test + migrate, the database roles (manage.py db_roles: dispatch_owner, dispatch_app),
#         collectstatic and load_demo (default; it also generates and prepares the demo road network).
#
# Idempotent: a second run installs nothing, starts nothing that already runs
# and takes a few seconds. Never runs `apt-get update` when nothing is missing
# and never runs `playwright install` (tests use Debian's /usr/bin/chromium).
#
# Environment (defaults in scripts/env.sh):
#   DATABASE_URL  postgis://postgres@127.0.0.1:5432/dispatch112
#   REDIS_URL     redis://127.0.0.1:6379/0
#   DJANGO_SETTINGS_MODULE  dispatch.settings.local (run) / dispatch.settings.test (test)
#   DEMO_PASSWORD demo112
#   DB_OWNER_ROLE / DB_RUNTIME_ROLE  dispatch_owner / dispatch_app (DB_OWNER_PASSWORD, DB_RUNTIME_PASSWORD optional)
#   PYTHON        interpreter used to create .venv (default: python3, >= 3.11)
#   PG_VERSION    PostgreSQL major to install when none is installed (default 15)
#   APT_LOCK_TIMEOUT  seconds to wait for another apt/dpkg to finish (default 300)
#   APT_EXTRA_PACKAGES  more Debian packages to install when missing (space-separated)
#   BOOTSTRAP_SKIP_APT=1       do not check/install system packages
#   BOOTSTRAP_SKIP_SERVICES=1  do not start PostgreSQL/Redis (use external ones)
set -euo pipefail

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

MODE="${1:-run}"
case "$MODE" in
    base|test|run) ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) die "unknown mode '$MODE' (expected base, test or run)" ;;
esac

case "$MODE" in
    test) export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-dispatch.settings.test}" ;;
    *)    export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-dispatch.settings.local}" ;;
esac

PG_VERSION="${PG_VERSION:-15}"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-300}"
START_TS=$SECONDS

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi
# fd 9 holds the bootstrap lock: never hand it to a command that may leave a
# daemon behind (postgres, redis, services started by apt), or the lock is kept.
as_root() { "${SUDO[@]}" "$@" 9>&-; }

# Serialise concurrent bootstraps (e.g. `make run` and `make test` started together).
LOCK_FILE="${TMPDIR:-/tmp}/dispatch112-bootstrap.lock"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCK_FILE"
    if ! flock -n 9; then
        log "another bootstrap is running; waiting for it"
        flock -w 900 9 || die "timed out waiting for $LOCK_FILE"
    fi
fi

# --------------------------------------------------------------------------
# Parse DATABASE_URL / REDIS_URL (system python3 is always there: we need it
# for the virtualenv anyway).
# --------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Python >= 3.11 is required)"

eval "$("$PYTHON" - <<'PY'
import os, shlex
from urllib.parse import urlsplit, unquote
db = urlsplit(os.environ["DATABASE_URL"])
rd = urlsplit(os.environ["REDIS_URL"])
vals = {
    "DB_HOST": db.hostname or "127.0.0.1",
    "DB_PORT": str(db.port or 5432),
    "DB_USER": unquote(db.username or "postgres"),
    "DB_PASSWORD": unquote(db.password or ""),
    "DB_NAME": unquote(db.path.lstrip("/")) or "dispatch112",
    "REDIS_HOST": rd.hostname or "127.0.0.1",
    "REDIS_PORT": str(rd.port or 6379),
}
for k, v in vals.items():
    print(f"{k}={shlex.quote(v)}")
PY
)"

is_local_host() {
    case "$1" in 127.0.0.1|localhost|::1|"") return 0 ;; *) return 1 ;; esac
}
DB_LOCAL=0; is_local_host "$DB_HOST" && DB_LOCAL=1
REDIS_LOCAL=0; is_local_host "$REDIS_HOST" && REDIS_LOCAL=1

# --------------------------------------------------------------------------
# 1. System packages
# --------------------------------------------------------------------------
installed_pg_version() {
    # highest PostgreSQL server major installed from Debian packages
    local d v best=""
    for d in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$d" ] || continue
        v="${d#/usr/lib/postgresql/}"; v="${v%%/*}"
        if [ -z "$best" ] || [ "${v%%.*}" -gt "${best%%.*}" ]; then best="$v"; fi
    done
    printf '%s' "$best"
}

pkg_installed() {
    case "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" in
        installed*) return 0 ;; *) return 1 ;;
    esac
}

dpkg_busy() {
    command -v fuser >/dev/null 2>&1 || return 1
    as_root fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock \
        >/dev/null 2>&1
}

wait_for_dpkg() {
    local waited=0
    while dpkg_busy; do
        if [ "$waited" -ge "$APT_LOCK_TIMEOUT" ]; then
            warn "apt/dpkg still busy after ${APT_LOCK_TIMEOUT}s; trying anyway"
            return 0
        fi
        [ $((waited % 15)) -eq 0 ] && log "waiting for another apt/dpkg process to finish (${waited}s)"
        sleep 3; waited=$((waited + 3))
    done
}

apt_get() {
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a \
        apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" -o Dpkg::Use-Pty=0 "$@"
}

apt_install() {
    local try
    wait_for_dpkg
    log "apt-get update (installing: $*)"
    for try in 1 2 3; do
        if apt_get -q update; then break; fi
        [ "$try" -eq 3 ] && die "apt-get update failed"
        warn "apt-get update failed (attempt $try); retrying"; sleep 10; wait_for_dpkg
    done
    for try in 1 2 3; do
        if apt_get -q install -y --no-install-recommends "$@"; then return 0; fi
        [ "$try" -eq 3 ] && die "apt-get install $* failed"
        warn "apt-get install failed (attempt $try); repairing dpkg state and retrying"
        wait_for_dpkg
        as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a || true
        sleep 5
    done
}

ensure_packages() {
    if [ "${BOOTSTRAP_SKIP_APT:-0}" = 1 ]; then
        log "system packages: skipped (BOOTSTRAP_SKIP_APT=1)"; return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        warn "not a Debian system: install PostgreSQL+PostGIS, Redis, GDAL, GEOS, PROJ, gettext and chromium yourself"
        return 0
    fi
    # pango (+ its FreeType backend) and DejaVu fonts: WeasyPrint renders the report PDFs (reporting.exports).
    # nginx-light: scripts/topology.sh's edge, which tests/core/test_login_proxy.py runs in front of a test server
    # (Debian's policy-rc.d keeps the package from starting a daemon of its own).
    local want=(gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core nginx-light)
    # shellcheck disable=SC2206  # word splitting wanted
    [ -n "${APT_EXTRA_PACKAGES:-}" ] && want+=($APT_EXTRA_PACKAGES)
    if [ "$DB_LOCAL" = 1 ]; then
        local v; v="$(installed_pg_version)"
        if [ -z "$v" ]; then
            v="$PG_VERSION"; want+=("postgresql-$v" "postgresql-client-$v")
        fi
        want+=("postgresql-$v-postgis-3")
    fi
    command -v psql >/dev/null 2>&1 || want+=(postgresql-client)
    if [ "$REDIS_LOCAL" = 1 ] && ! command -v redis-server >/dev/null 2>&1; then
        want+=(redis-server)
    fi
    command -v redis-cli >/dev/null 2>&1 || want+=(redis-tools)

    local missing=() p
    for p in "${want[@]}"; do pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "system packages: all present"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "missing packages (${missing[*]}) and not root (no sudo): install them with apt-get"
    fi
    apt_install "${missing[@]}"
}

# --------------------------------------------------------------------------
# 2. Virtualenv from the lock (re-install only when the lock or pyproject.toml changed)
# --------------------------------------------------------------------------
REQUIREMENTS_LOCK="${REQUIREMENTS_LOCK:-requirements-test.lock}"

ensure_venv() {
    # The lock must have been compiled from this pyproject.toml (issue 28): otherwise a dependency added to
    # pyproject.toml would silently not be installed, or a removed one still be.
    "$PYTHON" scripts/lockcheck.py >/dev/null || die "$REQUIREMENTS_LOCK does not match pyproject.toml: run \`make lock\` and commit the lock files"
    local py="$VENV/bin/python"
    if [ -x "$py" ] && ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        warn "$VENV is broken or older than Python 3.11; recreating it"
        rm -rf "$VENV"
    fi
    if [ ! -x "$py" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.11 is required (set PYTHON=...)"
        log "creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local sum stamp
    sum="$(cat "$REQUIREMENTS_LOCK" pyproject.toml | sha256sum | cut -c1-64)"
    stamp="$VENV/.installed-$sum"
    if [ -f "$stamp" ]; then
        log "virtualenv: up to date ($(basename "$stamp" | cut -c1-24)…)"
        return 0
    fi
    # Every file pinned by version and sha256: a download that does not match its hash is refused, and so is a
    # dependency the lock does not name. Then the project itself, with nothing more to download.
    log "installing Python dependencies (pip install --require-hashes -r $REQUIREMENTS_LOCK)"
    "$VENV/bin/python" -m pip install -q --progress-bar off --disable-pip-version-check --require-hashes -r "$REQUIREMENTS_LOCK"
    "$VENV/bin/python" -m pip install -q --progress-bar off --disable-pip-version-check --no-deps --no-build-isolation -e .
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

# --------------------------------------------------------------------------
# 2b. The road routing engine: OSRM's executables from the pinned osrm-bindings wheel (scripts/osrm.sh; no
#     Debian package exists). run (load_demo prepares the demo road network, run.sh serves it) and test (the
#     tests start their own engine) both need them.
# --------------------------------------------------------------------------
ensure_routing_engine() {
    bash "$ROOT/scripts/osrm.sh" install 9>&-
}

# --------------------------------------------------------------------------
# 3. Services
# --------------------------------------------------------------------------
pg_ready() { pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2 >/dev/null 2>&1; }

ensure_postgres() {
    if pg_ready; then log "PostgreSQL: running on $DB_HOST:$DB_PORT"; return 0; fi
    if [ "$DB_LOCAL" != 1 ] || [ "${BOOTSTRAP_SKIP_SERVICES:-0}" = 1 ]; then
        log "waiting for PostgreSQL on $DB_HOST:$DB_PORT"
    else
        local v cluster
        v="$(installed_pg_version)"
        [ -n "$v" ] || die "no PostgreSQL server installed (apt step skipped?)"
        # the cluster of that version listening on DB_PORT
        cluster="$(pg_lsclusters -h 2>/dev/null | awk -v v="$v" -v p="$DB_PORT" '$1 == v && $3 == p { print $2; exit }')"
        if [ -z "$cluster" ]; then
            if pg_lsclusters -h 2>/dev/null | awk -v v="$v" '$1 == v && $2 == "main" { f = 1 } END { exit !f }'; then
                die "PostgreSQL $v cluster 'main' does not use port $DB_PORT: fix DATABASE_URL"
            fi
            log "creating PostgreSQL $v cluster 'main' on port $DB_PORT"
            as_root pg_createcluster --port "$DB_PORT" "$v" main
            cluster=main
        fi
        log "starting PostgreSQL $v/$cluster"
        as_root pg_ctlcluster --skip-systemctl-redirect "$v" "$cluster" start \
            || warn "pg_ctlcluster start returned non-zero (already running?)"
    fi
    for _ in $(seq 1 60); do
        pg_ready && { log "PostgreSQL: ready"; return 0; }
        sleep 0.5
    done
    die "PostgreSQL is not accepting connections on $DB_HOST:$DB_PORT"
}

redis_ping() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
    else
        # no redis-cli: speak RESP over bash's /dev/tcp
        local reply=""
        { exec 8<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT"; } 2>/dev/null || return 1
        printf 'PING\r\n' >&8
        IFS= read -r -t 2 reply <&8 || true
        exec 8>&-
        [ "${reply%$'\r'}" = "+PONG" ]
    fi
}

ensure_redis() {
    if redis_ping; then log "Redis: running on $REDIS_HOST:$REDIS_PORT"; return 0; fi
    if [ "$REDIS_LOCAL" = 1 ] && [ "${BOOTSTRAP_SKIP_SERVICES:-0}" != 1 ]; then
        command -v redis-server >/dev/null 2>&1 || die "redis-server not installed (apt step skipped?)"
        local dir="${TMPDIR:-/tmp}" logfile="${TMPDIR:-/tmp}/dispatch112-redis.log"
        [ -d /var/lib/redis ] && [ -w /var/lib/redis ] && dir=/var/lib/redis
        [ -d /var/log/redis ] && [ -w /var/log/redis ] && logfile=/var/log/redis/dispatch112.log
        log "starting Redis on 127.0.0.1:$REDIS_PORT (log: $logfile)"
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
            --save "" --appendonly no --dir "$dir" --logfile "$logfile" 9>&-
    else
        log "waiting for Redis on $REDIS_HOST:$REDIS_PORT"
    fi
    for _ in $(seq 1 40); do
        redis_ping && { log "Redis: ready"; return 0; }
        sleep 0.5
    done
    die "Redis is not answering PING on $REDIS_HOST:$REDIS_PORT"
}

# --------------------------------------------------------------------------
# 4. Database, role, PostGIS
# --------------------------------------------------------------------------
PG_ADMIN_USER="${PG_ADMIN_USER:-postgres}"
ADMIN_VIA=""   # tcp | socket

psql_app() {   # psql as the application user over TCP
    PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -w -v ON_ERROR_STOP=1 \
        -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" "$@"
}

psql_admin() { # psql as the superuser: TCP (trust) or, failing that, the local socket as postgres
    local db="$1"; shift
    if [ "$ADMIN_VIA" = socket ]; then
        as_root runuser -u postgres -- psql -X -q -w -v ON_ERROR_STOP=1 -p "$DB_PORT" -d "$db" "$@"
    else
        local pw=""
        [ "$PG_ADMIN_USER" = "$DB_USER" ] && pw="$DB_PASSWORD"
        PGPASSWORD="${PG_ADMIN_PASSWORD:-$pw}" PGCONNECT_TIMEOUT=5 psql -X -q -w -v ON_ERROR_STOP=1 \
            -h "$DB_HOST" -p "$DB_PORT" -U "$PG_ADMIN_USER" -d "$db" "$@"
    fi
}

sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }
sql_lit()   { printf "'%s'" "${1//\'/\'\'}"; }

ensure_database() {
    if psql_admin postgres -tAc 'select 1' >/dev/null 2>&1; then
        ADMIN_VIA=tcp
    elif [ "$DB_LOCAL" = 1 ] && command -v runuser >/dev/null 2>&1 \
         && { [ "$(id -u)" -eq 0 ] || [ "${#SUDO[@]}" -gt 0 ]; } \
         && ADMIN_VIA=socket && psql_admin postgres -tAc 'select 1' >/dev/null 2>&1; then
        log "PostgreSQL: using the local socket as 'postgres' for administration"
    else
        die "cannot connect to PostgreSQL as '$PG_ADMIN_USER' on $DB_HOST:$DB_PORT (set PG_ADMIN_USER/PG_ADMIN_PASSWORD, or allow trust auth for 127.0.0.1)"
    fi

    local uid lit
    uid="$(sql_ident "$DB_USER")"; lit="$(sql_lit "$DB_USER")"

    # Role: must be a superuser (GeoDjango runs CREATE EXTENSION postgis in the
    # test database that pytest-django creates).
    local role
    role="$(psql_admin postgres -tAc "select rolsuper from pg_roles where rolname = $lit")"
    if [ -z "$role" ]; then
        log "creating role $DB_USER (superuser, development only)"
        if [ -n "$DB_PASSWORD" ]; then
            psql_admin postgres -c "create role $uid login superuser password $(sql_lit "$DB_PASSWORD")"
        else
            psql_admin postgres -c "create role $uid login superuser"
        fi
    elif [ "$role" != t ]; then
        if [ "$DB_LOCAL" = 1 ]; then
            log "making role $DB_USER a superuser (needed to create the PostGIS extension in the test DB)"
            psql_admin postgres -c "alter role $uid superuser"
        else
            warn "role $DB_USER is not a superuser: the test database cannot get PostGIS"
        fi
    fi

    # The application user must be able to connect over TCP without a prompt.
    if ! psql_app -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        if [ "$DB_LOCAL" = 1 ] && [ "$ADMIN_VIA" = socket ] && [ -z "$DB_PASSWORD" ]; then
            local hba
            hba="$(psql_admin postgres -tAc 'show hba_file')"
            log "allowing trust auth for 127.0.0.1/::1 in $hba (development machine)"
            as_root cp "$hba" "$hba.dispatch112.bak"
            as_root sh -c "{ printf '%s\n' '# added by dispatch112 scripts/bootstrap.sh (development only)' \
                'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust'; cat '$hba.dispatch112.bak'; } > '$hba'"
            psql_admin postgres -tAc 'select pg_reload_conf()' >/dev/null
        elif [ -n "$DB_PASSWORD" ] && [ "$DB_LOCAL" = 1 ]; then
            log "setting the password of role $DB_USER from DATABASE_URL"
            psql_admin postgres -c "alter role $uid password $(sql_lit "$DB_PASSWORD")"
        fi
        sleep 0.3
        psql_app -d postgres -tAc 'select 1' >/dev/null \
            || die "cannot connect as $DB_USER to $DB_HOST:$DB_PORT (check DATABASE_URL and pg_hba.conf)"
    fi

    if [ -z "$(psql_admin postgres -tAc "select 1 from pg_database where datname = $(sql_lit "$DB_NAME")")" ]; then
        log "creating database $DB_NAME"
        psql_admin postgres -c "create database $(sql_ident "$DB_NAME") owner $uid"
    else
        log "database $DB_NAME: exists"
    fi

    # PostGIS in the app DB, and in template1 so that test_<name> (created by
    # pytest-django from template1) has it from the start.
    local db
    for db in "$DB_NAME" template1; do
        if [ -z "$(psql_admin "$db" -tAc "select 1 from pg_extension where extname = 'postgis'")" ]; then
            log "CREATE EXTENSION postgis in $db"
            psql_admin "$db" -c 'create extension if not exists postgis'
        fi
    done
    log "PostGIS: $(psql_app -d "$DB_NAME" -tAc 'select postgis_lib_version()')"
}

# --------------------------------------------------------------------------
# 5. Django
# --------------------------------------------------------------------------
manage() { "$VENV/bin/python" manage.py "$@"; }

# True when a locale/ dir has a .po file without an up-to-date .mo next to it.
messages_stale() {
    local po
    while IFS= read -r -d '' po; do
        [ "${po%.po}.mo" -nt "$po" ] || return 0
    done < <(find . \( -path ./.venv -o -path ./.git -o -path ./node_modules -o -path ./staticfiles \) -prune \
                 -o -path '*/locale/*' -type f -name '*.po' -print0 2>/dev/null)
    return 1
}

django_steps() {
    [ -f manage.py ] || die "manage.py not found in $ROOT"
    if messages_stale; then
        log "manage.py compilemessages"
        manage compilemessages --ignore=.venv --ignore=node_modules --ignore=staticfiles -v 0
    else
        log "translations: compiled .mo files up to date"
    fi
    [ "$MODE" = run ] || return 0
    # migrate, collectstatic and load_demo in one process: Django starts once.
    "$VENV/bin/python" - <<'PY'
import os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")
import django
django.setup()
from django.core.management import call_command
def step(name, *args, **kwargs):
    print(f"==> manage.py {name}", flush=True)
    call_command(name, *args, **kwargs)
step("migrate", interactive=False)
# The application's own roles (docs/deploy.md "Database roles"): dispatch_owner owns the tables, dispatch_app is
# what production's processes connect as (no superuser, append-only timeline). Loopback development: serve with
# DATABASE_URL=postgis://dispatch_app@127.0.0.1:5432/<db> to see what production allows. Idempotent.
roles = {"runtime": os.environ.get("DB_RUNTIME_ROLE", "dispatch_app"), "owner": os.environ.get("DB_OWNER_ROLE", "dispatch_owner")}
if os.environ.get("DB_RUNTIME_PASSWORD"):
    roles["runtime_password_env"] = "DB_RUNTIME_PASSWORD"
if os.environ.get("DB_OWNER_PASSWORD"):
    roles["owner_password_env"] = "DB_OWNER_PASSWORD"
step("db_roles", **roles)
step("collectstatic", interactive=False, verbosity=0)
step("load_demo")
PY
}

# --------------------------------------------------------------------------
log "bootstrap ($MODE): DJANGO_SETTINGS_MODULE=$DJANGO_SETTINGS_MODULE"
ensure_packages
ensure_venv
ensure_routing_engine
ensure_postgres
ensure_redis
ensure_database
[ "$MODE" = base ] || django_steps
log "bootstrap ($MODE) done in $((SECONDS - START_TS))s"
