"""Catch-up after a disconnect: replay from the database, then live, no gap and no duplicate at the seam."""
import asyncio

import pytest

from incidents.live import consumers
from tests.live.conftest import db, events, open_socket, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_missed_while_disconnected_arrive_in_order_once_then_live_continues(call_taker, make_incident, monkeypatch):
    # Small pages, so the backlog is read over several pages.
    monkeypatch.setattr(consumers, "REPLAY_PAGE", 2)
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        first = await db(make_incident)()
        [seen] = await events(comm, 1)
        assert seen["incident"] == first.pk
        await comm.disconnect()
        # given five incidents logged while the console was away
        missed = [await db(make_incident)(description=f"Kebakaran {i}") for i in range(5)]
        # when it reconnects from the last seq it saw
        comm = await open_socket(token=key, after=seen["seq"])
        replayed = await events(comm, 5)
        # then it gets exactly those, in order
        assert [e["incident"] for e in replayed] == [i.pk for i in missed]
        seqs = [e["seq"] for e in replayed]
        assert seqs == sorted(seqs) and seqs[0] > seen["seq"]
        # and live events continue after them
        later = await db(make_incident)()
        [live] = await events(comm, 1)
        assert live["incident"] == later.pk and live["seq"] > seqs[-1]
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run(body())


def test_events_committed_during_the_replay_are_sent_once_and_in_order(call_taker, make_incident, monkeypatch):
    # given a backlog, and incidents committed while the socket is reading it: one just before a page is read
    # (so it is both in the page and in the live queue) and one just after (only in the live queue)
    monkeypatch.setattr(consumers, "REPLAY_PAGE", 2)
    key = token_for(call_taker)
    during = []
    real_page = consumers.replay_page

    async def racing_page(scope, after, limit, incident_id=None):
        if not during:
            during.append(await db(make_incident)(description="sebelum halaman"))
            rows = await real_page(scope, after, limit, incident_id)
            during.append(await db(make_incident)(description="sesudah halaman"))
            await asyncio.sleep(0.1)  # let the hub queue both live copies
            return rows
        return await real_page(scope, after, limit, incident_id)

    monkeypatch.setattr(consumers, "replay_page", racing_page)

    async def body():
        from incidents.selectors import last_seq

        start = await db(last_seq)()
        backlog = [await db(make_incident)(description=f"antrian {i}") for i in range(3)]
        comm = await open_socket(token=key, after=start)
        got = await events(comm, 5)
        assert [e["incident"] for e in got] == [i.pk for i in backlog + during]
        seqs = [e["seq"] for e in got]
        assert seqs == sorted(set(seqs))
        assert await comm.receive_nothing(timeout=0.4)  # no duplicate of either
        await comm.disconnect()

    run(body())


def test_resume_message_and_resync_when_too_far_behind(call_taker, make_incident, monkeypatch):
    key = token_for(call_taker)

    async def body():
        from incidents.selectors import last_seq

        start = await db(last_seq)()
        missed = [await db(make_incident)(description=f"x{i}") for i in range(4)]
        # a first message {"type": "resume"} works like ?after=
        comm = await open_socket(token=key)
        await comm.send_json_to({"type": "resume", "after": start})
        assert [e["incident"] for e in await events(comm, 4)] == [i.pk for i in missed]
        await comm.disconnect()
        # too far behind: the console is told to reload instead of replaying thousands of events
        monkeypatch.setattr(consumers, "RESYNC_THRESHOLD", 3)
        comm = await open_socket(token=key, after=start)
        [msg] = await events(comm, 1)
        assert msg == {"type": "resync_required", "last_seq": await db(last_seq)()}
        # and it continues live from there
        later = await db(make_incident)()
        [live] = await events(comm, 1)
        assert live["incident"] == later.pk
        await comm.disconnect()

    run(body())


def test_a_lost_publish_is_filled_from_the_database_in_order(call_taker, make_incident, monkeypatch):
    """A worker that died between commit and publish (or a Redis hiccup): the hub notices the seq gap when
    the next event arrives and reads the missing one from the database."""
    import incidents.timeline as timeline

    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        real = timeline.publish_events
        monkeypatch.setattr(timeline, "publish_events", lambda events: None)
        lost = await db(make_incident)(description="tidak terkirim")
        monkeypatch.setattr(timeline, "publish_events", real)
        after = await db(make_incident)(description="terkirim")
        got = await events(comm, 2)
        assert [e["incident"] for e in got] == [lost.pk, after.pk]
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run(body())
