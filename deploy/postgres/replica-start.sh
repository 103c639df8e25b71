#!/bin/bash
# db-replica's entrypoint (docker-compose.yml): on an empty volume, a base backup of the primary with -R (standby.signal
# and primary_conninfo written for us); then the ordinary postgres start, which streams from the primary.
# After a promote the volume holds a primary: it then starts as one (rebuild the old primary as the new replica).
set -euo pipefail
PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h "$PRIMARY_HOST" -U dispatch -d dispatch112; do sleep 2; done
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
    gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U dispatch -D "$PGDATA" -R -X stream -c fast
fi
exec gosu postgres postgres -D "$PGDATA"
