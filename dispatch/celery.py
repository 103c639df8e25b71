import os

from celery import Celery
from celery.signals import task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")

app = Celery("dispatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Database connections in the workers. Celery's Django fixup closes every connection before and after each task,
# and with a psycopg pool configured it closes the whole pool too (celery/fixups/django.py, _close_database): each
# task — the sweeper every second, every acknowledgement countdown — opened a new pool, i.e. `min_size` new
# PostgreSQL backends and a pool thread, then threw them away (≈ 20 new backends a second in the soak at 5
# intakes/s, each a fork and an authentication on the database's cores). A worker process runs one task at a
# time, so it keeps one plain connection across tasks instead: no pool, a maximum age, and a health check before
# each task's first query, so a connection that died with a PostgreSQL restart or failover is replaced rather
# than failing the task (tests/dispatcher/test_worker_connections.py).
WORKER_CONN_MAX_AGE_S = 300


@worker_init.connect
def _keep_worker_connections(**_kwargs):
    """Before the worker forks its children: the connection settings every child inherits (in place: Django's
    connection handler holds these very dicts, and no connection exists yet)."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        db.get("OPTIONS", {}).pop("pool", None)
        db["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE_S
        db["CONN_HEALTH_CHECKS"] = True


@task_prerun.connect
def _check_worker_connections(task=None, **_kwargs):
    """What Django's request_started does for a request: drop a connection that errored or is too old, and have
    the next query check the kept one first. Not for an eager task: it runs inside its caller's transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
