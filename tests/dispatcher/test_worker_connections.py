"""A Celery worker keeps one database connection across tasks and replaces it when it dies (dispatch/celery.py).

Celery's Django fixup closed every connection before and after each task (and, with the psycopg pool, the pool):
each sweep and each acknowledgement countdown opened new PostgreSQL backends. With a REAL worker (solo pool, its
own Redis db as broker) on the pytest database, identified by its libpq application name.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu import Connection

from incidents.tasks import escalate_if_unacknowledged

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("DISPATCHER_CONN_BROKER", "redis://127.0.0.1:6379/13")
CELERY = str(Path(sys.executable).with_name("celery"))
APP_NAME = f"d112-worker-conn-{os.getpid()}"

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _env():
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dispatch.settings.test",
        DATABASE_URL=f"postgis://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TEST_REDIS_URL=BROKER,
        PGAPPNAME=APP_NAME,  # libpq names the worker's connections: the test tells them from its own
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_for(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_backends():
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s ORDER BY pid", [APP_NAME])
        return [row[0] for row in cur.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_worker_keeps_one_connection_and_replaces_a_dead_one():
    redis.Redis.from_url(BROKER).delete("timers", "celery")
    tmp = Path(tempfile.mkdtemp(prefix="worker-conn-"))
    log_path = tmp / "worker.log"
    log = open(log_path, "w+")
    worker = subprocess.Popen(
        [CELERY, "-A", "dispatch", "worker", "-Q", "timers", "-c", "1", "-P", "solo", "-n", "conn@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_for(lambda: "ready." in log_path.read_text(), 60, "the worker to be ready")

        def finished():
            text = log_path.read_text()
            return text.count("succeeded in") + text.count("raised unexpected")

        def run_one():
            # The countdown task of an assignment that is gone: one query, no cleanup of its own (the sweeper's
            # task closes an unusable connection itself, so it would not show the worker's check).
            done = finished()
            with Connection(BROKER) as conn:
                escalate_if_unacknowledged.apply_async(args=[0], queue="timers", connection=conn)
            _wait_for(lambda: finished() > done, 20, "the task to finish")

        # ten tasks, one after the other: after each, the same one backend is still there
        seen = []
        for _ in range(10):
            run_one()
            seen.append(tuple(_worker_backends()))
        assert len(set(seen)) == 1 and len(seen[0]) == 1, f"worker backends after each task: {seen}"
        [pid] = seen[0]

        # a PostgreSQL restart or failover kills it between tasks: the next task checks it, opens a new one and succeeds
        with connection.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        _wait_for(lambda: pid not in _worker_backends(), 10, "the backend to end")
        run_one()
        after = _worker_backends()
        assert len(after) == 1 and after[0] != pid, after
        text = log_path.read_text()
        assert not re.search(r"raised unexpected|OperationalError|InterfaceError", text), text[-3000:]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, 9)
        worker.wait(timeout=10)
        connection.close()
