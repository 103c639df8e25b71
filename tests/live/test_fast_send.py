"""The cheap path for live events (incidents.live.send): the hub sends through the server's own send at once, and
a send that has to wait for a full write buffer makes later events queue behind it, in order, exactly once."""
import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from incidents.live.send import start_eagerly
from tests.live.conftest import TIMEOUT, db, events, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_eagerly_runs_to_the_end_when_nothing_waits():
    ran = []

    async def body():
        async def sends():
            ran.append("written")

        assert start_eagerly(sends()) is None
        assert ran == ["written"]  # already ran, without a loop turn

    asyncio.run(body())


def test_start_eagerly_finishes_a_waiting_coroutine_in_a_task_and_passes_results_and_errors():
    async def body():
        gate = asyncio.get_running_loop().create_future()
        log = []

        async def waits():
            log.append("before")
            log.append(await gate)

        task = start_eagerly(waits())
        assert log == ["before"] and not task.done()
        gate.set_result("after")
        await task
        assert log == ["before", "after"]

        failing = asyncio.get_running_loop().create_future()

        async def fails():
            await failing

        task = start_eagerly(fails())
        failing.set_exception(ConnectionResetError("gone"))
        with pytest.raises(ConnectionResetError):
            await task

    asyncio.run(body())


class StuckWriteBuffer:
    """Stands in for a server whose socket write buffer is full: while `stuck`, every send waits, and the waiting
    sends are released newest first — so if the consumer ever had two sends waiting, the order would break."""

    def __init__(self, app):
        self.app = app
        self.stuck = False
        self.waiting: list[asyncio.Future] = []

    async def __call__(self, scope, receive, send):
        async def server_send(message):
            if self.stuck and message["type"] == "websocket.send":
                fut = asyncio.get_running_loop().create_future()
                self.waiting.append(fut)
                await fut
            await send(message)

        return await self.app(scope, receive, server_send)

    def release(self):
        self.stuck = False
        for fut in reversed(self.waiting):
            fut.set_result(None)
        self.waiting.clear()


def test_events_behind_a_waiting_send_queue_up_and_arrive_in_order_once(call_taker, make_incident):
    from dispatch.asgi import application

    key = token_for(call_taker)

    async def body():
        server = StuckWriteBuffer(application)
        comm = WebsocketCommunicator(server, "/ws/events/", headers=[(b"authorization", f"Token {key}".encode())])
        assert (await comm.connect(timeout=TIMEOUT))[0]
        first = await db(make_incident)()
        assert [e["incident"] for e in await events(comm, 1)] == [first.pk]
        # given a socket that cannot take more bytes for now
        server.stuck = True
        stuck = [await db(make_incident)(description=f"Kebakaran {i}") for i in range(4)]
        await asyncio.sleep(0.3)
        # then exactly one send waits (the others queue in the consumer) and nothing went out
        assert len(server.waiting) == 1
        assert await comm.receive_nothing(timeout=0.1)
        # when the buffer drains, every event arrives once, in seq order, and the cheap path resumes after them
        server.release()
        got = await events(comm, 4)
        assert [e["incident"] for e in got] == [i.pk for i in stuck]
        assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
        later = await db(make_incident)()
        assert [e["incident"] for e in await events(comm, 1)] == [later.pk]
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    run(body())


def test_an_event_replayed_from_the_database_is_not_sent_again_when_its_live_copy_arrives_late(call_taker, make_incident, monkeypatch):
    # given an event committed but not yet published (its publisher is slow), and a console resuming before it
    import incidents.timeline as timeline
    from incidents.live import publish_event, publish_events
    from incidents.models import TimelineEvent
    from tests.live.conftest import open_socket

    key = token_for(call_taker)
    held = []

    async def body():
        watching = await open_socket(token=key)  # the process hub is live before the event commits
        monkeypatch.setattr(timeline, "publish_events", held.extend)
        late = await db(make_incident)(description="terlambat")
        monkeypatch.setattr(timeline, "publish_events", publish_events)
        [event] = held
        comm = await open_socket(token=key, after=event.seq - 1)
        # the replay sends it from the database
        assert [e["seq"] for e in await events(comm, 1)] == [event.seq]
        # when its live copy finally arrives, the idle socket does not send it a second time
        await db(lambda: publish_event(TimelineEvent.objects.get(pk=event.pk)))()
        assert await comm.receive_nothing(timeout=0.3)
        later = await db(make_incident)(description="berikutnya")
        assert [e["incident"] for e in await events(comm, 1)] == [later.pk]
        assert late.pk != later.pk
        # the console that was already watching got the late event once, when it came, then the next one
        assert [e["incident"] for e in await events(watching, 2)] == [late.pk, later.pk]
        await comm.disconnect()
        await watching.disconnect()

    run(body())
