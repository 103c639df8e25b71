"""The cheap path for live events: the ASGI server's own `send`, called eagerly from the hub.

A live event goes to hundreds of sockets of a process within a few milliseconds (bench/push_latency.py). Through
the consumer's `send()` each one costs a wake-up of the socket's writer task plus Channels' send wrappers (the
consumer's, then the session middleware's, which only acts on `http.response.start` and `websocket.accept`).
Here the hub hands the pre-encoded text straight to the server's `send` and runs that coroutine at once: the
servers' `websocket.send` finishes without suspending unless the socket's write buffer is full, so the frame
is written in the same loop iteration with no task switch. When it does suspend, the rest runs as a task and
the socket queues its next events behind it (incidents.live.consumers keeps the order).

The lean path (issue 15): under Uvicorn's default WebSocket protocol (websockets-sansio) even that `send` does
per-socket work that is the same for every socket — encode the text to UTF-8, build a `Frame`, serialize it, join
the output — about as much Python as the rest of the fan-out together. A server-to-client text frame is not
masked, so its bytes are the same on every socket without an extension: the hub builds them once per event
(`text_frame`) and `write_frame` hands them straight to the socket's transport when the connection is open,
negotiated no extension (per-message deflate compresses per socket) and its write buffer is not over the
high-water mark. Otherwise (another server, Daphne, a closing socket, a full buffer) it returns False and the
caller takes the `send` path above, which waits for the buffer and raises on a closed socket.
"""
import asyncio
import struct

try:  # Uvicorn is the server we deploy (docs/perf-live.md); without it every socket takes the `send` path.
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State

    _OPEN = State.OPEN
except ImportError:  # pragma: no cover
    WebSocketsSansIOProtocol = None
    _OPEN = None

SERVER_SEND_KEY = "dispatch.server_send"


class ServerSendMiddleware:
    """Outermost WebSocket middleware: keeps the server's `send` in the scope, before any wrapper."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket":
            scope = dict(scope, **{SERVER_SEND_KEY: send})
        return await self.application(scope, receive, send)


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked WebSocket text frame (RFC 6455 §5.2) carrying `text`: what a server writes."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + data


def direct_target(server_send):
    """The Uvicorn connection behind the server's `send`, when pre-built frames may be written to it: the
    websockets-sansio protocol (Uvicorn's default) with no extension negotiated. None otherwise."""
    proto = getattr(server_send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(proto, WebSocketsSansIOProtocol) or proto.conn.extensions:
        return None
    return proto


def write_frame(proto, frame: bytes) -> bool:
    """Writes a pre-built frame to the socket if it may take it now (the same checks as Uvicorn's own send:
    handshake done, open, not closing, buffer below the high-water mark); False: use the `send` path."""
    if (
        proto.writable.is_set()
        and proto.handshake_complete
        and not proto.close_sent
        and not proto.disconnected
        and proto.conn.state is _OPEN
    ):
        proto.transport.write(frame)
        return True
    return False


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

