"""The HTTP side of dispatch.asgi: Django's handler with a request's sync path in one thread hop (issue 27)."""
import asyncio

import pytest
from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished
from django.http import StreamingHttpResponse
from django.urls import path

from dispatch.asgi_handler import OneHopASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = []


def _streamed(request):
    def body():
        EVENTS.append("first chunk")
        yield b"satu,"
        EVENTS.append("second chunk")
        yield b"dua"

    return StreamingHttpResponse(body(), content_type="text/csv")


urlpatterns = [path("streamed/", _streamed)]


def _scope(path_, method="GET"):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path_, "raw_path": path_.encode(), "query_string": b"", "root_path": "",
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
    # and the middleware, the view middleware and the view ran in ONE hand-off; besides it only request_started's
    # receivers and the no-op close. Django's own handler took 6 here (middleware, async_to_sync back, each
    # process_view, the view, close).
    assert [h for h in hops if "_respond" in h] == ["OneHopASGIHandler._respond"]
    assert len(hops) <= 3, hops


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
