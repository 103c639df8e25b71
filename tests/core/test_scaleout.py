"""Scale-out settings (issue 14): the replica router, its lag fallback, libpq's host list, Redis through Sentinel.

The real failovers are exercised by bench/soak.py on scripts/topology.sh; these hold the pieces one by one."""
import itertools
import socket

import pytest
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper
from django.db import connection
from django.test import RequestFactory

from dispatch import db_router, redis_client

_aliases = itertools.count()


@pytest.fixture
def replica_lag(monkeypatch, settings):
    """Sets what the replica's lag check answers (seconds, or None for "cannot be read"); no caching."""
    settings.REPLICA_LAG_CHECK_S = 0
    settings.REPLICA_MAX_LAG_S = 5
    answer = {"lag": 0.0, "checks": 0}

    def fake():
        answer["checks"] += 1
        return answer["lag"]

    monkeypatch.setattr(db_router, "replica_lag_seconds", fake)
    return answer


def _routed_db(path, method="GET"):
    """What the router picks for a read made inside a request to `path`."""
    seen = {}

    def view(request):
        seen["db"] = db_router.ReplicaRouter().db_for_read(None)
        return None

    request = RequestFactory().generic(method, path)
    db_router.ReplicaReadsMiddleware(view)(request)
    return seen["db"]


def test_reports_and_events_feed_read_from_a_fresh_replica(replica_lag):
    # Given a replica 0.5 s behind, when a report or the events feed is read, then the replica serves it
    replica_lag["lag"] = 0.5
    assert _routed_db("/api/v1/events/?after=10") == "replica"
    assert _routed_db("/api/v1/reports/coordination/") == "replica"


def test_everything_else_reads_from_the_primary(replica_lag):
    # Other paths and any unsafe method stay on the primary, as does a read outside any request
    assert _routed_db("/api/v1/incidents/") == "default"
    assert _routed_db("/api/v1/events/", method="POST") == "default"
    assert db_router.ReplicaRouter().db_for_read(None) == "default"
    assert db_router.ReplicaRouter().db_for_write(None) == "default"


def test_a_lagging_or_unreachable_replica_falls_back_to_the_primary(replica_lag):
    replica_lag["lag"] = 30.0
    assert _routed_db("/api/v1/events/") == "default"
    replica_lag["lag"] = None
    assert _routed_db("/api/v1/events/") == "default"
    replica_lag["lag"] = 0.0
    assert _routed_db("/api/v1/events/") == "replica"


def test_the_lag_check_is_cached_per_process(replica_lag, settings):
    settings.REPLICA_LAG_CHECK_S = 60
    db_router._lag.checked_at = float("-inf")
    for _ in range(5):
        _routed_db("/api/v1/events/")
    assert replica_lag["checks"] == 1


@pytest.mark.django_db
def test_the_lag_query_runs_and_a_primary_reports_no_lag():
    with connection.cursor() as cursor:
        cursor.execute(db_router._LAG_SQL)
        assert float(cursor.fetchone()[0]) == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_host_list_finds_the_primary_when_the_first_host_is_down():
    # Given DATABASE_HOSTS as base.py turns it into settings: a dead server first, the live primary second
    live = connection.settings_dict
    settings_dict = {
        **live,
        "HOST": f"127.0.0.1,{live['HOST'] or '127.0.0.1'}",
        "PORT": f"{_closed_port()},{live['PORT'] or 5432}",
        "OPTIONS": {**{k: v for k, v in (live.get("OPTIONS") or {}).items() if k != "pool"},
                    "target_session_attrs": "read-write", "connect_timeout": 3},
    }
    wrapper = DatabaseWrapper(settings_dict, alias=f"hostlist{next(_aliases)}")
    # When a connection is made with Django's parameters, then libpq skips the dead host and lands on a read-write server
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        assert raw.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        assert raw.info.port == int(live["PORT"] or 5432)
    finally:
        raw.close()


def test_with_sentinels_the_clients_ask_the_sentinels_for_the_primary(settings):
    from redis.asyncio.sentinel import SentinelConnectionPool as AsyncSentinelPool
    from redis.sentinel import SentinelConnectionPool

    settings.REDIS_SENTINELS = [("127.0.0.1", 26379), ("127.0.0.1", 26380)]
    settings.REDIS_SENTINEL_MASTER = "dispatch112"
    settings.REDIS_DB = 3
    client = redis_client.sync_client(socket_timeout=1)
    assert isinstance(client.connection_pool, SentinelConnectionPool)
    assert client.connection_pool.service_name == "dispatch112"
    assert client.connection_pool.connection_kwargs["db"] == 3
    assert isinstance(redis_client.async_client().connection_pool, AsyncSentinelPool)
    pool = redis_client.SentinelCachePool.from_url("redis://ignored/0")
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "dispatch112"


def test_without_sentinels_the_clients_use_redis_url(settings):
    settings.REDIS_SENTINELS = []
    client = redis_client.sync_client("redis://127.0.0.1:6399/4")
    assert client.connection_pool.connection_kwargs["port"] == 6399
    assert client.connection_pool.connection_kwargs["db"] == 4
