"""Give a pooled database connection back as soon as a synchronous view returns (ASGI only matters).

Under ASGI, Django runs a sync view in the request's own thread and returns that thread's database connection
to the pool only at `request_finished`, i.e. after two or three hops through the event loop (view → handler →
middleware → response sent → `response.close()`). When the event loop is busy (here: fanning live events out to
hundreds of sockets) each hop waits for it, so every finished request kept its connection for that long. With the
psycopg pool's 10 connections per process, requests then queued for a connection and failed after the pool's
10 s timeout with `PoolTimeout` → HTTP 500 (bench/push_latency.py, docs/perf-live.md).

As the last view middleware this calls the sync view itself (process_view runs in the request's thread, after
CSRF and every other view middleware) and, when the view left no transaction open, closes the connection —
which with a pool puts it back at once. It does nothing without a pool (tests, `DATABASE_POOL=false`), for
async views, and inside an atomic block. A template rendered later or a lazy streaming body that still needs
the database simply takes a connection again.
"""
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.db import OperationalError, connections

from dispatch.overload import database_unavailable


def _pooled() -> bool:
    return any(db.get("OPTIONS", {}).get("pool") for db in settings.DATABASES.values())


class ReleaseDbConnectionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = _pooled()

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self.enabled or iscoroutinefunction(view_func):
            return None
        try:
            return view_func(request, *view_args, **view_kwargs)
        except OperationalError as exc:
            # Django runs process_exception only for a view it called itself; this one it did not.
            return database_unavailable(request, exc)
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.connection is not None and not conn.in_atomic_block:
                    conn.close()
