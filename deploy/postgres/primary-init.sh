#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): lets the replica
# stream WAL with the application's password (docker-compose.yml `db-replica`).
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "ALTER ROLE ${POSTGRES_USER} WITH REPLICATION"
