#!/usr/bin/env python3
"""Do the lock files still match pyproject.toml? (issue 28: a locked supply chain)

Each lock (requirements.lock, requirements-test.lock) records in its header the sha256 of the dependency lists it
was compiled from — `project.dependencies`, every `project.optional-dependencies` list and `build-system.requires`,
each requirement stripped, each list sorted (a reordering or a re-indent does not count, a new or changed
requirement does). `make lock` (scripts/lock.sh) writes that line; this script compares it.

    python3 scripts/lockcheck.py            exit 1, naming the lock, when one disagrees (run `make lock`)
    python3 scripts/lockcheck.py --hash     print the current hash (scripts/lock.sh uses it)

Standard library only: .ci/run and scripts/bootstrap.sh run it before any virtualenv exists.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-test.lock")
HEADER = re.compile(r"^# pyproject-deps-sha256: ([0-9a-f]{64})\s*$", re.M)


def dependency_lists(pyproject: Path = ROOT / "pyproject.toml") -> dict:
    data = tomllib.loads(pyproject.read_text())
    project = data.get("project", {})
    clean = lambda reqs: sorted(" ".join(str(r).split()) for r in reqs)  # noqa: E731
    return {
        "dependencies": clean(project.get("dependencies", [])),
        "optional-dependencies": {extra: clean(reqs) for extra, reqs in sorted(project.get("optional-dependencies", {}).items())},
        "build-system.requires": clean(data.get("build-system", {}).get("requires", [])),
    }


def deps_hash(pyproject: Path = ROOT / "pyproject.toml") -> str:
    canonical = json.dumps(dependency_lists(pyproject), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded_hash(lock: Path) -> str | None:
    match = HEADER.search(lock.read_text()) if lock.exists() else None
    return match.group(1) if match else None


def problems(root: Path | None = None) -> list[str]:
    root = root or ROOT
    want = deps_hash(root / "pyproject.toml")
    out = []
    for name in LOCKS:
        got = recorded_hash(root / name)
        if got is None:
            out.append(f"{name}: missing, or without its 'pyproject-deps-sha256' header")
        elif got != want:
            out.append(f"{name}: compiled from other dependency lists than pyproject.toml's ({got[:12]}… ≠ {want[:12]}…)")
    return out


def main(argv: list[str]) -> int:
    if argv[1:] == ["--hash"]:
        print(deps_hash())
        return 0
    found = problems()
    if found:
        print("The lock files do not match pyproject.toml:", *("  " + p for p in found),
              "Run `make lock` (docs/deploy.md, 'Locked dependencies') and commit the lock files.", sep="\n", file=sys.stderr)
        return 1
    print("lock files match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
