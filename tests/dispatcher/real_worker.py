"""Run a REAL Celery process (worker or beat) against the pytest database, for the tests that need one.

The process uses the same database (DATABASE_URL) and a Redis db of the test's own as broker, so nothing else on
the machine consumes its tasks. Each process gets a session of its own, so `kill` ends its pool children too.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def worker_args(name):
    """A solo worker on the timers queue: one task at a time, in the main process."""
    return ["worker", "-Q", "timers", "-c", "1", "-P", "solo", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-l", "info"]


def celery_env(broker, **extra):
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dispatch.settings.test",
        DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TEST_REDIS_URL=broker,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def start(args, log, env):
    return subprocess.Popen(
        [CELERY, "-A", "dispatch", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def kill(proc, sig=signal.SIGKILL):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
