#!/usr/bin/env bash
# The scale-out topology of docs/deploy.md on ONE machine, on loopback ports (issue 14):
#
#   nginx :8028 ──► uvicorn ×3 (:8050-8052, HTTP + WebSocket upgrade)
#   celery worker "default1" (queue celery, 2 processes), "default2" (queue celery, 1), "timers" (queue timers, 2)
#   celery beat ×1
#   osrm-routed :8047 (the routing engine on the demo road network, MLD; load_demo prepares it)
#   PostgreSQL 15 primary :8040 ──streaming──► replica :8041   (clusters of their own under $TOPOLOGY_DIR)
#   Redis primary :8042 ──► replica :8043, Sentinels :8044 :8045 :8046 (master name "dispatch112")
#
#   scripts/topology.sh up        start whatever is not running (idempotent; first run: initdb, basebackup, migrate, demo)
#   scripts/topology.sh down      stop everything (the data stays under $TOPOLOGY_DIR; `destroy` removes it)
#   scripts/topology.sh status    one line per component
#   scripts/topology.sh env       the environment the application runs with here (source it: `eval "$(… env)"`)
#   scripts/topology.sh start|stop NAME    one component (web1..3, default1, default2, timers, beat, osrm, nginx, …)
#   scripts/topology.sh kill NAME          crash one (SIGKILL): its supervisor starts it again after RESTART_DELAY_S
#   scripts/topology.sh pg-failover     crash the primary, promote the replica, rebuild the old one as the new replica
#   scripts/topology.sh redis-restart   restart the Redis primary (the Sentinels promote the replica meanwhile)
#   scripts/topology.sh nginx-conf      print nginx's configuration (TOPOLOGY_WEB_PORTS="p1 p2" points it elsewhere)
#   scripts/topology.sh uvicorn-proxy-args   print the web processes' proxy flags (tests/core/test_login_proxy.py
#                                       runs this very nginx and these flags in front of a test server)
#
# The client's address (login throttling, audit) is nginx's $remote_addr, set as X-Forwarded-For at the edge (a
# header the client sent is replaced, never appended to), and uvicorn reads X-Forwarded-For only from nginx's own
# address (--forwarded-allow-ips 127.0.0.1): a client that reaches a web process directly cannot choose it either.
#
# The application follows both failovers with no change of settings: libpq's host list with
# target_session_attrs=read-write, and Sentinel (dispatch/settings/base.py "Scale-out"). Runs as root (this
# machine's CI and development boxes); PostgreSQL runs as the postgres user. Installs nginx if missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

S="${TOPOLOGY_DIR:-/tmp/d112-topology}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
NGINX_PORT="${TOPOLOGY_NGINX_PORT:-8028}"
PG_PORTS=(8040 8041)
REDIS_PORTS=(8042 8043)
SENTINEL_PORTS=(8044 8045 8046)
read -r -a WEB_PORTS <<<"${TOPOLOGY_WEB_PORTS:-8050 8051 8052}"
# trust X-Forwarded-For only from nginx (loopback here; docker-compose.yml names the proxy's fixed address)
UVICORN_PROXY_ARGS="--proxy-headers --forwarded-allow-ips 127.0.0.1"
OSRM_PORT=8047
OSRM_DATASET="${OSRM_DATASET:-$ROOT/.cache/osrm/data/demo/demo.osrm}"
DB_NAME="${TOPOLOGY_DB:-dispatch112_h8}"
MASTER=dispatch112
PY="$VENV/bin/python"
RUN="$S/run"
LOGS="$S/log"

