"""The live-events socket (`/ws/events/`): authorise in connect(), then replay and stream the user's events.

Contract (issue 4, issue 6): every message is a timeline event `{"seq", "kind", "at", "incident", "actor",
"payload"}` (incidents.live.event_message), sent in seq order and exactly once per socket. Control messages
carry a "type" instead of a "seq": `pong`, `resync_required` (the client is too far behind: reload), `error`.

Resume without gap or duplicate at the seam:
1. join the local groups of the process hub FIRST (incidents.live.hub), so live events start queuing;
2. replay from the database every event of the user's scope with seq > after, page by page;
3. then send the queued live events, dropping every seq <= the last one sent (which also drops an event
   that reaches this socket through two of its groups).
Order holds because one socket sends from one place at a time: while its queue is empty and its writer task
is parked, the hub sends a live event at once — under Uvicorn as the frame bytes the hub built once for all
sockets, written to the connection's transport; elsewhere through the server's own `send` (incidents.live.send:
no task switch, no wrapper — the cheap path that keeps a thousand sockets within milliseconds); everything else
(replay, a backlog, a send still waiting for a full write buffer) goes through the socket's writer task in
order, so a slow socket never delays the others.

`after` comes from `?after=<seq>` or from a first client message `{"type": "resume", "after": <seq>}`;
without it the socket streams from "now" (the newest seq at connect).

`?incident=<id>` follows one incident (a crew's or volunteer's phone, an incident page, an integrator): the
socket joins `incident.<id>` only, which the user must be able to see (else close 4404), and still gets only
the events whose audience meets the user's scope — after a handoff away from their agency, the new agency's
internal events stay the new agency's.

There is deliberately no `?token=`: query strings end up in access logs; integrators send
`Authorization: Token <key>` (incidents.live.auth).
"""
import asyncio
import json
import logging
import weakref
from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from agencies.models import User
from agencies.scoping import scope_for
from incidents.selectors import events_after_scope, events_in_scope, incidents_visible_to
from incidents.live.hub import db_last_seq, get_hub
from incidents.live import stallwatch
from incidents.live.publish import encode_event
from incidents.live.send import SERVER_SEND_KEY, direct_target, start_eagerly, write_frame

logger = logging.getLogger(__name__)

# Close codes the console module understands (incidents/static/js/live.js).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
CLOSE_NOT_FOUND = 4404
CLOSE_UNAVAILABLE = 1011

REPLAY_PAGE = 500
# Further behind than this, a console reloads its lists instead of applying thousands of events one by one.
RESYNC_THRESHOLD = 5000
# A socket whose queue grows past this is not reading: drop the queue and replay from the database later.
MAX_PENDING = 5000
# How often the process re-reads the users of its sockets (ScopeGuard, one query for all): a deactivated user, or
# one moved to another centre/agency/role, is closed (4401 / 4403) within this time, and the console reconnects
# with its new scope (or not at all).
SCOPE_RECHECK_S = 30

_RESUME = object()


def _replay_page(scope, after, limit, incident_id=None):
    return [(e.seq, encode_event(e)) for e in events_after_scope(scope, after, limit, incident_id=incident_id)]


def _count_after(scope, after, cap, incident_id=None):
    return events_in_scope(scope, incident_id=incident_id).filter(seq__gt=after)[:cap].count()


def _may_follow(user, incident_id):
    return incidents_visible_to(user).filter(pk=incident_id).exists()


# Not thread-sensitive: replays must not queue behind the sync HTTP views sharing the main sync thread.
replay_page = database_sync_to_async(_replay_page, thread_sensitive=False)
count_after = database_sync_to_async(_count_after, thread_sensitive=False)
db_scope_for = database_sync_to_async(scope_for, thread_sensitive=False)


def _current_scopes(user_ids):
    """{user id: the user's scope now}, one query for all; a user gone or deactivated is absent."""
    return {user.pk: scope_for(user) for user in User.objects.filter(pk__in=user_ids, is_active=True)}


db_current_scopes = database_sync_to_async(_current_scopes, thread_sensitive=False)
may_follow = database_sync_to_async(_may_follow, thread_sensitive=False)


def _parse_int(value, lowest: int):
    """None stays None; anything else must be an integer in [lowest, 2**63) (a bigint), else ValueError."""
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(value) from None
    if not lowest <= number < 2**63:
        raise ValueError(value)
    return number


def _parse_after(value):
    return _parse_int(value, 0)


def _parse_incident(value):
    return _parse_int(value, 1)


