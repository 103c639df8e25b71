#!/usr/bin/env bash
# Restore a scripts/backup.sh dump into a NEW database (never over a live one).
#
#   scripts/restore.sh FILE TARGET_DATABASE_URL [--no-owner]
#
#   FILE                 a custom-format dump (its .sha256, when beside it, is checked first)
#   TARGET_DATABASE_URL  postgis://superuser@host:port/newname — the database must not exist yet: it is created
#                        from template0 and the dump restored into it in one transaction, so a failed restore
#                        leaves an empty database, never half of one
#   --no-owner           do not restore owners and grants (a machine without the dispatch_owner / dispatch_app
#                        roles: run `manage.py db_roles` against the restored database afterwards)
#
# Afterwards it prints the row counts of the incidents, calls and timeline and checks that the timeline's
# append-only triggers are there. Point the application at the new database (or rename it) to use it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

[ $# -ge 2 ] || { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 2; }
FILE="$1"; TARGET="${2/#postgis:\/\//postgresql://}"; shift 2
OWNER_FLAGS=()
for arg in "$@"; do
    case "$arg" in
        --no-owner) OWNER_FLAGS=(--no-owner --no-acl) ;;
        *) die "unknown option $arg" ;;
    esac
done
[ -r "$FILE" ] || die "cannot read $FILE"
if [ -r "$FILE.sha256" ]; then
    ( cd "$(dirname "$FILE")" && sha256sum --quiet -c "$(basename "$FILE").sha256" ) || die "$FILE does not match its .sha256"
fi
DB_NAME="${TARGET##*/}"; DB_NAME="${DB_NAME%%\?*}"
ADMIN_URL="${TARGET%/*}/postgres"
# (variables are interpolated only in psql's input, not in -c)
exists="$(psql -X -q -w -tA -d "$ADMIN_URL" -v name="$DB_NAME" <<< "select 1 from pg_database where datname = :'name'")"
[ -z "$exists" ] || die "database $DB_NAME exists: restore into a new database (never over a live one)"

log "createdb $DB_NAME (template0)"
psql -X -q -w -v ON_ERROR_STOP=1 -d "$ADMIN_URL" -v name="$DB_NAME" <<< 'create database :"name" template template0'
log "pg_restore $FILE → $DB_NAME"
if ! pg_restore --exit-on-error --single-transaction "${OWNER_FLAGS[@]}" --dbname="$TARGET" "$FILE"; then
    die "restore failed: $DB_NAME is left empty (drop it: dropdb $DB_NAME)"
fi

psql -X -q -w -v ON_ERROR_STOP=1 -tA -d "$TARGET" <<'SQL'
select 'incidents ' || count(*) from incidents_incident;
select 'calls ' || count(*) from incidents_call;
select 'timeline events ' || count(*) || ', last seq ' || coalesce(max(seq), 0) from incidents_timelineevent;
select 'timeline triggers ' || string_agg(tgname, ' ' order by tgname)
  from pg_trigger where tgrelid = 'incidents_timelineevent'::regclass and not tgisinternal and tgenabled <> 'D';
SQL
triggers="$(psql -X -q -w -tA -d "$TARGET" -c "select count(*) from pg_trigger where tgrelid = 'incidents_timelineevent'::regclass and not tgisinternal and tgenabled <> 'D' and tgname in ('incidents_timeline_no_update', 'incidents_timeline_no_truncate')")"
[ "$triggers" = 2 ] || die "the restored timeline lacks its append-only triggers"
log "restore done: $DB_NAME"
