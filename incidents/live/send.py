"""The cheap path for live events: the ASGI server's own `send`, called eagerly from the hub.

A live event goes to hundreds of sockets of a process within a few milliseconds (bench/push_latency.py). Through
the consumer's `send()` each one costs a wake-up of the socket's writer task plus Channels' send wrappers (the
consumer's, then the session middleware's, which only acts on `http.response.start` and `websocket.accept`).
Here the hub hands the pre-encoded text straight to the server's `send` and runs that coroutine at once: the
servers' `websocket.send` finishes without suspending unless the socket's write buffer is full, so the frame
is written in the same loop iteration with no task switch. When it does suspend, the rest runs as a task and
the socket queues its next events behind it (incidents.live.consumers keeps the order).
"""
import asyncio

SERVER_SEND_KEY = "dispatch.server_send"


class ServerSendMiddleware:
    """Outermost WebSocket middleware: keeps the server's `send` in the scope, before any wrapper."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket":
            scope = dict(scope, **{SERVER_SEND_KEY: send})
        return await self.application(scope, receive, send)


def start_eagerly(coro):
    """Runs `coro` up to its first suspension, synchronously. Returns None when it finished, else a Task that
    finishes it. Exceptions raised before the first suspension propagate to the caller. (Python 3.12's eager
    task factory does the same; we run on 3.11.)"""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return asyncio.get_running_loop().create_task(_finish(coro, yielded))


async def _finish(coro, yielded):
    while True:
        try:
            if yielded is None:  # a bare yield (asyncio.sleep(0)): give the loop one turn
                await asyncio.sleep(0)
            elif not yielded.done():  # the Future the coroutine awaits: wait for it here, then resume the coroutine
                await asyncio.wait([yielded])  # completion only; the coroutine reads the result when resumed
        except BaseException as exc:  # cancelled while waiting: let the coroutine see it
            try:
                yielded = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            yielded = coro.send(None)
        except StopIteration:
            return