topology_env() {
    cat <<EOF
export DJANGO_SETTINGS_MODULE=dispatch.settings.local
export DATABASE_URL=postgis://postgres@127.0.0.1:${PG_PORTS[0]}/$DB_NAME
export DATABASE_HOSTS=127.0.0.1:${PG_PORTS[0]},127.0.0.1:${PG_PORTS[1]}
export DATABASE_REPLICA_HOSTS=127.0.0.1:${PG_PORTS[1]},127.0.0.1:${PG_PORTS[0]}
export REDIS_URL=redis://127.0.0.1:${REDIS_PORTS[0]}/0
export REDIS_SENTINELS=127.0.0.1:${SENTINEL_PORTS[0]},127.0.0.1:${SENTINEL_PORTS[1]},127.0.0.1:${SENTINEL_PORTS[2]}
export REDIS_SENTINEL_MASTER=$MASTER
export REDIS_DB=0
export CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$NGINX_PORT,http://localhost:$NGINX_PORT
export DEMO_PASSWORD=${DEMO_PASSWORD:-demo112}
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
export DATABASE_POOL_MAX=${DATABASE_POOL_MAX:-8}
export OSRM_URL=http://127.0.0.1:$OSRM_PORT
EOF
}

# -- helpers -------------------------------------------------------------------------------------------
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

as_pg() { runuser -u postgres -- "$@"; }

pg_dir() { echo "$S/pg-$1"; }   # pg-8040, pg-8041

pg_running() { as_pg "$PGBIN/pg_ctl" -D "$(pg_dir "$1")" status >/dev/null 2>&1; }

pg_role() {  # primary | replica | down
    local r
    r=$(psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc "SELECT pg_is_in_recovery()" 2>/dev/null) || { echo down; return; }
    [ "$r" = t ] && echo replica || echo primary
}

pg_start() {
    local port=$1 dir
    dir=$(pg_dir "$port")
    pg_running "$port" && return 0
    as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$LOGS/postgres-$port.log" -w -t 60 start >/dev/null
}

pg_conf() {  # settings both servers share (a replica copies the primary's file; its port is its own)
    cat <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
max_connections = 300
shared_buffers = 256MB
wal_level = replica
max_wal_senders = 10
wal_keep_size = 512MB
hot_standby = on
hot_standby_feedback = on
wal_log_hints = on
EOF
}

pg_init_primary() {
    local port=${PG_PORTS[0]} dir
    dir=$(pg_dir "$port")
    [ -f "$dir/PG_VERSION" ] && return 0
    log "initdb: PostgreSQL primary on :$port"
    install -d -o postgres -g postgres "$dir"
    as_pg "$PGBIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    { pg_conf; echo "port = $port"; } >>"$dir/postgresql.conf"
    echo "host replication all 127.0.0.1/32 trust" >>"$dir/pg_hba.conf"
}

# A new replica of whichever server is the primary now (pg_basebackup -R writes standby.signal + primary_conninfo).
pg_build_replica() {
    local port=$1 from=$2 dir
    dir=$(pg_dir "$port")
    log "pg_basebackup: replica :$port from primary :$from"
    rm -rf "$dir"
    install -d -o postgres -g postgres -m 700 "$dir"
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$from" -U postgres -D "$dir" -R -X stream -c fast
    echo "port = $port" >>"$dir/postgresql.auto.conf"
}

redis_conf() {  # port [replicaof-port]
    cat <<EOF
port $1
bind 127.0.0.1
daemonize yes
pidfile $RUN/redis-$1.pid
logfile $LOGS/redis-$1.log
dir $S/redis-$1
appendonly yes
save ""
EOF
    [ -n "${2:-}" ] && echo "replicaof 127.0.0.1 $2"
    return 0
}

redis_start() {  # port [replicaof-port] — the replicaof line is written only when the config is first made
    local port=$1
    pid_alive "$RUN/redis-$port.pid" && return 0
    mkdir -p "$S/redis-$port"
    [ -f "$S/redis-$port.conf" ] || redis_conf "$port" "${2:-}" >"$S/redis-$port.conf"
    redis-server "$S/redis-$port.conf"
}

sentinel_start() {
    local port=$1 conf="$S/sentinel-$1.conf"
    pid_alive "$RUN/sentinel-$port.pid" && return 0
    # Written once: Sentinel rewrites its own file with what it learns (the current primary, the others).
    [ -f "$conf" ] || cat >"$conf" <<EOF
port $port
bind 127.0.0.1
daemonize yes
pidfile $RUN/sentinel-$port.pid
logfile $LOGS/sentinel-$port.log
dir $S
sentinel monitor $MASTER 127.0.0.1 ${REDIS_PORTS[0]} 2
sentinel down-after-milliseconds $MASTER 2000
sentinel failover-timeout $MASTER 10000
sentinel parallel-syncs $MASTER 1
EOF
    redis-server "$conf" --sentinel
}

