"""One Redis subscription per ASGI process (per event loop), fanning each event out to the local sockets.

The hub keeps local groups (`all`, `centre.<id>`, `agency.<id>`, `community.<id>`, `incident.<id>`) → sockets,
and hands every event to each socket of its audience groups *in global seq order*:

- Publishers run in different processes, so two events committed a millisecond apart can arrive swapped.
  Because `seq` is drawn under a lock held until commit (incidents.timeline), once seq N has arrived every
  lower seq is final in the database (committed or rolled back). So when N arrives before N-1, the hub holds
  N for a few milliseconds; if N-1 does not arrive, it reads the missing range from the database (one query
  for the whole process, not one per socket) and delivers everything in order. This also repairs a publish
  lost to a Redis hiccup or a worker that died between commit and publish.
- When the subscription itself was lost (Redis restarted) the hub cannot know what it missed, so every
  local socket replays from its own last seq from the database.

The socket side (buffering during replay, dedupe, send) lives in incidents.live.consumers.
"""
import asyncio
import logging
import weakref
from collections import defaultdict

import psycopg
from channels.db import database_sync_to_async
from django.db import connections

from dispatch import redis_client
from incidents.models import TimelineEvent
from incidents.selectors import last_seq

from incidents.live.publish import encode_event, event_groups, live_channel, live_control_channel, live_redis_url, parse_wire
from incidents.live import stallwatch
from incidents.live.send import text_frame

logger = logging.getLogger(__name__)

# How long an out-of-order event waits for the lower seqs still in flight before the database fills the gap.
GAP_WAIT_S = 0.02
# A larger gap is not filled hub-wide; each socket replays (and is told to resync if it is too far behind).
GAP_FILL_MAX = 2000
# A gap fill that takes longer than this (a connection that died without a FIN) gives up: every socket replays.
GAP_FILL_TIMEOUT_S = 5


_RANGE_SQL = """
SELECT seq, kind, at, incident_id, actor_id, centre_ids, agency_ids, community_ids, payload
FROM {table} WHERE seq > %s AND seq < %s ORDER BY seq LIMIT %s
"""


def _own_connection_params() -> dict:
    """Django's parameters for the default database, for a plain psycopg connection of the hub's own."""
    params = connections["default"].get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    params.setdefault("connect_timeout", 5)
    params["autocommit"] = True
    return params


async def _connect():
    conn = await psycopg.AsyncConnection.connect(**_own_connection_params())
    await conn.execute("SET TIME ZONE 'UTC'")  # as Django's connections: `at` encodes as the publisher's did
    return conn


async def fetch_range(after: int, upto: int, limit: int, reader: "RangeReader | None" = None):
    """The committed events with after < seq < upto, as (seq, groups, text), on a connection of the hub's own.

    Not through Django's connection pool (nor a worker thread): while the hub fills a gap every socket of the
    process waits, and under an HTTP burst the pool can be empty for seconds (bench/push_latency at 1,000
    consoles: PoolTimeout after 10 s). With `reader` (the hub's) the connection stays open between fills;
    without, a short-lived one."""
    temporary = reader is None
    reader = reader or RangeReader()
    try:
        rows = await reader.fetch(after, upto, limit)
    finally:
        if temporary:
            await reader.close()
    events = [
        TimelineEvent(seq=seq, kind=kind, at=at, incident_id=incident_id, actor_id=actor_id, centre_ids=centre_ids,
                      agency_ids=agency_ids, community_ids=community_ids, payload=payload)
        for seq, kind, at, incident_id, actor_id, centre_ids, agency_ids, community_ids, payload in rows
    ]
    return [(e.seq, event_groups(e), encode_event(e)) for e in events]


