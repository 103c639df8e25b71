"""The publisher's own connection (incidents/live/publish.py, issue 27): a transaction's events go out pipelined, in
order, and a connection the server dropped costs no event — the next publish connects again and sends it."""
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
        # the server drops the publisher's connection (a restart, an idle timeout)
        mine = publish._own.conn
        mine.send_command("CLIENT", "ID")
        killer = redis.Redis.from_url(settings.REDIS_URL)
        assert killer.client_kill_filter(_id=mine.read_response()) == 1
        publish.publish_events([_event(5), _event(6)])
        assert _received(sub) == [1, 2, 3, 4, 5, 6]
    finally:
        sub.close()
