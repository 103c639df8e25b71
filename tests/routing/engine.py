"""The real routing engine for tests: OSRM's own `osrm-routed` (the binaries scripts/osrm.sh installed for `make
test`), serving the generated demo road network, prepared by the same code `make run` uses.

- `demo_dataset()`: writes the demo .osm.pbf and prepares it (once per change; a file lock keeps two pytest
  processes on one machine from preparing the same files at the same time); answers the .osrm path.
- `RoutedProcess(dataset)`: osrm-routed on a free loopback port; `.start()` waits until it answers, `.kill()` ends it
  by its pid (SIGKILL, as a crash), `.url`, `.pid`.
- `HungEngine()`: a socket that accepts connections and never answers (an engine stuck on something).
"""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.support import free_port


def demo_dataset() -> Path:
    from django.conf import settings

    from agencies.demo.roadgen import demo_network_file
    from agencies.roads import engine_files

    Path(settings.OSRM_DATA_DIR).mkdir(parents=True, exist_ok=True)
    with open(Path(settings.OSRM_DATA_DIR) / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path, _written = demo_network_file()
        return engine_files.prepare(pbf=path, name="demo").dataset


class RoutedProcess:
    def __init__(self, dataset: Path, port: int | None = None):
        from django.conf import settings

        self.dataset = dataset
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.binary = Path(settings.OSRM_BIN_DIR) / "osrm-routed"
        self.log_path = Path(tempfile.mkdtemp(prefix="osrm-routed-")) / "routed.log"
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self, timeout: float = 30) -> "RoutedProcess":
        assert self.binary.exists(), f"{self.binary} missing: run `scripts/osrm.sh install` (make test does)"
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [str(self.binary), "--algorithm", "mld", "--ip", "127.0.0.1", "--port", str(self.port), "--threads", "2",
             "--max-table-size", "100", str(self.dataset)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"osrm-routed exited with {self.proc.returncode}:\n{self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/nearest/v1/driving/113.9,-2.2", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"osrm-routed did not answer within {timeout}s:\n{self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self):
        """SIGKILL by pid, as a crash would end it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class HungEngine:
    """Accepts TCP connections on loopback and never answers: the deadline, not the engine, ends each request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.held = []
        self.accepted = 0
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self.held.append(conn)

    def close(self):
        self._stop = True
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()
        self.sock.close()
