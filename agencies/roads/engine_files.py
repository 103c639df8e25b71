"""Prepare an OpenStreetMap extract for the routing engine: osrm-extract (with a Lua profile) → osrm-partition →
osrm-customize, i.e. OSRM's multi-level Dijkstra (MLD) files that `osrm-routed --algorithm mld` serves.

The programs come from the pinned osrm-bindings wheel (scripts/osrm.sh install → settings.OSRM_BIN_DIR). The files
of dataset NAME go to OSRM_DATA_DIR/NAME/NAME.osrm.*; a stamp beside them (NAME.prepared.json) records what they
were made from (the extract's sha256, the profile and its sha256, OSRM's version) and what each step cost (seconds,
peak memory): preparing again with the same inputs does nothing. A running osrm-routed keeps serving the files it
loaded; restart it to serve new ones (scripts/run.sh and scripts/topology.sh restart it when it exits).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

STEPS = ("extract", "partition", "customize")


class EnginePreparationFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Prepared:
    dataset: Path  # …/NAME/NAME.osrm, what osrm-routed is given
    skipped: bool  # already prepared from the same inputs
    stamp: dict


def sha256_of(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bin_dir() -> Path:
    return Path(settings.OSRM_BIN_DIR)


def program(name: str) -> Path:
    path = bin_dir() / name
    if not os.access(path, os.X_OK):
        raise EnginePreparationFailed(f"{path} is missing: run `scripts/osrm.sh install` (make run and make test do)")
    return path


def osrm_version() -> str:
    result = subprocess.run([str(program("osrm-extract")), "--version"], capture_output=True, text=True, timeout=30)
    return result.stdout.strip() or result.stderr.strip()


def profile_path(profile: str) -> Path:
    """A profile by name (car, bicycle, foot: OSRM's own, from the wheel) or a path to a .lua file of one's own."""
    path = Path(profile)
    if path.suffix != ".lua":
        path = Path(settings.OSRM_PROFILES_DIR) / f"{profile}.lua"
    if not path.is_file():
        raise EnginePreparationFailed(f"routing profile {profile!r} not found ({path})")
    return path


def dataset_path(name: str) -> Path:
    return Path(settings.OSRM_DATA_DIR) / name / f"{name}.osrm"


def read_stamp(name: str) -> dict | None:
    stamp = dataset_path(name).with_suffix(".prepared.json")
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None


def prepare(*, pbf, name: str, profile: str = "car", force: bool = False, threads: int = 2, log=lambda msg: None,
            sha256: str | None = None) -> Prepared:
    pbf = Path(pbf)
    dataset = dataset_path(name)
    out_dir = dataset.parent
    lua = profile_path(profile)
    key = {
        "sha256": sha256 or sha256_of(pbf),
        "profile": profile,
        "profile_sha256": sha256_of(lua),
        "osrm": osrm_version(),
        "algorithm": "mld",
    }
    stamp_path = dataset.with_suffix(".prepared.json")
    old = read_stamp(name)
    if not force and old and all(old.get(k) == v for k, v in key.items()) and Path(str(dataset) + ".mldgr").exists():
        return Prepared(dataset=dataset, skipped=True, stamp=old)

    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / f"{name}.osm.pbf"
    if pbf.resolve() != source.resolve():
        shutil.copyfile(pbf, source)
    for old_file in out_dir.glob(f"{name}.osrm*"):
        old_file.unlink()
    stamp_path.unlink(missing_ok=True)

    steps = {}
    commands = {
        "extract": [str(program("osrm-extract")), "-p", str(lua), "-t", str(threads), str(source)],
        "partition": [str(program("osrm-partition")), "-t", str(threads), str(dataset)],
        "customize": [str(program("osrm-customize")), "-t", str(threads), str(dataset)],
    }
    for step in STEPS:
        log(f"osrm-{step} …")
        steps[step] = _run(commands[step], cwd=out_dir)
        log(f"osrm-{step}: {steps[step]['seconds']} s, peak {steps[step]['max_rss_mb']} MB")
    stamp = {
        **key,
        "source_bytes": source.stat().st_size,
        "dataset_bytes": sum(f.stat().st_size for f in out_dir.glob(f"{name}.osrm*")),
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "steps": steps,
    }
    stamp_path.write_text(json.dumps(stamp, indent=2))
    return Prepared(dataset=dataset, skipped=False, stamp=stamp)


def _run(cmd, *, cwd) -> dict:
    """Run one preparation program; its wall time and peak resident memory. The peak is the program's own VmHWM,
    sampled every 20 ms from /proc (rusage's ru_maxrss would report this Python process's size: the child's
    high-water mark survives the exec)."""
    started = time.monotonic()
    peak_kb = 0
    with open(Path(cwd) / "prepare.log", "a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        status_file = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            peak_kb = max(peak_kb, _vm_hwm_kb(status_file))
            time.sleep(0.02)
    seconds = round(time.monotonic() - started, 2)
    if proc.returncode != 0:
        tail = (Path(cwd) / "prepare.log").read_text(errors="replace")[-2000:]
        raise EnginePreparationFailed(f"{Path(cmd[0]).name} exited with {proc.returncode}:\n{tail}")
    return {"seconds": seconds, "max_rss_mb": round(peak_kb / 1024, 1)}


def _vm_hwm_kb(status_file: Path) -> int:
    try:
        for line in status_file.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass  # the program ended between poll() and the read
    return 0
