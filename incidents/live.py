"""Pushing committed timeline events to the consoles' channel groups.

Called from transaction.on_commit only (see incidents.timeline). A failed push never fails the
business transaction: consoles resume from the last seq and replay from the database.
"""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

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


def event_groups(event) -> list[str]:
    return (
        ["all"]
        + [f"centre.{i}" for i in event.centre_ids]
        + [f"agency.{i}" for i in event.agency_ids]
        + [f"community.{i}" for i in event.community_ids]
    )


def publish_event(event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "timeline.event", "event": event_message(event)}
    try:
        for group in event_groups(event):
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 — the push is best effort; clients resync by seq
        logger.exception("live push failed for event %s", event.seq)
