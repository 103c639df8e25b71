"""The HTTP side of dispatch.asgi: Django's handler with a request's sync path in one thread hop (issue 27)."""
import asyncio
import threading
import time

import pytest
from asgiref import sync
from asgiref.local import Local
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished, request_started
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from dispatch.asgi_handler import OneHopASGIHandler, RequestThreads

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = []


def _streamed(request):
    def body():
        EVENTS.append("first chunk")
        yield b"satu,"
        EVENTS.append("second chunk")
        yield b"dua"

    return StreamingHttpResponse(body(), content_type="text/csv")


SEEN = []  # (what, the thread it ran in)
BARRIER = threading.Barrier(1)
REQUEST_STATE = Local()  # context-local, as Django's language, time zone and URL prefix are


def _where(request):
    SEEN.append(("view", threading.current_thread(), getattr(REQUEST_STATE, "mark", None)))
    REQUEST_STATE.mark = request.path  # left behind on purpose: the next request must not see it
    if request.GET.get("wait"):
        BARRIER.wait(timeout=10)
    return HttpResponse("ok")


urlpatterns = [path("streamed/", _streamed), path("where/", _where)]


def _scope(path_, method="GET"):
    path_, _, query = path_.partition("?")
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path_, "raw_path": path_.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }


async def _get(app, path_):
    comm = ApplicationCommunicator(app, _scope(path_))
    await comm.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await comm.receive_output(5)
    body = b""
    while True:
        message = await comm.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await comm.wait(5)
    return start["status"], body


@pytest.fixture
def hops(monkeypatch):
    """Counts the event loop → thread hand-offs (every sync_to_async call) of a request."""
    calls = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    return calls


@pytest.fixture
def finished():
    seen = []

    def receiver(**_kw):
        seen.append(list(EVENTS))

    request_finished.connect(receiver)
    yield seen
    request_finished.disconnect(receiver)


def test_a_request_crosses_into_its_thread_once_for_the_whole_view(hops, finished):
    # given the project's ASGI app (dispatch.asgi) serving a page through every middleware
    from dispatch.asgi import django_asgi_app

    assert isinstance(django_asgi_app, OneHopASGIHandler)
    # when the login page is asked for
    status, body = asyncio.run(_get(django_asgi_app, "/login/"))
    # then it is served, closed once (request_finished: the pooled connection goes back)
    assert status == 200 and b"<form" in body
    assert len(finished) == 1
    # and request_started, the middleware, the view middleware, the view and the close ran in ONE hand-off.
    # Django's own handler took 7 here (request_started, middleware, async_to_sync back, each process_view, the
    # view, close).
    assert hops == ["OneHopASGIHandler._respond"]


@pytest.mark.urls(__name__)
def test_a_streaming_response_is_closed_after_its_body_was_sent(finished):
    EVENTS.clear()
    status, body = asyncio.run(_get(OneHopASGIHandler(), "/streamed/"))
    assert (status, body) == (200, b"satu,dua")
    # request_finished came after the last chunk was produced, as with Django's own handler
    assert finished == [["first chunk", "second chunk"]]


def test_an_unknown_path_is_a_404_and_logged(caplog):
    from dispatch.asgi import django_asgi_app

    with caplog.at_level("WARNING", logger="django.request"):
        status, _body = asyncio.run(_get(django_asgi_app, "/tidak-ada/"))
    assert status == 404
    assert any("Not Found" in r.getMessage() for r in caplog.records)


@pytest.fixture
def seen():
    SEEN.clear()

    def started(**_kw):
        SEEN.append(("started", threading.current_thread(), None))

    def finished(**_kw):
        SEEN.append(("finished", threading.current_thread(), None))

    request_started.connect(started)
    request_finished.connect(finished)
    yield SEEN
    request_started.disconnect(started)
    request_finished.disconnect(finished)


@pytest.mark.urls(__name__)
def test_one_request_runs_all_its_sync_code_in_one_thread_which_the_next_request_reuses(seen):
    # given a handler, and a view that leaves context-local state behind
    handler = OneHopASGIHandler()

    # when two requests come one after the other
    async def two():
        assert (await _get(handler, "/where/"))[0] == 200
        assert (await _get(handler, "/where/"))[0] == 200

    asyncio.run(two())
    # then each ran request_started, the view and request_finished
    assert [what for what, _t, _m in seen] == ["started", "view", "finished"] * 2
    threads = [t for _w, t, _m in seen]
    # request_started, the view and request_finished of a request in one thread, not the event loop's
    assert len(set(threads)) == 1 and threads[0] is not threading.main_thread()
    # the second request found the first one's thread (Django's handler makes a new thread per request), and none
    # of the first request's context-local state
    assert [m for w, _t, m in seen if w == "view"] == [None, None]
    assert len(handler.threads.idle) == 1


@pytest.mark.urls(__name__)
def test_requests_at_the_same_time_each_have_a_thread_of_their_own(seen):
    # given three views that wait for each other: each must be in its own thread, or they never return
    global BARRIER
    BARRIER = threading.Barrier(3)
    handler = OneHopASGIHandler()

    # when three requests come at once
    async def three():
        return await asyncio.gather(*(_get(handler, "/where/?wait=1") for _ in range(3)))

    # then all three are served, each in a thread of its own, and the three threads are kept
    assert [status for status, _ in asyncio.run(three())] == [200] * 3
    views = [t for w, t, _m in seen if w == "view"]
    assert len(set(views)) == 3
    assert len(handler.threads.idle) == 3  # all kept for the next requests


def test_a_thread_still_busy_with_an_abandoned_call_is_not_handed_to_the_next_request():
    threads = RequestThreads(keep=2)
    busy = threads.take()
    release = threading.Event()
    running = busy.submit(release.wait, 10)  # e.g. a view whose awaiting task was cancelled
    threads.give_back(busy)
    assert threads.take() is not busy
    release.set()
    running.result(5)
    # a thread whose calls are done goes back and is the next one taken
    ready = threads.take()
    ready.submit(int).result(5)
    deadline = time.monotonic() + 5
    while ready.pending and time.monotonic() < deadline:  # the done-callback runs just after the result is set
        time.sleep(0.01)
    threads.give_back(ready)
    assert threads.take() is ready


def test_no_more_idle_threads_are_kept_than_the_limit():
    threads = RequestThreads(keep=2)
    taken = [threads.take() for _ in range(4)]
    for thread in taken:
        threads.give_back(thread)
    assert threads.idle == taken[:2]


def test_a_forked_child_does_not_take_its_parents_idle_threads(monkeypatch):
    threads = RequestThreads(keep=2)
    parents = threads.take()
    threads.give_back(parents)
    monkeypatch.setattr("dispatch.asgi_handler.os.getpid", lambda: threads.pid + 1)  # as in a child after fork
    assert threads.take() is not parents
