"""Writing the append-only timeline, and publishing it after commit.

Every real state change writes exactly one TimelineEvent inside the service's transaction; the
live push runs only once that transaction commits, so no console sees a change the database then
rolls back.
"""
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Assignment, Incident, TimelineEvent

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
    }


def audience_for_incident(incident: Incident, *, extra_agency_ids=()):
    """Centres and agencies that may see events of this incident: its centre, every agency holding a live
    assignment (and their centres, for cross-centre handoffs), plus any agency the event concerns directly."""
    live = list(
        Assignment.objects.filter(incident=incident, status__in=Assignment.LIVE_STATUSES).values_list(
            "agency_id", "agency__command_centre_id"
        )
    )
    agency_ids = {a for a, _ in live} | set(extra_agency_ids)
    centre_ids = {incident.command_centre_id} | {c for _, c in live}
    if extra_agency_ids:
        from agencies.models import Agency

        centre_ids |= set(Agency.objects.filter(pk__in=extra_agency_ids).values_list("command_centre_id", flat=True))
    community_ids = set(
        incident.callouts.exclude(status__in=["declined", "expired", "cancelled"]).values_list("community_id", flat=True)
    )
    return centre_ids, agency_ids, community_ids


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
    if incident is not None and centre_ids is None:
        centre_ids, agency_ids_default, community_ids_default = audience_for_incident(incident, extra_agency_ids=extra_agency_ids)
        agency_ids = agency_ids if agency_ids is not None else agency_ids_default
        community_ids = community_ids if community_ids is not None else community_ids_default
    body = dict(payload or {})
    if incident is not None:
        body.setdefault("incident", incident_summary(incident))
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
    transaction.on_commit(lambda: _publish(event))
    return event


def _publish(event: TimelineEvent):
    # Imported late: the live layer is optional for management commands and tests of pure logic.
    from incidents.live import publish_event

    publish_event(event)