class RangeReader:
    """The hub's one database connection for gap fills, kept open between them (issue 27). Every socket of the
    process waits while a gap is filled, and a new PostgreSQL connection (a backend forked, authenticated, its time
    zone set) took longer than the query itself — 15 ms on an idle machine, far more on 2 busy cores, at every
    out-of-order publish. A connection found broken (PostgreSQL restarted) is replaced once, at once."""

    def __init__(self):
        self.conn = None

    async def fetch(self, after, upto, limit):
        sql = _RANGE_SQL.format(table=TimelineEvent._meta.db_table)
        for attempt in (1, 2):
            if self.conn is None or self.conn.closed:
                self.conn = await _connect()
            try:
                return await asyncio.wait_for(self._rows(sql, [after, upto, limit]), GAP_FILL_TIMEOUT_S)
            except (psycopg.OperationalError, asyncio.TimeoutError):
                await self.close()
                if attempt == 2:
                    raise
        return []  # not reached

    async def _rows(self, sql, params):
        return await (await self.conn.execute(sql, params)).fetchall()

    async def close(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 — already broken
                pass


def _last_seq():
    return last_seq()


db_last_seq = database_sync_to_async(_last_seq, thread_sensitive=False)


class LiveHub:
    def __init__(self):
        self.groups: dict[str, set] = defaultdict(set)
        self.members: dict = {}
        self.delivered: int | None = None  # highest global seq handed to the sockets
        self._held: dict[int, tuple] = {}
        self._gap_handle = None
        self._filling = False
        self._reader = RangeReader()
        self._ready = asyncio.Event()
        self._task = None
        self.subscriptions = 0  # how many times (re)subscribed; >1 means a reconnect happened

    # -- membership -------------------------------------------------------------------------------
    async def join(self, consumer, groups):
        """Subscribe (once per process) and register the socket. Returns once events are flowing, so a
        replay started afterwards cannot miss anything committed later."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="live-hub")
        await asyncio.wait_for(asyncio.shield(self._ready.wait()), timeout=5)
        self.members[consumer] = list(groups)
        for g in groups:
            self.groups[g].add(consumer)

    def leave(self, consumer):
        for g in self.members.pop(consumer, ()):
            members = self.groups.get(g)
            if members is not None:
                members.discard(consumer)
                if not members:
                    del self.groups[g]

    # -- subscription -----------------------------------------------------------------------------
    async def _run(self):
        backoff = 0.1
        while True:
            client = redis_client.async_client(live_redis_url(), health_check_interval=15)
            pubsub = client.pubsub()
            try:
                control = live_control_channel()
                await pubsub.subscribe(live_channel(), control)
                while True:
                    msg = await pubsub.get_message(ignore_subscribe_messages=False, timeout=30)
                    if msg is None:
                        continue
                    channel = msg.get("channel")
                    channel = channel.decode() if isinstance(channel, bytes) else channel
                    if msg["type"] == "subscribe":
                        if channel != control:
                            await self._on_subscribed()
                        backoff = 0.1
                    elif msg["type"] == "message" and channel == control:
                        self._on_control(msg["data"])
                    elif msg["type"] == "message":
                        self.offer(*parse_wire(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — Redis went away: retry, then every socket resyncs from the DB
                logger.warning("live hub lost its Redis subscription; retrying in %.1fs", backoff, exc_info=True)
                self._ready.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5)
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # noqa: BLE001
                    pass

    def _on_control(self, data):
        """`revoke <user id>`: the account was deactivated; its sockets here close now (4401), not at the next
        periodic re-check (ScopeGuard)."""
        text = data.decode() if isinstance(data, bytes) else str(data)
        verb, _sep, arg = text.partition(" ")
        if verb != "revoke" or not arg.isdigit():
            return
        user_id = int(arg)
        loop = asyncio.get_running_loop()
        for consumer in list(self.members):
            if getattr(consumer, "user_id", None) == user_id:
                self.leave(consumer)
                loop.create_task(consumer.revoke())

    async def _on_subscribed(self):
        self.subscriptions += 1
        self._held.clear()
        with stallwatch.timed("subscribed"):
            self.delivered = await db_last_seq()
        if self.subscriptions > 1:
            # A redis-py reconnect resubscribes silently; what was published meanwhile is gone.
            for consumer in list(self.members):
                consumer.resume_from_last()
        self._ready.set()

    # -- ordering and fan-out ---------------------------------------------------------------------
    def offer(self, seq: int, groups: list[str], text: str):
        if self.delivered is None or seq <= self.delivered or seq in self._held:
            return
        if seq == self.delivered + 1 and not self._filling:
            self._deliver(seq, groups, text)
            self.delivered = seq
            self._drain_held()
        else:
            self._held[seq] = (groups, text)
            if self._gap_handle is None and not self._filling:
                self._gap_handle = asyncio.get_running_loop().call_later(GAP_WAIT_S, self._gap_timeout)

    def _drain_held(self):
        while self.delivered + 1 in self._held:
            seq = self.delivered + 1
            self._deliver(seq, *self._held.pop(seq))
            self.delivered = seq
        for seq in [s for s in self._held if s <= self.delivered]:
            del self._held[seq]
        if not self._held and self._gap_handle is not None:
            self._gap_handle.cancel()
            self._gap_handle = None
        elif self._held and self._gap_handle is None and not self._filling:
            self._gap_handle = asyncio.get_running_loop().call_later(GAP_WAIT_S, self._gap_timeout)

    def _gap_timeout(self):
        self._gap_handle = None
        if self._held and not self._filling:
            self._filling = True
            asyncio.get_running_loop().create_task(self._fill_gap())

    async def _fill_gap(self):
        try:
            upto = max(self._held)
            try:
                with stallwatch.timed("fill", after=self.delivered, upto=upto):
                    rows = await fetch_range(self.delivered, upto, GAP_FILL_MAX + 1, reader=self._reader)
            except Exception:  # noqa: BLE001
                logger.exception("live hub could not read the gap below seq %s", upto)
                rows = None
            if rows is None or len(rows) > GAP_FILL_MAX:
                for consumer in list(self.members):
                    consumer.resume_from_last()
                rows = []
            merged = {seq: (groups, text) for seq, groups, text in rows}
            merged.update({s: v for s, v in self._held.items() if s <= upto})
            for seq in sorted(merged):
                if seq > self.delivered:
                    self._deliver(seq, *merged[seq])
                    self.delivered = seq
            if self.delivered < upto:
                self.delivered = upto
        finally:
            self._filling = False
            self._drain_held()

    def _deliver(self, seq: int, groups: list[str], text: str):
        with stallwatch.timed("deliver", seq=seq):
            self._fan_out(seq, groups, text)

    def _fan_out(self, seq: int, groups: list[str], text: str):
        # The frame bytes are built once here for every socket of the process (an event has one audience, so one
        # text: record_event already dropped the communities from any payload with caller data).
        # A socket in two of the groups receives the event once: push() drops a seq it already queued.
        frame = None
        for g in groups:
            members = self.groups.get(g)
            if members:
                if frame is None:
                    frame = text_frame(text)
                for consumer in members:
                    consumer.push(seq, text, groups, frame)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveHub]" = weakref.WeakKeyDictionary()


def get_hub() -> LiveHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = LiveHub()
        stallwatch.start()  # D112_STALL_LOG only: loop-lag, GC and hub-step timings of this process
    return hub
