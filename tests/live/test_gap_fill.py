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
