"""A Celery worker keeps one database connection across tasks and replaces it when it dies (dispatch/celery.py).

Celery's Django fixup closed every connection before and after each task (and, with the psycopg pool, the pool):
each sweep and each acknowledgement countdown opened new PostgreSQL backends. With a REAL worker (solo pool, its
own Redis db as broker) on the pytest database, identified by its libpq application name.
"""
import os
import re
import tempfile
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu import Connection

from incidents.tasks import escalate_if_unacknowledged
from tests.dispatcher.real_worker import celery_env, kill, start, wait_for, worker_args

BROKER = os.environ.get("DISPATCHER_CONN_BROKER", "redis://127.0.0.1:6379/13")
APP_NAME = f"d112-worker-conn-{os.getpid()}"

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


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
    # libpq names the worker's connections (PGAPPNAME): the test tells them from its own
    worker = start(worker_args("conn"), log, celery_env(BROKER, PGAPPNAME=APP_NAME))
    try:
        wait_for(lambda: "ready." in log_path.read_text(), 60, "the worker to be ready")

        def finished():
            text = log_path.read_text()
            return text.count("succeeded in") + text.count("raised unexpected")

        def run_one():
            # The countdown task of an assignment that is gone: one query, no cleanup of its own (the sweeper's
            # task closes an unusable connection itself, so it would not show the worker's check).
            done = finished()
            with Connection(BROKER) as conn:
                escalate_if_unacknowledged.apply_async(args=[0], queue="timers", connection=conn)
            wait_for(lambda: finished() > done, 20, "the task to finish")

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
        wait_for(lambda: pid not in _worker_backends(), 10, "the backend to end")
        run_one()
        after = _worker_backends()
        assert len(after) == 1 and after[0] != pid, after
        text = log_path.read_text()
        assert not re.search(r"raised unexpected|OperationalError|InterfaceError", text), text[-3000:]
    finally:
        kill(worker)
        connection.close()
