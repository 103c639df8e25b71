#!/usr/bin/env bash
# Back up the dispatch112 database with pg_dump (custom format: compressed, restorable table by table, in
# parallel, and checked here by reading its table of contents back).
#
#   scripts/backup.sh [-d DATABASE_URL] [-o FILE]
#
#   -d  the database to back up (default: $DATABASE_URL; postgis:// is read as postgresql://). Connect as the
#       owner role or a superuser (docs/deploy.md "Backups"); the dump carries owners and grants.
#   -o  output file (default: backups/<database>-<UTC time>.dump beside the repository)
#
# Writes FILE.partial and renames it only when pg_dump succeeded and pg_restore can list it, so a FILE that
# exists is complete. Prints the file, its size and its SHA-256 (also written to FILE.sha256).
# pg_dump of the same major version as the server (or newer) must be on PATH (Debian: postgresql-client-15).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

URL="$DATABASE_URL"
OUT=""
while getopts "d:o:h" opt; do
    case "$opt" in
        d) URL="$OPTARG" ;;
        o) OUT="$OPTARG" ;;
        *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 2 ;;
    esac
done
LIBPQ_URL="${URL/#postgis:\/\//postgresql://}"
DB_NAME="${LIBPQ_URL##*/}"; DB_NAME="${DB_NAME%%\?*}"
if [ -z "$OUT" ]; then
    mkdir -p "$ROOT/backups"
    OUT="$ROOT/backups/${DB_NAME}-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi

command -v pg_dump >/dev/null || die "pg_dump not found (apt-get install postgresql-client)"
log "pg_dump $DB_NAME → $OUT"
rm -f "$OUT.partial"
# One repeatable-read snapshot: consistent across tables, and possible on the streaming replica too (which refuses
# --serializable-deferrable), so the dump can be taken off the primary.
pg_dump --format=custom --compress=6 --file="$OUT.partial" "$LIBPQ_URL"
pg_restore --list "$OUT.partial" >/dev/null || die "pg_restore cannot read $OUT.partial"
mv "$OUT.partial" "$OUT"
( cd "$(dirname "$OUT")" && sha256sum "$(basename "$OUT")" > "$(basename "$OUT").sha256" )
log "backup done: $OUT ($(du -h "$OUT" | cut -f1), sha256 $(cut -d' ' -f1 "$OUT.sha256"))"