redis_master_port() {
    redis-cli -p "${SENTINEL_PORTS[0]}" SENTINEL get-master-addr-by-name "$MASTER" 2>/dev/null | sed -n 2p
}

# -- application processes (each in its own session; pid file = the group leader) -------------------
app_cmd() {
    case "$1" in
        web[1-3])
            local port=${WEB_PORTS[$(( ${1#web} - 1 ))]}
            echo "$VENV/bin/uvicorn dispatch.asgi:application --host 127.0.0.1 --port $port --log-level warning --no-access-log --ws-per-message-deflate false --timeout-keep-alive 75 $UVICORN_PROXY_ARGS" ;;
        default1) echo "$VENV/bin/celery -A dispatch worker -l warning -Q celery -c 2 -n default1@%h" ;;
        default2) echo "$VENV/bin/celery -A dispatch worker -l warning -Q celery -c 1 -n default2@%h" ;;
        timers)   echo "$VENV/bin/celery -A dispatch worker -l warning -Q timers -c 2 -n timers@%h" ;;
        beat)     echo "$VENV/bin/celery -A dispatch beat -l warning --schedule $S/celerybeat-schedule" ;;
        # the routing engine, loopback only; the nearest units fall back to straight line while it is down
        osrm)     echo "$ROOT/.cache/osrm/bin/osrm-routed --algorithm mld --ip 127.0.0.1 --port $OSRM_PORT --threads 2 --max-table-size 100 $OSRM_DATASET" ;;
        *) die "unknown component: $1" ;;
    esac
}
APPS=(osrm web1 web2 web3 default1 default2 timers beat)

# Every application process runs under a supervisor, as compose's `restart: unless-stopped` (or systemd's
# Restart=always) runs it in production: a process that exits without being stopped is started again after
# RESTART_DELAY_S. Not only for the soak's kills: kombu's Redis transport can end a Celery worker with
# "Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')" while Sentinel fails the
# Redis primary over (seen in the soak: the timers worker died and no escalation fired for seven minutes).
# The pid file holds the supervisor (its session: `stop` ends both); the .child file holds the process itself
# (a session of its own, so `kill` crashes it and its pool children, and the supervisor restarts it).
RESTART_DELAY_S="${TOPOLOGY_RESTART_DELAY_S:-10}"

