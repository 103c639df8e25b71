"""A locked supply chain (issue 28, item 7): two fresh machines install the same files, and nothing unchecked.

- requirements.lock / requirements-test.lock pin every package by version and sha256 (`make lock`, scripts/lock.sh,
  from pyproject.toml); scripts/bootstrap.sh and the Dockerfile install with `pip install --require-hashes` and the
  project itself with `--no-deps`; the environment these tests run in holds exactly the locked versions.
- Each lock records the hash of pyproject.toml's dependency lists; scripts/lockcheck.py (run by .ci/run before
  `make test`, and by the bootstrap) fails when they disagree.
- Everything vendored (static/vendor/**, the data and schemas copied into the apps) is listed in VENDORED.json with
  version, licence and the sha256 of each file.
"""
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import lockcheck  # noqa: E402
import vendored  # noqa: E402

LOCKS = ("requirements.lock", "requirements-test.lock")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def parse_lock(name: str) -> dict:
    """{canonical name: (version, marker or None, [hashes])}; fails on any line that is not a hashed pin."""
    pins, current = {}, None
    for line in (ROOT / name).read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash=sha256:"):
            digest = stripped.split(":", 1)[1].rstrip(" \\")
            assert re.fullmatch(r"[0-9a-f]{64}", digest), line
            pins[current][2].append(digest)
            continue
        match = PIN.match(stripped)
        assert match, f"{name}: not an exact pin: {line!r}"
        current = canonicalize_name(match.group(1))
        pins[current] = (match.group(2), match.group(3), [])
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_is_an_exact_pin_with_hashes(lock):
    pins = parse_lock(lock)
    assert len(pins) > 40
    assert [name for name, (_v, _m, hashes) in pins.items() if not hashes] == []


def test_the_locks_were_compiled_from_this_pyproject():
    assert lockcheck.problems() == []


def test_a_dependency_added_without_make_lock_fails_the_check(tmp_path, monkeypatch, capsys):
    for name in ("pyproject.toml", *LOCKS):
        shutil.copy(ROOT / name, tmp_path / name)
    assert lockcheck.problems(tmp_path) == []
    text = (tmp_path / "pyproject.toml").read_text()
    # a reordering or a re-indent is not a change …
    (tmp_path / "pyproject.toml").write_text(text.replace('"pyyaml>=6",', '"pyyaml>=6" ,'))
    assert lockcheck.problems(tmp_path) == []
    # … a new requirement is
    (tmp_path / "pyproject.toml").write_text(text.replace('"pyyaml>=6",', '"pyyaml>=6",\n    "Pillow>=11",'))
    found = lockcheck.problems(tmp_path)
    assert len(found) == 2 and all("compiled from other dependency lists" in p for p in found)
    # and the script exits 1 saying what to do, which is what .ci/run and the bootstrap stop on
    monkeypatch.setattr(lockcheck, "ROOT", tmp_path)
    assert lockcheck.main(["lockcheck.py"]) == 1
    assert "Run `make lock`" in capsys.readouterr().err


def test_ci_and_the_bootstrap_refuse_a_lock_that_disagrees():
    ci = (ROOT / ".ci/run").read_text()
    assert ci.index("python3 scripts/lockcheck.py") < ci.index("make --no-print-directory test")
    bootstrap = (ROOT / "scripts/bootstrap.sh").read_text()
    assert 'scripts/lockcheck.py >/dev/null || die' in bootstrap


def test_the_bootstrap_and_the_image_install_only_hash_checked_files():
    bootstrap = (ROOT / "scripts/bootstrap.sh").read_text()
    installs = [line.strip() for line in bootstrap.splitlines() if "pip install" in line and not line.strip().startswith(("#", "log"))]
    assert installs == [
        '"$VENV/bin/python" -m pip install -q --progress-bar off --disable-pip-version-check --require-hashes -r "$REQUIREMENTS_LOCK"',
        '"$VENV/bin/python" -m pip install -q --progress-bar off --disable-pip-version-check --no-deps --no-build-isolation -e .',
    ]
    assert 'REQUIREMENTS_LOCK="${REQUIREMENTS_LOCK:-requirements-test.lock}"' in bootstrap
    docker = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line and not line.strip().startswith("#")]
    assert docker == ["RUN pip install --require-hashes -r requirements.lock", "RUN pip install --no-deps --no-build-isolation ."]