class EventsConsumer(AsyncWebsocketConsumer):
    # Events come from the process hub, not from a per-socket channel: an alias that names no configured
    # layer makes Channels skip creating (and subscribing) one Redis channel per socket.
    channel_layer_alias = "__live_hub__"

    async def connect(self):
        self.hub = None
        self._writer = None
        # The server's send (the cheap path); without ServerSendMiddleware (tests of the bare consumer), Channels'.
        self._server_send = self.scope.get(SERVER_SEND_KEY) or self.base_send
        # The leaner path still: Uvicorn's connection, to write the hub's pre-built frame bytes to (send.py).
        self._direct = direct_target(self._server_send)
        self._inflight = None  # an eager send still waiting for the socket's write buffer
        self._parked = False  # the writer waits for work: the hub may send directly
        self._guard = None  # the process's ScopeGuard, once this socket is watched
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept, then close with a code: a refused handshake reaches the browser as a bare 1006.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk  # the hub closes a revoked user's sockets by it (incidents.live.hub._on_control)
        self.live_scope = await db_scope_for(user)
        if self.live_scope.is_empty:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            after = _parse_after((query.get("after") or [None])[0])
            self.incident_id = _parse_incident((query.get("incident") or [None])[0])
        except ValueError:
            await self.accept()
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        # Following one incident: its group only, and each event must still meet the user's scope (push()).
        self._scope_groups = None
        groups = self.live_scope.group_names()
        if self.incident_id is not None:
            if not await may_follow(user, self.incident_id):
                await self.accept()
                await self.close(code=CLOSE_NOT_FOUND)
                return
            self._scope_groups = frozenset(groups)
            groups = [f"incident.{self.incident_id}"]

        self.last_sent = None  # seq of the last event this socket sent (or the point it resumed from)
        self.sent_any = False
        self._last_queued = -1
        self._pending = deque()
        self._wake = asyncio.Event()

        try:
            # Join first: from here on every live event of the scope queues up for this socket.
            hub = get_hub()
            await hub.join(self, groups)
            self.hub = hub
            if after is None:
                # "From now": fixed before the handshake completes, so nothing committed after the client
                # sees the socket open can be missed.
                after = await db_last_seq()
        except Exception:  # noqa: BLE001 — no Redis, no live guarantee: let the client retry with backoff
            logger.warning("live socket refused: hub not ready", exc_info=True)
            await self.disconnect(CLOSE_UNAVAILABLE)
            await self.accept()
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        self._pending.appendleft((_RESUME, "initial", after))
        self._wake.set()
        await self.accept()
        loop = asyncio.get_running_loop()
        self._writer = loop.create_task(self._write_loop())
        self._guard = get_guard()
        self._guard.watch(self, user.pk)

    async def disconnect(self, code):
        if self.hub is not None:
            self.hub.leave(self)
            self.hub = None
        if getattr(self, "_guard", None) is not None:
            self._guard.forget(self)
            self._guard = None
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        if self._inflight is not None:
            self._inflight.cancel()
            self._inflight = None

    # -- called by the hub (synchronously, on the event loop) --------------------------------------------
    def push(self, seq: int, text: str, groups=(), frame: bytes | None = None):
        """One live event for this socket; `frame` is the event's WebSocket frame, built once by the hub for
        every socket of the process (incidents.live.send.text_frame)."""
        # Already queued, or already sent by a replay that read it from the database before its live copy came.
        if seq <= self._last_queued or (self.last_sent is not None and seq <= self.last_sent):
            return
        if self._scope_groups is not None and self._scope_groups.isdisjoint(groups):
            return  # an event of the followed incident that the user's scope does not cover
        self._last_queued = seq
        if self._parked and self._inflight is None and not self._pending:
            if frame is not None and self._direct is not None and write_frame(self._direct, frame):
                self.last_sent = seq
                self.sent_any = True
                return
            self._send_now(seq, text)
            return
        if len(self._pending) >= MAX_PENDING:
            logger.warning("live socket fell behind by %s events; it will replay from the database", MAX_PENDING)
            self._pending.clear()
            self._pending.append((_RESUME, "last", None))
        else:
            self._pending.append((seq, text))
        self._wake.set()

    def _send_now(self, seq: int, text: str):
        try:
            task = start_eagerly(self._server_send({"type": "websocket.send", "text": text}))
        except Exception:  # noqa: BLE001 — the socket is gone or broken: the client reconnects and resumes
            logger.info("live socket send failed; closing it", exc_info=True)
            self._parked = False
            asyncio.get_running_loop().create_task(self._close_broken())
            return
        self.last_sent = seq
        self.sent_any = True
        if task is not None:  # the write buffer is full: later events queue behind this one
            self._inflight = task
            task.add_done_callback(self._inflight_done)

    def _inflight_done(self, task):
        if self._inflight is task:
            self._inflight = None
        if task.cancelled():
            return
        if task.exception() is not None:
            logger.info("live socket send failed; closing it", exc_info=task.exception())
            asyncio.get_running_loop().create_task(self._close_broken())
        else:
            self._wake.set()

    async def _close_broken(self):
        if self._writer is not None:
            self._writer.cancel()
        try:
            await self.close(code=CLOSE_UNAVAILABLE)
        except Exception:  # noqa: BLE001 — already closed
            pass

    async def _send_text(self, text: str):
        await self._server_send({"type": "websocket.send", "text": text})

    def resume_from_last(self):
        """The hub may have missed events: replay from the last seq sent, before anything still queued."""
        self._pending.appendleft((_RESUME, "last", None))
        self._wake.set()

    async def revoke(self):
        """The account was deactivated (a message from the process that saved it): closed now, 4401."""
        await self.close_for_scope(CLOSE_UNAUTHENTICATED)

    async def close_for_scope(self, code):
        """The guard found the user deactivated (4401) or their scope changed (4403)."""
        await self.disconnect(code)
        try:
            await self.close(code=code)
        except Exception:  # noqa: BLE001 — already closed
            pass

    # -- the writer: the only task that sends events on this socket --------------------------------------
    async def _write_loop(self):
        try:
            while True:
                if self._inflight is not None:
                    await asyncio.wait([self._inflight])
                    continue
                if not self._pending:
                    self._wake.clear()
                    self._parked = self.last_sent is not None
                    try:
                        await self._wake.wait()
                    finally:
                        self._parked = False
                    continue
                item = self._pending.popleft()
                if item[0] is _RESUME:
                    await self._replay(item[1], item[2])
                    continue
                seq, text = item
                if self.last_sent is not None and seq <= self.last_sent:
                    continue
                await self._send_text(text)
                self.last_sent = seq
                self.sent_any = True
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 — a broken socket or database: the client reconnects and resumes
            logger.warning("live socket writer stopped", exc_info=True)
            await self.close(code=CLOSE_UNAVAILABLE)

    async def _replay(self, mode, after):
        current = await db_last_seq()
        if mode == "initial":
            start = current if after is None else after
            if self.last_sent is not None:  # a resume message was served first
                start = max(start, self.last_sent)
        elif mode == "last":
            if self.last_sent is None:
                return  # the initial replay has not run yet and will cover it
            start = self.last_sent
        else:  # "client": a resume message, only before any event went out (else order would break)
            if self.sent_any and after < self.last_sent:
                await self._send_control(
                    {"type": "error", "code": "resume_too_late", "message": "resume must come before any event; reconnect with ?after=<seq>"}
                )
                return
            start = after if not self.sent_any else max(after, self.last_sent)
        if start > current or await count_after(self.live_scope, start, RESYNC_THRESHOLD + 1, self.incident_id) > RESYNC_THRESHOLD:
            # Too far behind (or ahead: a seq from another database): the console reloads its lists.
            await self._send_control({"type": "resync_required", "last_seq": current})
            self.last_sent = current
            return
        cursor = start
        while True:
            rows = await replay_page(self.live_scope, cursor, REPLAY_PAGE, self.incident_id)
            for seq, text in rows:
                await self._send_text(text)
            if rows:
                cursor = rows[-1][0]
                self.sent_any = True
            if len(rows) < REPLAY_PAGE:
                break
        self.last_sent = cursor

    async def _send_control(self, message: dict):
        await self._send_text(json.dumps(message))

    # -- from the client ---------------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if not text_data or len(text_data) > 1000:
            return
        try:
            message = json.loads(text_data)
            kind = message.get("type")
        except (ValueError, AttributeError):
            await self._send_control({"type": "error", "code": "bad_message", "message": "expected a JSON object"})
            return
        if kind == "ping":
            await self._send_control({"type": "pong", "t": message.get("t")})
        elif kind == "resume":
            try:
                after = _parse_after(message.get("after"))
            except ValueError:
                after = None
            if after is None:
                await self._send_control({"type": "error", "code": "bad_after", "message": "after must be a non-negative integer"})
                return
            self._pending.appendleft((_RESUME, "client", after))
            self._wake.set()
        else:
            await self._send_control({"type": "error", "code": "unknown_type", "message": "expected ping or resume"})