app_start() {
    local name=$1
    pid_alive "$RUN/$name.pid" && return 0
    rm -f "$RUN/$name.stopped"
    # shellcheck disable=SC2046
    # A clean environment: whatever the caller exported (a bench's CELERY_BROKER_URL, DJANGO_SETTINGS_MODULE,
    # PYTHONPATH) must not leak into a process restarted in the middle of a soak.
    ( exec env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 setsid bash -c "$(topology_env)
        while :; do
            setsid $(app_cmd "$name") &
            echo \$! >'$RUN/$name.child'
            wait \$!; rc=\$?
            [ -e '$RUN/$name.stopped' ] && exit 0
            echo \"\$(date -u +%FT%TZ) topology: $name exited (status \$rc); restarting in $RESTART_DELAY_S s\"
            sleep $RESTART_DELAY_S
            [ -e '$RUN/$name.stopped' ] && exit 0
        done" >>"$LOGS/$name.log" 2>&1 ) &
    echo $! >"$RUN/$name.pid"
}

app_stop() {  # name — stop the process and its supervisor (no restart)
    local name=$1 pid child
    pid_alive "$RUN/$name.pid" || { rm -f "$RUN/$name.pid" "$RUN/$name.child"; return 0; }
    touch "$RUN/$name.stopped"
    pid=$(cat "$RUN/$name.pid")
    child=$(cat "$RUN/$name.child" 2>/dev/null || true)
    [ -n "$child" ] && { kill -TERM -- "-$child" 2>/dev/null || true; }
    for _ in $(seq 1 150); do { [ -n "$child" ] && kill -0 "$child" 2>/dev/null; } || break; sleep 0.2; done
    # children of a celery main process (its pool) share its group: make sure none is left
    [ -n "$child" ] && { kill -KILL -- "-$child" 2>/dev/null || true; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$RUN/$name.pid" "$RUN/$name.child"
}

app_crash() {  # name — SIGKILL the process and its pool children, as a crash would; the supervisor restarts it
    local name=$1 child
    child=$(cat "$RUN/$name.child" 2>/dev/null || true)
    [ -n "$child" ] && kill -0 "$child" 2>/dev/null || die "$name is not running"
    kill -KILL -- "-$child" 2>/dev/null || kill -KILL "$child"
}

nginx_conf() {
    cat <<EOF
worker_processes 1;
worker_rlimit_nofile 16384;
pid $RUN/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $S/nginx/body;
    proxy_temp_path $S/nginx/proxy;
    fastcgi_temp_path $S/nginx/fastcgi;
    uwsgi_temp_path $S/nginx/uwsgi;
    scgi_temp_path $S/nginx/scgi;
    client_max_body_size 12m;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    upstream asgi {
        least_conn;   # sockets are long-lived: spread them by count, not by turn
$(for p in "${WEB_PORTS[@]}"; do echo "        server 127.0.0.1:$p max_fails=0;"; done)
        keepalive 64;
        # idle upstream connections are closed by nginx first (60 s), never by uvicorn (--timeout-keep-alive 75):
        # a connection uvicorn closed just as nginx reused it for a POST was a 502 (soak, issue 27)
        keepalive_timeout 60s;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location /ws/ {
            proxy_pass http://asgi;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
        location / {
            proxy_pass http://asgi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_read_timeout 60s;
            # a POST is never sent twice by the proxy; clients retry with their Idempotency-Key
            proxy_next_upstream error timeout;
        }
    }
}
EOF
}

nginx_start() {
    pid_alive "$RUN/nginx.pid" && return 0
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || {
        log "installing nginx (Debian)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
    }
    mkdir -p "$S/nginx"
    nginx_conf >"$S/nginx.conf"
    /usr/sbin/nginx -c "$S/nginx.conf" -p "$S/nginx/" -e "$LOGS/nginx-error.log"
}

nginx_stop() {
    pid_alive "$RUN/nginx.pid" && /usr/sbin/nginx -c "$S/nginx.conf" -p "$S/nginx/" -e "$LOGS/nginx-error.log" -s quit || true
}

wait_for() {  # description seconds command...
    local what=$1 secs=$2
    shift 2
    for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    die "$what did not come up within ${secs}s"
}

# -- verbs --------------------------------------------------------------------------------------------
up() {
    mkdir -p "$S" "$RUN" "$LOGS"
    chown postgres:postgres "$RUN" "$LOGS" 2>/dev/null || true
    chmod 1777 "$RUN" "$LOGS"
    # PostgreSQL: the primary first, then a replica of it (first run only; later runs start what exists).
    pg_init_primary
    local primary=${PG_PORTS[0]} p
    for p in "${PG_PORTS[@]}"; do
        [ -f "$(pg_dir "$p")/PG_VERSION" ] && [ ! -f "$(pg_dir "$p")/standby.signal" ] && { pg_start "$p"; primary=$p; }
    done
    for p in "${PG_PORTS[@]}"; do
        [ "$p" = "$primary" ] && continue
        [ -f "$(pg_dir "$p")/PG_VERSION" ] || pg_build_replica "$p" "$primary"
        pg_start "$p"
    done
    psql -h 127.0.0.1 -p "$primary" -U postgres -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$primary" -U postgres -d postgres -qc "CREATE DATABASE $DB_NAME"
    # Redis: the first start makes 8042 the primary; afterwards Sentinel decides (and rewrites the files).
    redis_start "${REDIS_PORTS[0]}"
    redis_start "${REDIS_PORTS[1]}" "${REDIS_PORTS[0]}"
    for p in "${SENTINEL_PORTS[@]}"; do sentinel_start "$p"; done
    wait_for "Sentinel" 20 redis_master_port
    # The application: schema and demo data once (idempotent), then the processes behind nginx.
    if [ ! -f "$S/.migrated" ] || [ "$(git rev-parse HEAD)" != "$(cat "$S/.migrated")" ]; then
        log "migrate + load_demo on the topology's primary"
        # load_demo also generates and prepares the demo road network that the osrm component serves
        ( eval "$(topology_env)"; "$PY" manage.py migrate --noinput -v 0 && "$PY" manage.py load_demo >/dev/null )
        git rev-parse HEAD >"$S/.migrated"
    fi
    for a in "${APPS[@]}"; do app_start "$a"; done
    nginx_start
    wait_for "nginx → uvicorn" 60 curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/login/"
    status
}

down() {
    nginx_stop
    for a in "${APPS[@]}"; do app_stop "$a"; done
    local p
    for p in "${SENTINEL_PORTS[@]}" "${REDIS_PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    for p in "${PG_PORTS[@]}"; do pg_running "$p" && as_pg "$PGBIN/pg_ctl" -D "$(pg_dir "$p")" -m fast -w stop >/dev/null; done
    log "topology stopped (data kept in $S)"
}

status() {
    local p a
    for p in "${PG_PORTS[@]}"; do printf '%-10s :%s %s\n' postgres "$p" "$(pg_role "$p")"; done
    for p in "${REDIS_PORTS[@]}"; do
        printf '%-10s :%s %s\n' redis "$p" "$(redis-cli -p "$p" role 2>/dev/null | head -1 || true)"
    done
    for p in "${SENTINEL_PORTS[@]}"; do
        printf '%-10s :%s %s\n' sentinel "$p" "$(redis-cli -p "$p" ping 2>/dev/null || echo down)"
    done
    printf '%-10s %s\n' "redis now" "primary :$(redis_master_port || echo '?')"
    for a in "${APPS[@]}"; do
        printf '%-10s %s\n' "$a" "$(pid_alive "$RUN/$a.pid" && { pid_alive "$RUN/$a.child" && echo "running (pid $(cat "$RUN/$a.child"), supervised)" || echo "restarting (supervised)"; } || echo down)"
    done
    printf '%-10s :%s %s\n' nginx "$NGINX_PORT" "$(pid_alive "$RUN/nginx.pid" && echo running || echo down)"
    printf '%-10s :%s %s\n' routing "$OSRM_PORT" "$(curl -sf -o /dev/null "http://127.0.0.1:$OSRM_PORT/nearest/v1/driving/0,0" && echo answering || echo "not answering")"
}

pg_failover() {
    local old new
    for p in "${PG_PORTS[@]}"; do [ "$(pg_role "$p")" = primary ] && old=$p; done
    for p in "${PG_PORTS[@]}"; do [ "$(pg_role "$p")" = replica ] && new=$p; done
    [ -n "${old:-}" ] && [ -n "${new:-}" ] || die "need a primary and a replica (see status)"
    log "PostgreSQL failover: crash :$old, promote :$new"
    as_pg "$PGBIN/pg_ctl" -D "$(pg_dir "$old")" -m immediate -w stop >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$(pg_dir "$new")" -w promote >/dev/null
    date -u +%FT%T.%3NZ
    pg_build_replica "$old" "$new" >/dev/null
    pg_start "$old"
    log "old primary :$old back as a replica of :$new"
}

redis_restart() {
    local port
    port=$(redis_master_port)
    log "Redis: shut down the primary :$port (Sentinel fails over), then start it again"
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    sleep "${1:-8}"
    # Sentinel turns the old primary into a replica of the new one once it answers again.
    redis-server "$S/redis-$port.conf"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    env) topology_env ;;
    start) [ "$2" = nginx ] && nginx_start || app_start "$2" ;;
    stop) [ "$2" = nginx ] && nginx_stop || app_stop "$2" ;;
    kill) app_crash "$2" ;;
    pg-failover) pg_failover ;;
    redis-restart) redis_restart "${2:-8}" ;;
    nginx-conf) nginx_conf ;;
    uvicorn-proxy-args) echo "$UVICORN_PROXY_ARGS" ;;
    destroy) down; rm -rf "$S" ;;
    *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { print }' "$0"; exit 2 ;;
esac
