"""Django's ASGI handler with a request's whole synchronous path in one thread hop (issue 27).

Every view and middleware of this project is synchronous. Django's own ASGIHandler loads the middleware in async
mode, so a request crossed between the event loop and its thread several times: into the sync middleware, back to
the loop for `_get_response_async` (async_to_sync), into the thread again for each `process_view` (CSRF, the
connection release) and for the view, and once more for `response.close()`. Each crossing is a future, an executor
hand-off and two context switches — measured as ≈ 3 ms of server CPU per request more than the same code under a
WSGI server (bench/surge.py `--server gunicorn`, docs/performance.md "Sync vs async workers").

Here the middleware chain is loaded in sync mode (as under WSGI: no adapter between middlewares, process_view and
the view) and run in one `sync_to_async(thread_sensitive=True)` call — the request's own thread, as before, so
database connections and thread-locals behave exactly as they did. An ordinary (non-streaming) response is also
closed in that thread (`request_finished`: the pooled connection goes back before the bytes are written), so
Django's later `response.close()` is a no-op; streaming and file responses keep Django's order (closed after the
body was sent). WebSockets do not pass here (Channels, dispatch/asgi.py).
"""
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


def _closed(*_args, **_kwargs) -> None:
    """Stands in for a response's close() once the handler closed it in the request's thread."""


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        # The sync chain, as a WSGI server would build it: every middleware here is sync (or both).
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self._respond, thread_sensitive=True)(request)

    def _respond(self, request):
        response = self.get_response(request)  # urlconf, the chain, request.close registered, 4xx/5xx logged
        if not response.streaming:
            response.close()
            response.close = _closed
        return response
