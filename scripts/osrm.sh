#!/usr/bin/env bash
# The road routing engine (OSRM) for `make run`, `make test` and scripts/topology.sh — no Debian package exists, so
# its executables come from the PyPI wheel osrm-bindings, pinned by version and sha256 in scripts/osrm.lock.
#
#   scripts/osrm.sh install     fetch the wheel (pip download, into .cache/osrm/wheels/), check its sha256, unpack
#                               osrm/bin/* and the Lua profiles into .cache/osrm/{bin,profiles}/ (idempotent)
#   scripts/osrm.sh bin-dir     print the directory holding osrm-extract, osrm-partition, osrm-customize, osrm-routed
#   scripts/osrm.sh serve DATASET.osrm   osrm-routed in the foreground (MLD) on 127.0.0.1:$OSRM_PORT
#
# Environment: OSRM_HOME (.cache/osrm), OSRM_PORT (9000), OSRM_MAX_TABLE_SIZE (100: the shortlist of 20 units
# plus the incident, with room for a bigger shortlist), OSRM_THREADS (2), PYTHON (python3).
set -euo pipefail

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/osrm.lock
. "$ROOT/scripts/osrm.lock"

OSRM_HOME="${OSRM_HOME:-$ROOT/.cache/osrm}"
BIN="$OSRM_HOME/bin"

arch_sha() {
    local arch
    arch="$(uname -m)"
    case "$arch" in
        x86_64) echo "$OSRM_BINDINGS_SHA256_x86_64" ;;
        aarch64|arm64) echo "$OSRM_BINDINGS_SHA256_aarch64" ;;
        *) die "no osrm-bindings wheel is pinned for $arch (scripts/osrm.lock)" ;;
    esac
}

install_engine() {
    local sha arch stamp wheels py wheel got
    sha="$(arch_sha)"
    arch="$(uname -m)"; [ "$arch" = arm64 ] && arch=aarch64
    stamp="$BIN/.installed-$OSRM_BINDINGS_VERSION-${sha:0:16}"
    if [ -f "$stamp" ] && [ -x "$BIN/osrm-routed" ]; then
        log "routing engine: OSRM $OSRM_BINDINGS_VERSION in place ($BIN)"
        return 0
    fi
    wheels="$OSRM_HOME/wheels"
    mkdir -p "$wheels"
    py="$VENV/bin/python"; [ -x "$py" ] || py="${PYTHON:-python3}"
    wheel="$wheels/osrm_bindings-$OSRM_BINDINGS_VERSION-cp312-abi3-manylinux_2_28_$arch.whl"
    if [ ! -f "$wheel" ] || [ "$(sha256sum "$wheel" | cut -c1-64)" != "$sha" ]; then
        rm -f "$wheel"
        log "routing engine: pip download osrm-bindings==$OSRM_BINDINGS_VERSION ($arch wheel, for its OSRM executables)"
        local try
        for try in 1 2 3; do
            if "$py" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
                    --python-version 3.12 --platform "manylinux_2_28_$arch" -d "$wheels" \
                    "osrm-bindings==$OSRM_BINDINGS_VERSION"; then
                break
            fi
            [ "$try" -eq 3 ] && die "pip download osrm-bindings==$OSRM_BINDINGS_VERSION failed"
            warn "pip download failed (attempt $try); retrying"; sleep 5
        done
    fi
    [ -f "$wheel" ] || die "pip download did not leave $wheel"
    got="$(sha256sum "$wheel" | cut -c1-64)"
    if [ "$got" != "$sha" ]; then
        rm -f "$wheel"
        die "osrm-bindings wheel sha256 $got does not match the pinned $sha (scripts/osrm.lock)"
    fi
    log "routing engine: unpacking osrm/bin and the Lua profiles into $OSRM_HOME"
    rm -rf "$BIN.new" "$OSRM_HOME/profiles.new"
    "$py" - "$wheel" "$BIN.new" "$OSRM_HOME/profiles.new" <<'PY'
import os, shutil, sys, zipfile
wheel, bin_dir, profiles_dir = sys.argv[1:4]
os.makedirs(bin_dir)
os.makedirs(profiles_dir)
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith("/"):
            continue
        if name.startswith("osrm/bin/"):
            target = os.path.join(bin_dir, name[len("osrm/bin/"):])
        elif name.startswith("osrm/share/profiles/"):
            target = os.path.join(profiles_dir, name[len("osrm/share/profiles/"):])
        elif name.endswith("licenses/LICENSE.TXT"):
            target = os.path.join(bin_dir, "LICENSE.TXT")  # OSRM's BSD licence travels with the executables
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if name.startswith("osrm/bin/"):
            os.chmod(target, 0o755)
PY
    local version
    version="$("$BIN.new/osrm-routed" --version 2>&1 || true)"
    [ "$version" = "v$OSRM_BINDINGS_VERSION" ] \
        || die "the unpacked osrm-routed does not run here (said: ${version:-nothing}); ldd: $(ldd "$BIN.new/osrm-routed" 2>&1 | grep 'not found' || true)"
    rm -rf "$BIN" "$OSRM_HOME/profiles"
    mv "$BIN.new" "$BIN"
    mv "$OSRM_HOME/profiles.new" "$OSRM_HOME/profiles"
    touch "$BIN/.installed-$OSRM_BINDINGS_VERSION-${sha:0:16}"
    log "routing engine: OSRM $version ready ($BIN)"
}

serve() {
    local dataset="${1:?usage: scripts/osrm.sh serve DATASET.osrm}"
    [ -x "$BIN/osrm-routed" ] || die "$BIN/osrm-routed missing: run scripts/osrm.sh install (make run does)"
    # MLD (what import_roads prepares); loopback only; a table of the shortlist + the incident in one request.
    exec "$BIN/osrm-routed" --algorithm mld --ip 127.0.0.1 --port "${OSRM_PORT:-9000}" \
        --threads "${OSRM_THREADS:-2}" --max-table-size "${OSRM_MAX_TABLE_SIZE:-100}" "$dataset"
}

case "${1:-}" in
    install) install_engine ;;
    bin-dir) echo "$BIN" ;;
    serve) shift; serve "$@" ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
esac
