"""The hub fills a gap from the database on a connection of its own: the events come back as they were published."""
import asyncio
import json

import pytest

from incidents.live import encode_event, event_groups
from incidents.live.hub import fetch_range
from incidents.models import TimelineEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_gap_comes_back_in_seq_order_with_the_published_groups_and_json(make_incident, monkeypatch):
    incidents = [make_incident(description=f"Kebakaran {i}") for i in range(3)]
    events = list(TimelineEvent.objects.filter(incident__in=incidents).order_by("seq"))
    first, last = events[0].seq, events[-1].seq

    # not through any Django connection (nor its pool), in any thread: every query there would need this
    from django.db.backends.base.base import BaseDatabaseWrapper

    with monkeypatch.context() as m:
        m.setattr(BaseDatabaseWrapper, "ensure_connection", lambda self: pytest.fail("the gap fill used a Django connection"))
        rows = asyncio.run(fetch_range(first - 1, last + 1, 10))

    assert [seq for seq, _, _ in rows] == [e.seq for e in events]
    for (seq, groups, text), event in zip(rows, events):
        assert groups == event_groups(event)
        # the same event, as published (jsonb may order the payload's keys differently)
        assert json.loads(text) == json.loads(encode_event(event))
        assert json.loads(text)["at"] == event.at.isoformat()
    # the upper bound is exclusive, and the limit holds
    assert [seq for seq, _, _ in asyncio.run(fetch_range(first - 1, last, 10))] == [e.seq for e in events[:-1]]
    assert len(asyncio.run(fetch_range(first - 1, last + 1, 1))) == 1


class Socket:
    def __init__(self):
        self.got = []

    def push(self, seq, text, groups=(), frame=None):
        self.got.append(seq)

    def resume_from_last(self):
        self.got.append("resume")


def test_the_hub_fills_every_gap_on_the_one_connection_it_keeps(make_incident, monkeypatch):
    """Issue 27: every socket of the process waits while a gap is filled; a new PostgreSQL connection per fill
    made that wait a connection set-up (a forked backend) at every out-of-order publish."""
    import incidents.live.hub as live_hub

    incidents = [make_incident(description=f"Kebakaran {i}") for i in range(4)]
    events = list(TimelineEvent.objects.filter(incident__in=incidents, kind="incident.created").order_by("seq"))
    connects = []
    real_connect = live_hub._connect

    async def counted():
        connects.append(1)
        return await real_connect()

    monkeypatch.setattr(live_hub, "_connect", counted)
    monkeypatch.setattr(live_hub, "GAP_WAIT_S", 0.01)

    def published(event):
        return event.seq, event_groups(event), encode_event(event)

    async def body():
        sock = Socket()
        hub = live_hub.LiveHub()
        hub.delivered = events[0].seq - 1
        hub.members[sock] = ["all"]
        hub.groups["all"].add(sock)
        try:
            # twice an event arrives before the one below it, which never does: both gaps come from the database
            for missing, arriving in ((events[0], events[1]), (events[2], events[3])):
                hub.offer(*published(arriving))
                for _ in range(200):
                    if hub.delivered == arriving.seq:
                        break
                    await asyncio.sleep(0.01)
            # every event between the first and the last, once and in order (plus whatever the services recorded
            # in between, e.g. an incident's other events), on one connection
            assert [s for s in sock.got if s in {e.seq for e in events}] == [e.seq for e in events]
            assert sock.got == sorted(set(sock.got))
            assert len(connects) == 1
            # a connection that died (PostgreSQL restarted, the backend killed) is replaced at the next fill
            pid = hub._reader.conn.info.backend_pid
            killer = await real_connect()
            await killer.execute("SELECT pg_terminate_backend(%s)", [pid])
            await killer.close()
            rows = await live_hub.fetch_range(events[0].seq - 1, events[-1].seq + 1, 100, reader=hub._reader)
            assert [seq for seq, _, _ in rows if seq in {e.seq for e in events}] == [e.seq for e in events]
            assert hub._reader.conn.info.backend_pid != pid and len(connects) == 2
        finally:
            await hub._reader.close()

    asyncio.run(body())
