#!/usr/bin/env bash
# Run the whole pytest suite (run scripts/bootstrap.sh test first; `make test` does).
# Arguments are passed to pytest. Exits with pytest's status, except that
# "no tests collected" (pytest's 5) is turned into a failure (1) too.
set -uo pipefail

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT" || exit 1

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-dispatch.settings.test}"

[ -x "$VENV/bin/pytest" ] || die "$VENV/bin/pytest missing: run scripts/bootstrap.sh test first"

log "pytest (DJANGO_SETTINGS_MODULE=$DJANGO_SETTINGS_MODULE) $*"
"$VENV/bin/pytest" "$@"
rc=$?
case "$rc" in
    0) log "tests passed" ;;
    5) printf '%s==> ERROR: pytest collected no tests: counted as a failure%s\n' "$_C_RED" "$_C_OFF" >&2
       rc=1 ;;
    *) printf '%s==> ERROR: pytest failed (exit status %s)%s\n' "$_C_RED" "$rc" "$_C_OFF" >&2 ;;
esac
exit "$rc"
