# shellcheck shell=bash
# Common defaults for the dispatch112 helper scripts. Sourced, never executed.
# Every value can be overridden from the environment (or from `make VAR=...`).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

export DATABASE_URL="${DATABASE_URL:-postgis://postgres@127.0.0.1:5432/dispatch112}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DEMO_PASSWORD="${DEMO_PASSWORD:-demo112}"

VENV="${VENV:-$ROOT/.venv}"
export VENV

# The Debian chromium package; Playwright is pointed at it (never `playwright install`).
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

# Colours only on a terminal.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    _C_BOLD=$'\033[1m'; _C_RED=$'\033[31m'; _C_YEL=$'\033[33m'; _C_OFF=$'\033[0m'
else
    _C_BOLD=""; _C_RED=""; _C_YEL=""; _C_OFF=""
fi

log()  { printf '%s==> %s%s\n' "$_C_BOLD" "$*" "$_C_OFF"; }
warn() { printf '%s==> WARNING: %s%s\n' "$_C_YEL" "$*" "$_C_OFF" >&2; }
die()  { printf '%s==> ERROR: %s%s\n' "$_C_RED" "$*" "$_C_OFF" >&2; exit 1; }