def test_every_dependency_of_pyproject_is_locked_and_tests_run_on_the_production_pins():
    runtime, test = parse_lock("requirements.lock"), parse_lock("requirements-test.lock")
    lists = lockcheck.dependency_lists()
    for requirement in lists["dependencies"] + lists["build-system.requires"]:
        name = canonicalize_name(Requirement(requirement).name)
        assert name in runtime and name in test, requirement
    for requirement in lists["optional-dependencies"]["test"]:
        assert canonicalize_name(Requirement(requirement).name) in test, requirement
    assert {n: v[0] for n, v in runtime.items()} == {n: test[n][0] for n in runtime}


def test_this_environment_holds_exactly_the_locked_versions():
    # the venv the suite runs in was installed from requirements-test.lock (make test's bootstrap)
    wrong = []
    for name, (version, marker, _hashes) in parse_lock("requirements-test.lock").items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            wrong.append(f"{name}: not installed")
            continue
        if canonicalize_name(installed) != canonicalize_name(version) and installed != version:
            wrong.append(f"{name}: {installed} installed, {version} locked")
    assert wrong == []


def _wheel(directory: Path) -> Path:
    """A tiny, valid wheel, so pip's hash check can be shown offline."""
    path = directory / "probe_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr("probe_pkg/__init__.py", "")
        whl.writestr("probe_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: probe-pkg\nVersion: 1.0\n")
        whl.writestr("probe_pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        whl.writestr("probe_pkg-1.0.dist-info/RECORD", "")
    return path


def test_pip_refuses_a_downloaded_file_whose_hash_is_not_the_locked_one(tmp_path):
    import hashlib

    wheel = _wheel(tmp_path)
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()

    def install(digest):
        (tmp_path / "lock.txt").write_text(f"probe-pkg==1.0 --hash=sha256:{digest}\n")
        return subprocess.run(
            [sys.executable, "-m", "pip", "install", "--isolated", "--no-index", "--find-links", str(tmp_path), "--require-hashes",
             "--target", str(tmp_path / "target"), "-r", str(tmp_path / "lock.txt")],
            capture_output=True, text=True,
        )

    refused = install("0" * 64)
    assert refused.returncode != 0 and "DO NOT MATCH THE HASHES" in refused.stderr
    assert install(good).returncode == 0


def test_every_vendored_file_is_in_the_manifest_with_its_hash_version_and_licence():
    assert vendored.problems() == []
    packages = {p["name"]: p for p in vendored.load()["packages"]}
    assert packages["Chart.js"]["version"] == "4.5.1" and packages["Chart.js"]["licence"] == "MIT"
    assert "static/vendor/chartjs/chart.umd.min.js" in packages["Chart.js"]["files"]


def test_a_changed_or_unlisted_vendored_file_fails_the_check(tmp_path):
    manifest = vendored.load()
    shutil.copy(ROOT / "VENDORED.json", tmp_path / "VENDORED.json")
    for entry in manifest["packages"]:
        for path in entry["files"]:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / path, tmp_path / path)
    assert vendored.problems(tmp_path) == []
    chart = tmp_path / "static/vendor/chartjs/chart.umd.min.js"
    chart.write_bytes(chart.read_bytes() + b"\n/* injected */")
    (tmp_path / "static/vendor/leaflet-plugin.js").write_text("// dropped in by hand")
    found = "\n".join(vendored.problems(tmp_path))
    assert "chart.umd.min.js does not match its sha256" in found
    assert "static/vendor/leaflet-plugin.js: vendored but not in VENDORED.json" in found
