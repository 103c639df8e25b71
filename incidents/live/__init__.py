"""Live fan-out of committed timeline events: publish once after commit (publish), one Redis subscription per
ASGI process (hub), the `/ws/events/` socket (consumers, auth, routing) and its cheap send path (send).

The public surface for the rest of the project is the publisher below; volunteer phones, the supervisor board
and any new console consume the same events through the same socket.
"""
from incidents.live.publish import encode_event, event_groups, event_message, publish_event, publish_events

__all__ = ["encode_event", "event_groups", "event_message", "publish_event", "publish_events"]
