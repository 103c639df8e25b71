"""Writing the append-only timeline, and publishing it after commit.

Every real state change writes exactly one TimelineEvent inside the service's transaction; the
live push runs only once that transaction commits, so no console sees a change the database then
rolls back.
"""
from django.db import connection, transaction
from django.utils import timezone

from incidents.events import EVENT_KINDS, carries_caller_data
from incidents.live import publish_event
from incidents.models import Incident, TimelineEvent
from volunteers.selectors import communities_following_incident_sql

# Any constant shared by every writer: the lock serialises drawing `seq` with commit, so sequence
# order equals commit order and "give me everything after N" never skips a late committer.
_TIMELINE_LOCK_KEY = 112_000_001


def incident_summary(incident: Incident) -> dict:
    """The compact picture of an incident every console can apply without another request."""
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "priority": incident.priority,
        "category": incident.category.code,
        "category_name": incident.category.name_id,
        "address": incident.address,
        "location": [incident.location.x, incident.location.y],
        "caller_count": incident.caller_count,
        "command_centre": incident.command_centre_id,
        "created_at": incident.created_at.isoformat(),
        # stage stamps: the supervisor board keeps today's intervals (answer → created → routed → accepted →
        # on scene) live from them
        "call_answered_at": _iso(incident.call_answered_at),
        "routed_at": _iso(incident.routed_at),
        "accepted_at": _iso(incident.accepted_at),
        "on_scene_at": _iso(incident.on_scene_at),
        # placed from an address only (an EIDO without coordinates): the console asks for a pin
        "location_to_confirm": incident.location_source == Incident.LOCATION_TO_CONFIRM,
    }


def _iso(dt):
    return dt.isoformat() if dt else None


_AUDIENCE_SQL = """
SELECT
    ARRAY(SELECT a.agency_id FROM incidents_assignment a
          WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted')),
    ARRAY(SELECT DISTINCT g.command_centre_id FROM agencies_agency g
          WHERE g.id IN (SELECT a.agency_id FROM incidents_assignment a
                         WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted'))
             OR g.id = ANY(%(extra)s)),
    """ + communities_following_incident_sql("%(incident)s")


def audience_for_incident(incident: Incident, *, extra_agency_ids=()):
    """Centres and agencies that may see events of this incident: its centre, every agency holding a live
    assignment (and their centres, for cross-centre handoffs), plus any agency the event concerns directly;
    communities with an open call-out. One round trip: it runs for every event on the hot path."""
    extra = [int(a) for a in extra_agency_ids]
    with connection.cursor() as cursor:
        cursor.execute(_AUDIENCE_SQL, {"incident": incident.pk, "extra": extra})
        live_agencies, centres, communities = cursor.fetchone()
    agency_ids = set(live_agencies) | set(extra)
    centre_ids = {incident.command_centre_id} | set(centres)
    return centre_ids, agency_ids, set(communities)


def record_event(
    *,
    kind: str,
    incident: Incident | None = None,
    actor=None,
    payload: dict | None = None,
    centre_ids=None,
    agency_ids=None,
    community_ids=None,
    extra_agency_ids=(),
) -> TimelineEvent:
    """Append one event; must run inside the service's atomic block."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside transaction.atomic()")
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}: add it to incidents.events and docs/architecture.md")
    if incident is not None and centre_ids is None:
        centre_ids, agency_ids_default, community_ids_default = audience_for_incident(incident, extra_agency_ids=extra_agency_ids)
        agency_ids = agency_ids if agency_ids is not None else agency_ids_default
        community_ids = community_ids if community_ids is not None else community_ids_default
    body = dict(payload or {})
    if incident is not None:
        body.setdefault("incident", incident_summary(incident))
    if community_ids and carries_caller_data(body):
        # Volunteers never receive the caller's number or name: such an event is staff-only.
        community_ids = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TIMELINE_LOCK_KEY])
    event = TimelineEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        incident=incident,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        centre_ids=sorted(centre_ids or []),
        agency_ids=sorted(agency_ids or []),
        community_ids=sorted(community_ids or []),
        payload=body,
    )
    transaction.on_commit(lambda: publish_event(event))
    return event