class ScopeGuard:
    """What a socket may see was decided at connect, and must not outlive the account or the posting it was decided
    for: every SCOPE_RECHECK_S the guard re-reads the users of all the process's sockets in one query and closes a
    socket whose user is deactivated (4401) or whose scope changed (4403); the console reconnects with its new scope
    (or not at all). One task and one query per process per interval, not a task and a query per socket (a thousand
    consoles were 33 queries a second through the thread pool)."""

    def __init__(self):
        self.sockets: dict = {}  # consumer → user id
        self._task = None

    def watch(self, consumer, user_id):
        self.sockets[consumer] = user_id
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="live-scope-guard")

    def forget(self, consumer):
        self.sockets.pop(consumer, None)

    async def _run(self):
        while self.sockets:
            await asyncio.sleep(SCOPE_RECHECK_S)
            watched = dict(self.sockets)
            if not watched:
                continue
            try:
                with stallwatch.timed("scopes", sockets=len(watched)):
                    now = await db_current_scopes(set(watched.values()))
            except Exception:  # noqa: BLE001 — a database hiccup is not a reason to drop consoles
                logger.warning("live sockets could not re-check their users", exc_info=True)
                continue
            loop = asyncio.get_running_loop()
            for consumer, user_id in watched.items():
                scope = now.get(user_id)
                if consumer in self.sockets and scope != consumer.live_scope:
                    self.forget(consumer)
                    loop.create_task(consumer.close_for_scope(CLOSE_UNAUTHENTICATED if scope is None else CLOSE_FORBIDDEN))


_guards: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ScopeGuard]" = weakref.WeakKeyDictionary()


def get_guard() -> ScopeGuard:
    loop = asyncio.get_running_loop()
    guard = _guards.get(loop)
    if guard is None:
        guard = _guards[loop] = ScopeGuard()
    return guard
