"""Reads that may come from the streaming replica: reports and the events feed's catch-up (issue 14).

Opt-in: only when `DATABASE_REPLICA_HOSTS` is set (dispatch/settings/base.py) is there a `replica` database,
this router and its middleware. Everything else — every write, every read of a request that is not one of
the listed safe (GET/HEAD) paths, every Celery task, the sockets — stays on the primary.

Why those two: a monthly report scans a year of timeline rows and the events feed's catch-up after an outage
reads thousands of events at once; neither may slow the call-takers' writes, and both tolerate being a second
behind (the feed resumes by seq, and the replica applies commits in commit order, so it never shows a later
event without the earlier ones).

Lag fallback: the replica is used only while its replay lag is at most `REPLICA_MAX_LAG_S` (checked at most
every `REPLICA_LAG_CHECK_S` per process); a replica that lags, is down, or was promoted after a failover (it is
then the primary itself, so reading it is harmless) never makes a read fail — the read goes to the primary.
"""
import contextvars
import logging
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_replica_reads = contextvars.ContextVar("replica_reads", default=False)

# SELECT on the replica: seconds behind the primary (0 when everything received is replayed).
_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


class _LagCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.ok = False


_lag = _LagCache()


def replica_lag_seconds() -> float | None:
    """The replica's replay lag now, or None when it cannot be read (down, not configured)."""
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            return float(cursor.fetchone()[0])
    except Exception:  # noqa: BLE001 — any failure means "do not read from the replica"
        logger.warning("replica lag check failed; reading from the primary", exc_info=True)
        return None
    finally:
        # Outside a request (the check runs inside one, but may be the first use of the alias in this thread).
        connections["replica"].close_if_unusable_or_obsolete()


def replica_usable() -> bool:
    now = time.monotonic()
    if now - _lag.checked_at < settings.REPLICA_LAG_CHECK_S:
        return _lag.ok
    with _lag.lock:
        if now - _lag.checked_at >= settings.REPLICA_LAG_CHECK_S:
            lag = replica_lag_seconds()
            _lag.ok = lag is not None and lag <= settings.REPLICA_MAX_LAG_S
            _lag.checked_at = time.monotonic()
    return _lag.ok


class ReplicaRouter:
    """Reads go to `replica` inside a replica-read request whose replica is fresh enough; all else to `default`."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and replica_usable():
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Marks safe requests under `REPLICA_READ_PATHS` as replica reads for the router above."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.REPLICA_READ_PATHS)

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes):
            return self.get_response(request)
        token = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)
