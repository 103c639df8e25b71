"""Django's ASGI handler with a request's whole synchronous path in one thread hop, on a reused thread (issue 27).

Every view and middleware of this project is synchronous. Django's own ASGIHandler costs a request, outside the view:

- the middleware loaded in async mode, so a request crossed between the event loop and its thread six times (into
  the sync middleware, back to the loop for `_get_response_async`, into the thread for each `process_view` — CSRF,
  the connection release — and the view, and once more for `response.close()`), plus one for `request_started`;
- a new OS thread per request: `ThreadSensitiveContext` gives each request a single-thread executor of its own and
  shuts it down afterwards. Everything this process keeps per thread was then made again for every request: the
  thread's DatabaseWrapper (Django's connections are per thread), GEOS's WKB reader and writer, the prepared
  queries' converters (dispatch/prepared.py), the prepared outline of Indonesia (agencies/geo.py);
- a task listening for the client's disconnect beside a task running the view, for views that cannot be stopped
  (a sync view runs on in its thread whatever happens to the task that awaits it).

Here the middleware chain is loaded in sync mode (as under WSGI: no adapter between middlewares, process_view and
the view) and `request_started`, the request object, the chain and, for an ordinary response, `response.close()`
(`request_finished`: the pooled connection goes back before the bytes are written) run in ONE
`sync_to_async(thread_sensitive=True)` call. That call goes to a thread taken from a small pool of idle request
threads and given back afterwards — what a WSGI server's thread pool (gunicorn gthread) does.

What thread_sensitive=True guaranteed is kept: the request's `ThreadSensitiveContext` has that one thread as its
executor, so every thread-sensitive call of the request (a streaming body's iteration and its close included) runs
in it, and only this request uses it until it is done — one request, one thread, one request at a time per thread.
What a reused thread carries over from one request to the next is what a WSGI worker's thread carries: Django's
per-thread connection object (closed or returned to the pool at `request_finished` as before) and the caches listed
above; the request's own state (language, time zone, URL prefix) lives in context variables, made per request.

Concurrency is not bounded here (as with Django's handler, a request never waits for a thread): when no thread is
idle a new one is made, and at most IDLE_THREADS are kept. A thread still running something of its request — a view
whose awaiting task was cancelled — is not given to another request; it finishes and ends. A streaming response keeps
Django's order (closed after the body was sent) and Django's disconnect handling (the stream stops when the client
goes away). WebSockets do not pass here (Channels, dispatch/asgi.py).
"""
import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

# Idle request threads a process keeps. Above the database pool's size (10) a request waits for a connection
# anyway; a burst beyond this makes threads that end when their request is done, as Django's handler does for all.
IDLE_THREADS = 16


def _closed(*_args, **_kwargs) -> None:
    """Stands in for a response's close() once the handler closed it in the request's thread."""


class RequestThread(ThreadPoolExecutor):
    """One OS thread that serves one request at a time. `pending` counts the calls submitted and not yet finished, so
    that a thread still busy with a request that was given up on is never handed to the next one."""

    def __init__(self):
        super().__init__(max_workers=1, thread_name_prefix="request")
        self.pending = 0
        self._pending_lock = threading.Lock()  # incremented on the event loop, decremented in the thread

    def submit(self, fn, /, *args, **kwargs):
        with self._pending_lock:
            self.pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._pending_lock:
            self.pending -= 1


class RequestThreads:
    """The idle request threads of a handler, newest first (its caches are the warmest)."""

    def __init__(self, keep: int = IDLE_THREADS):
        self.keep = keep
        self.idle: list[RequestThread] = []
        self.pid = os.getpid()

    def take(self) -> RequestThread:
        if self.pid != os.getpid():
            # A forked child (a server that loads the app before forking) has the executors but not their threads.
            self.idle, self.pid = [], os.getpid()
        try:
            return self.idle.pop()
        except IndexError:
            return RequestThread()

    def give_back(self, thread: RequestThread) -> None:
        if thread.pending or len(self.idle) >= self.keep:
            thread.shutdown(wait=False)  # it ends once its last call has returned
        else:
            self.idle.append(thread)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.threads = RequestThreads()

    def load_middleware(self, is_async=False):
        # The sync chain, as a WSGI server would build it: every middleware here is sync (or both).
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError("Django can only handle ASGI/HTTP connections, not %s." % scope["type"])
        thread = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(thread)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            if response.streaming:
                await self._stream(response, receive, send)
            else:
                # Already closed. A client gone meanwhile: the server drops what is sent to it.
                await self.send_response(response, send)
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        """The request's whole synchronous path, in its thread: request_started, the request, the chain, close."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)  # urlconf, the chain, request.close registered, 4xx/5xx logged
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # as Django's run_get_response: the server chunks
        if not response.streaming:
            response.close()
            response.close = _closed
        return response

    async def _stream(self, response, receive, send):
        """Django's order for a streaming body: sent while the client is there, closed afterwards (in the thread)."""
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(self.send_response(response, send)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if not task.done():
                    task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, RequestAborted):
                    pass  # the client went away (the listener), or the send was stopped for it
        finally:
            for task in tasks:
                task.cancel()  # no task of the request outlives its ThreadSensitiveContext
            await sync_to_async(response.close, thread_sensitive=True)()
