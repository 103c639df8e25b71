#!/usr/bin/env python3
"""The manifest of everything this repository carries that others made (issue 28: a locked supply chain).

VENDORED.json lists each vendored package — the front-end libraries under static/vendor/ and the data and
schemas copied into the apps — with its version, licence, where it came from, and the sha256 of every file.
tests/core/test_supply_chain.py checks that every file under static/vendor/ (and under each listed folder) is in
the manifest and matches its hash: a changed or added vendored file fails the suite until the manifest says so.

    python3 scripts/vendored.py            check (exit 1 with what disagrees)
    python3 scripts/vendored.py --update   after a deliberate update: rewrite the hashes of the listed files
                                           (add a new package's entry, version and licence by hand first)
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "VENDORED.json"
# Every file under these folders must belong to a manifest entry.
VENDOR_ROOTS = ("static/vendor",)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load() -> dict:
    return json.loads(MANIFEST.read_text())


def problems(root: Path = ROOT) -> list[str]:
    manifest = json.loads((root / "VENDORED.json").read_text())
    out, listed = [], set()
    for entry in manifest["packages"]:
        name = entry.get("name", "?")
        for key in ("name", "version", "licence", "source", "files"):
            if not entry.get(key):
                out.append(f"{name}: no {key}")
        if not any(Path(f).name.upper().startswith(("LICENSE", "DATA-LICENSE", "LICENCE")) or f.endswith(".md")
                   for f in entry.get("files", {})):
            out.append(f"{name}: no licence or provenance file beside it")
        for path, digest in entry.get("files", {}).items():
            listed.add(path)
            file = root / path
            if not file.is_file():
                out.append(f"{name}: {path} is listed but missing")
            elif sha256(file) != digest:
                out.append(f"{name}: {path} does not match its sha256 (changed without updating VENDORED.json)")
    folders = set(VENDOR_ROOTS) | {str(Path(p).parent) for e in manifest["packages"] for p in e.get("files", {})}
    for folder in sorted(folders):
        for file in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
            rel = file.relative_to(root).as_posix()
            if file.is_file() and rel not in listed and "__pycache__" not in rel and rel.split("/")[-1] != "__init__.py" \
                    and not rel.endswith(".py"):
                out.append(f"{rel}: vendored but not in VENDORED.json")
    return out


def update() -> None:
    manifest = load()
    for entry in manifest["packages"]:
        entry["files"] = {path: sha256(ROOT / path) for path in entry["files"]}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def main(argv) -> int:
    if argv[1:] == ["--update"]:
        update()
    found = problems()
    if found:
        print("VENDORED.json disagrees with the files:", *("  " + p for p in found), sep="\n", file=sys.stderr)
        return 1
    print("vendored files match VENDORED.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
