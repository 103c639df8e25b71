"""The publisher (incidents/live/publish.py, issue 27): a transaction's events go out pipelined, in order, on the
client's pool — a connection the server dropped costs no event, and under Sentinel they reach the primary the
Sentinels name, never a default address."""
import datetime
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings

from incidents.live import publish

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures reset caches held with the database


def _event(seq):
    return SimpleNamespace(
        seq=seq, kind="incident.created", at=datetime.datetime.now(datetime.timezone.utc), incident_id=None, actor_id=None,
        payload={}, centre_ids=[1], agency_ids=[], community_ids=[],
    )


def _received(sub):
    got = []
    while (message := sub.get_message(timeout=0.5)) is not None:
        if message["type"] == "message":
            got.append(publish.parse_wire(message["data"])[0])
    return got


def test_events_are_published_in_order_and_a_dropped_connection_loses_none():
    sub = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    sub.subscribe(publish.live_channel())
    sub.get_message(timeout=1)
    try:
        publish.publish_events([_event(1), _event(2), _event(3)])
        publish.publish_events([_event(4)])
        # the server drops every publisher connection (a restart, an idle timeout)
        killer = redis.Redis.from_url(settings.REDIS_URL)
        me = killer.client_id()
        for client in killer.client_list():
            if int(client["id"]) != me and client.get("cmd") in ("publish", "exec", "multi"):
                killer.client_kill_filter(_id=int(client["id"]))
        publish.publish_events([_event(5), _event(6)])
        assert _received(sub) == [1, 2, 3, 4, 5, 6]
    finally:
        sub.close()


def test_under_sentinel_the_events_reach_the_primary_the_sentinels_name(monkeypatch):
    """The scale-out topology's soak found every PUBLISH going to localhost:6379 while the hubs listened on the
    Sentinels' primary: a SentinelManagedConnection written to without the pool's checkout connects to the default
    address. Here a fake Sentinel names the test's Redis on another spelling of its address (127.0.0.1 vs localhost is
    not enough: a port only the primary has), so an event that reaches the subscriber went where the Sentinel said."""
    from redis.sentinel import Sentinel, SentinelConnectionPool, SentinelConnectionPoolProxy

    url = redis.connection.parse_url(settings.REDIS_URL)
    primary = (url.get("host", "127.0.0.1"), int(url.get("port", 6379)))
    monkeypatch.setattr(SentinelConnectionPool, "get_master_address", lambda self: primary)
    monkeypatch.setattr(SentinelConnectionPoolProxy, "get_master_address", lambda self: primary)
    client = Sentinel([("127.0.0.1", 1)]).master_for("dispatch112", db=url.get("db", 0), socket_timeout=2)
    # the default address must not be the primary for the test to mean anything: move the client's default away
    client.connection_pool.connection_kwargs.setdefault("port", 1)
    monkeypatch.setattr(publish, "_client", client)
    sub = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    sub.subscribe(publish.live_channel())
    sub.get_message(timeout=1)
    try:
        publish.publish_events([_event(7), _event(8)])
        assert _received(sub) == [7, 8]
    finally:
        sub.close()
