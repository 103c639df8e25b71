#!/usr/bin/env bash
# Run the dispatch112 stack in the foreground: web (uvicorn), Celery worker and
# Celery beat, each with prefixed logs, and the routing engine (osrm-routed, on
# loopback, restarted by its supervisor loop whenever it exits). Ctrl-C (or web,
# worker or beat exiting) stops all of them. Run scripts/bootstrap.sh run first
# (`make run` does: it also generates and prepares the demo road network).
#
# Environment: WEB_HOST (127.0.0.1), WEB_PORT (8000), WEB_WORKERS (2),
# CELERY_CONCURRENCY (2), CELERY_BEAT_SCHEDULE (file outside the repo),
# DJANGO_SETTINGS_MODULE (dispatch.settings.local), DEMO_PASSWORD (demo112),
# OSRM_PORT (WEB_PORT + 1000), OSRM_DATASET (.cache/osrm/data/demo/demo.osrm),
# OSRM_URL (empty: no routing engine; nearest units by straight line).
set -euo pipefail

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-dispatch.settings.local}"
WEB_HOST="${WEB_HOST:-127.0.0.1}"
WEB_PORT="${WEB_PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
CELERY_CONCURRENCY="${CELERY_CONCURRENCY:-2}"
CELERY_BEAT_SCHEDULE="${CELERY_BEAT_SCHEDULE:-${TMPDIR:-/tmp}/dispatch112-celerybeat-schedule}"
# The routing engine's port follows the web port, as dispatch/settings/base.py computes it: parallel runs on one
# machine do not collide. Exported so that web and worker find the same engine.
export OSRM_PORT="${OSRM_PORT:-$((WEB_PORT + 1000))}"
OSRM_DATASET="${OSRM_DATASET:-$ROOT/.cache/osrm/data/demo/demo.osrm}"

[ -x "$VENV/bin/uvicorn" ] || die "$VENV/bin/uvicorn missing: run scripts/bootstrap.sh first"

PIDS=()
NAMES=()
POLL_PID=""

# start NAME COLOUR CMD...: run CMD in its own session (process group) so the
# whole tree (uvicorn/celery children included) can be signalled at once.
start() {
    local name="$1" colour="$2"; shift 2
    local prefix
    if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
        prefix=$'\033['"${colour}m[$name]"$'\033[0m '
    else
        prefix="[$name] "
    fi
    # the log prefixer ignores Ctrl-C so that shutdown messages still get through
    setsid "$@" < /dev/null > >(trap '' INT TERM; exec awk -v p="$prefix" '{ print p $0; fflush() }') 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
}

alive() { kill -0 "$1" 2>/dev/null; }

STOPPING=0
# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
    local rc=$?
    set +e
    [ "$STOPPING" = 1 ] && return
    STOPPING=1
    trap '' INT TERM
    log "stopping web, worker, beat and the routing engine"
    local pid i
    if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2>/dev/null; fi
    for pid in "${PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    # give celery a warm shutdown, then force
    for i in $(seq 1 40); do
        local any=0
        for pid in "${PIDS[@]}"; do alive "$pid" && any=1; done
        [ "$any" = 0 ] && break
        sleep 0.25
    done
    for pid in "${PIDS[@]}"; do
        if alive "$pid" || kill -0 -- "-$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

cat <<EOF

${_C_BOLD}dispatch112 is starting${_C_OFF}  ->  http://${WEB_HOST}:${WEB_PORT}
(settings: $DJANGO_SETTINGS_MODULE, web workers: $WEB_WORKERS; Ctrl-C stops everything)

Routing engine (osrm-routed): http://127.0.0.1:${OSRM_PORT}  (${OSRM_DATASET#"$ROOT"/})

Demo logins (password: $DEMO_PASSWORD):
  Kota Palangka Raya (pky):  call_taker_pky, dispatcher_damkar_pky, dispatcher_psc_pky,
                             supervisor_pky, official_pky, volunteer_pky
  Kota Samarinda (smd):      call_taker_smd, dispatcher_damkar_smd
  Kabupaten Paser (psr):     call_taker_psr
  East Kalimantan (kaltim):  supervisor_kaltim
  Administrator:             admin   (/admin/)

EOF

# The routing engine first (it loads in well under a second): supervised by a loop that starts it again 2 s after
# it exits, so a crash costs a few seconds of straight-line answers, never the stack. The loop is the process
# group leader: stopping run.sh ends both.
if [ "${OSRM_URL-unset}" = "" ]; then
    log "routing engine: off (OSRM_URL is empty): nearest units by straight line"
elif [ -e "$OSRM_DATASET.mldgr" ]; then
    start routing 32 bash -c 'while :; do
            bash "$0/scripts/osrm.sh" serve "$1"
            echo "osrm-routed exited (status $?); starting it again in 2 s"
            sleep 2
        done' "$ROOT" "$OSRM_DATASET"
else
    warn "routing engine: $OSRM_DATASET is not prepared (manage.py load_demo or import_roads does it): straight line only"
fi

# No per-message deflate: it would compress every live event once per socket (docs/performance.md).
start web 36 "$VENV/bin/uvicorn" dispatch.asgi:application \
    --host "$WEB_HOST" --port "$WEB_PORT" --workers "$WEB_WORKERS" --ws-per-message-deflate false
start worker 33 "$VENV/bin/celery" -A dispatch worker -l info -Q celery,timers -c "$CELERY_CONCURRENCY"
start beat 35 "$VENV/bin/celery" -A dispatch beat -l info --schedule "$CELERY_BEAT_SCHEDULE"

# Tell when the web server answers (in the background; purely informative).
# Any HTTP answer counts (a redirect to the login page, 404, ...).
PROBE='import sys, urllib.request as u, urllib.error as e
try:
    u.urlopen(sys.argv[1], timeout=2)
except e.HTTPError:
    pass'
(
    for _ in $(seq 1 120); do
        if "$VENV/bin/python" -c "$PROBE" "http://$WEB_HOST:$WEB_PORT/" >/dev/null 2>&1; then
            log "ready: http://$WEB_HOST:$WEB_PORT  (demo password: $DEMO_PASSWORD)"
            exit 0
        fi
        sleep 1
    done
) &
POLL_PID=$!

# Wait until one of the three exits; then stop the others.
set +e
wait -n "${PIDS[@]}"
rc=$?
set -e
for i in "${!PIDS[@]}"; do
    if ! alive "${PIDS[$i]}"; then
        warn "${NAMES[$i]} exited (status $rc); stopping the others"
        break
    fi
done
[ "$rc" -eq 0 ] && rc=1
exit "$rc"
