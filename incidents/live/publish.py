"""Pushing committed timeline events to the consoles.

Called from transaction.on_commit only (see incidents.timeline), in web requests, Celery workers and
management commands alike. A failed push never fails the business transaction: every ASGI process fills
sequence gaps from the database and consoles resume from their last seq (incidents.live.hub).

Why not `group_send` per group: measured on this stack, the channel layer costs ≈ 0.3 ms per socket per
event and `async_to_sync(group_send)` from sync code builds a new event loop and connection per call
(docs/perf-live.md). Instead each event is encoded to JSON once and PUBLISHed once, with a small header
naming its audience groups, on one Redis channel; each ASGI process holds one subscription and fans the
same text out to its own local sockets by group (incidents.live.hub). The publisher is a plain
synchronous redis-py client with a per-process connection pool (fork-safe: redis-py reconnects after fork); a
transaction's events go out in one pipeline on it.
"""
import json
import logging
import threading

# Imported here, not at first use: importing redis takes ≈ 0.15 s, which the first event of every
# process after a restart then waited for (seen as the slowest events in bench/push_latency).
import redis  # noqa: F401
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from dispatch import redis_client

logger = logging.getLogger(__name__)


def event_message(event) -> dict:
    """The JSON every console and the REST events feed receive for one timeline event."""
    return {
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "incident": event.incident_id,
        "actor": event.actor_id,
        "payload": event.payload,
    }


def encode_event(event) -> str:
    """The event as JSON text, encoded once and sent as is to every socket that may see it."""
    return json.dumps(event_message(event), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def event_groups(event) -> list[str]:
    """Groups an event is delivered to: "all" (the admins' group, everything), its audience's centres, agencies and
    communities, and `incident.<id>` for sockets that follow one incident. A socket of the incident group gets the
    event only if the audience groups also meet its user's scope (incidents.live.consumers): following an incident never
    shows more than the user's scope would."""
    return (
        ["all"]
        + [f"centre.{i}" for i in event.centre_ids]
        + [f"agency.{i}" for i in event.agency_ids]
        + [f"community.{i}" for i in event.community_ids]
        + ([f"incident.{event.incident_id}"] if event.incident_id else [])
        + unit_groups(event)
    )


def unit_groups(event) -> list[str]:
    """`unit.<id>` for a unit's own events (status, position): what a crew's phone follows. A crew's scope is its
    unit, never its agency, so the agency's other work does not reach that phone."""
    if event.kind.startswith("unit.") and isinstance(event.payload, dict) and isinstance(event.payload.get("unit"), int):
        return [f"unit.{event.payload['unit']}"]
    return []


def live_channel() -> str:
    """The one Redis pub/sub channel all processes of this deployment share (test runs use their own prefix)."""
    prefix = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {}).get("prefix", "asgi")
    return f"{prefix}:live-events"


def live_control_channel() -> str:
    """Messages to every process's hub that are not events: `revoke <user id>` closes that user's sockets now."""
    return live_channel().rsplit(":", 1)[0] + ":live-control"


def publish_user_revoked(user_id: int) -> None:
    """Every ASGI process closes the user's sockets at once (issue 28: a deactivated account; the ScopeGuard's
    periodic re-check stays the safety net when this message is lost)."""
    try:
        _redis().publish(live_control_channel(), f"revoke {int(user_id)}")
    except Exception:  # noqa: BLE001 — best effort: the guard closes them within SCOPE_RECHECK_S anyway
        logger.exception("could not tell the live hubs that user %s was revoked", user_id)


def live_redis_url() -> str:
    return getattr(settings, "LIVE_REDIS_URL", None) or settings.REDIS_URL


def wire_message(seq: int, groups: list[str], text: str) -> str:
    """`<seq> <group,group,…>\\n<event json>`: the subscriber reads the header without decoding the event."""
    return f"{seq} {','.join(groups)}\n{text}"


def parse_wire(data) -> tuple[int, list[str], str]:
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    header, text = data.split("\n", 1)
    seq, groups = header.split(" ", 1)
    return int(seq), groups.split(","), text


_client = None
_client_lock = threading.Lock()


def _redis():
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis_client.sync_client(live_redis_url(), socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
    return _client


def _send(commands) -> None:
    """The commands in one round trip on the client's pipeline (no MULTI: Redis runs them one by one, in order).

    Through the client and its pool, not a connection of our own: under Sentinel only the pool's checkout connects a
    `SentinelManagedConnection` to the current primary — a connection made by hand and written to connected to the
    default `localhost:6379` instead (redis-py 8: `send_packed_command` reconnects with the base `connect`), so in
    the scale-out topology every PUBLISH went to another Redis and no console got an event (the soak of issue 27 found
    it; tests/live/test_publish_batch.py). redis-py's own retry reconnects a connection the server dropped."""
    pipe = _redis().pipeline(transaction=False)
    for command in commands:
        pipe.execute_command(*command)
    pipe.execute()


def publish_event(event) -> None:
    publish_events([event])


def publish_events(events) -> None:
    """PUBLISH the events in the order given (a transaction's, in seq order) in one round trip, pipelined without
    MULTI, so Redis still runs them one by one, in order (issue 27: a round trip and a pool check per event were
    ≈ 10 % of an intake's CPU). Best effort as before: a failure is logged, never raised."""
    if not events:
        return
    try:
        channel = live_channel()
        _send([("PUBLISH", channel, wire_message(event.seq, event_groups(event), encode_event(event))) for event in events])
    except Exception:  # noqa: BLE001 — best effort: the hubs fill gaps from the database, consoles resume by seq
        logger.exception("live push failed for events %s", [event.seq for event in events])
