"""Reads of calls, incidents, assignments and the timeline, always through the acting user's scope.

Every function takes the acting user (or the centres they serve) and returns only what that user may
see; an object outside the scope is "not found", never "forbidden", so its existence does not leak.
Other areas append their selectors at the end of this module.
"""
from datetime import timedelta
from math import cos, radians
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.db.models import Case, Count, F, Max, Min, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import TimeZoneName, Unit
from agencies.scoping import scope_for
from dispatch.errors import NotFound, PermissionDenied
from incidents.models import (
    Assignment,
    Call,
    CallerLink,
    CallerMessage,
    CallerPhoto,
    CallerPosition,
    Incident,
    SupervisorAlert,
    TimelineEvent,
    UnitDispatch,
)
from incidents.phone import caller_lookup
from incidents.timeline import incident_summary
from volunteers.selectors import incident_ids_called_out_to


def _incident_scope_q(scope) -> Q:
    """The incidents a scope covers, as one Q (subqueries, not joins, so no DISTINCT is needed)."""
    q = Q(pk__in=[])
    if scope.centre_ids:
        q |= Q(command_centre_id__in=scope.centre_ids)
    if scope.agency_ids:
        q |= Q(
            pk__in=Assignment.objects.filter(agency_id__in=scope.agency_ids, status__in=Assignment.RESPONSIBLE_STATUSES).values("incident_id")
        )
    if scope.community_ids:
        q |= Q(pk__in=incident_ids_called_out_to(scope.community_ids))
    if scope.unit_ids:
        q |= Q(pk__in=_current_dispatches(scope.unit_ids).values("assignment__incident_id"))
    return q


def _current_dispatches(unit_ids):
    """A crew's work: the dispatches of its unit not yet released (after release the incident is no longer theirs)."""
    return UnitDispatch.objects.filter(unit_id__in=unit_ids, released_at__isnull=True)


def incidents_visible_to(user):
    """Centre staff: their centres' incidents; dispatchers: incidents with any assignment of their agency;
    volunteers: incidents their community was called out to; crews: the incident their unit is on; admins: all."""
    scope = scope_for(user)
    if scope.is_global:
        return Incident.objects.all()
    if scope.is_empty:
        return Incident.objects.none()
    return Incident.objects.filter(_incident_scope_q(scope))


def incident_get_for(user, incident_id) -> Incident:
    try:
        incident_id = int(incident_id)
    except (TypeError, ValueError):
        incident_id = None
    incident = (
        incidents_visible_to(user).select_related("category", "command_centre", "cardiac_arrest").filter(pk=incident_id).first()
        if incident_id is not None
        else None
    )
    if incident is None:
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")
    return incident


def assignments_visible_to(user):
    """A dispatcher sees their agency's assignments; centre staff their centres' incidents' assignments
    (and those handed to an agency of their centre); admins all."""
    scope = scope_for(user)
    qs = Assignment.objects.all()
    if scope.is_global:
        return qs
    q = Q(pk__in=[])
    if scope.agency_ids:
        q |= Q(agency_id__in=scope.agency_ids)
    if scope.centre_ids:
        q |= Q(incident__command_centre_id__in=scope.centre_ids) | Q(agency__command_centre_id__in=scope.centre_ids)
    if scope.unit_ids:
        q |= Q(pk__in=_current_dispatches(scope.unit_ids).values("assignment_id"))
    return qs.filter(q)


def assignments_completed_today(qs, *, now=None):
    """Of these assignments, the ones completed today — "today" being the local day (WIB/WITA/WIT) of the
    agency's own centre, so a dispatcher's "Selesai hari ini" list empties at their midnight, not UTC's."""
    now = now or timezone.now()
    today = Q(pk__in=[])
    for zone in TimeZoneName.values:
        local = now.astimezone(ZoneInfo(zone))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        today |= Q(agency__command_centre__timezone=zone, completed_at__gte=midnight)
    return qs.filter(today, status=Assignment.Status.COMPLETED)


# The events that end an agency's part in an incident; their `incident` summary is the incident as it was then.
_LEAVING_KINDS = ("assignment.handed_off", "assignment.declined", "assignment.expired", "assignment.cancelled")


def incidents_left_behind(user, assignments) -> dict:
    """{assignment id: the incident's summary as it was when this assignment ended, or None} for those of
    `assignments` whose incident the user may no longer see (issue 28: an agency that handed an incident off read
    its current address, priority and status through its old `handed_off` row). One query for the visibility,
    one for the snapshots."""
    incident_ids = {a.incident_id for a in assignments}
    if not incident_ids:
        return {}
    visible = set(incidents_visible_to(user).filter(pk__in=incident_ids).values_list("pk", flat=True))
    gone = {a.pk: a.incident_id for a in assignments if a.incident_id not in visible}
    if not gone:
        return {}
    snapshots = {}
    events = (
        TimelineEvent.objects.filter(incident_id__in=set(gone.values()), kind__in=_LEAVING_KINDS)
        .order_by("seq").values_list("payload", flat=True)
    )
    for payload in events:
        assignment = (payload or {}).get("assignment") or {}
        assignment_id = assignment.get("id") if isinstance(assignment, dict) else assignment
        if assignment_id in gone and assignment_id not in snapshots:
            snapshots[assignment_id] = payload.get("incident")
    return {assignment_id: snapshots.get(assignment_id) for assignment_id in gone}


def calls_visible_to(user):
    scope = scope_for(user)
    if scope.is_global:
        return Call.objects.all()
    return Call.objects.filter(command_centre_id__in=scope.centre_ids)


def call_get_for(user, call_id) -> Call:
    call = calls_visible_to(user).filter(pk=call_id).first()
    if call is None:
        raise NotFound(_("Panggilan tidak ditemukan."), code="call_not_found")
    return call


def alerts_visible_to(user):
    scope = scope_for(user)
    if scope.is_global:
        return SupervisorAlert.objects.all()
    return SupervisorAlert.objects.filter(command_centre_id__in=scope.centre_ids)


def alert_groups(alerts):
    """The alerts of a queryset (already scoped and filtered) as one group per incident, worst first: groups with an
    open alert before fully acknowledged ones; then the incident's priority (P1 first); then the longest waiting
    (the oldest open alert); fully acknowledged groups by the latest acknowledgement. A values queryset of
    (incident, reference, priority, status, command_centre, count, open_count, latest_raised_at,
    oldest_open_raised_at, last_acknowledged_at): paginate it, then alert_group_items() adds the alerts."""
    return (
        alerts.values("incident_id")
        .annotate(
            reference=F("incident__reference"), priority=F("incident__priority"), status=F("incident__status"),
            centre=F("incident__command_centre_id"),
            count=Count("id"),
            open_count=Count("id", filter=Q(acknowledged_at__isnull=True)),
            latest_raised_at=Max("created_at"),
            oldest_open_raised_at=Min("created_at", filter=Q(acknowledged_at__isnull=True)),
            last_acknowledged_at=Max("acknowledged_at"),
        )
        .annotate(has_open=Case(When(open_count__gt=0, then=Value(0)), default=Value(1)))
        .order_by(
            "has_open", "priority", F("oldest_open_raised_at").asc(nulls_last=True),
            F("last_acknowledged_at").desc(nulls_last=True), "incident_id",
        )
    )


def alert_group_items(groups, alerts) -> list[dict]:
    """`groups` (a page of alert_groups) with their alerts (from the same filtered queryset `alerts`, oldest first)
    and the distinct kinds in the order they were raised: one query for the whole page."""
    groups = list(groups)
    rows = (
        alerts.filter(incident_id__in=[g["incident_id"] for g in groups])
        .select_related("incident", "command_centre", "acknowledged_by")
        .order_by("created_at", "pk")
    )
    by_incident: dict[int, list] = {}
    for alert in rows:
        by_incident.setdefault(alert.incident_id, []).append(alert)
    items = []
    for g in groups:
        members = by_incident.get(g["incident_id"], [])
        items.append({
            "incident": g["incident_id"],
            "reference": g["reference"],
            "priority": g["priority"],
            "status": g["status"],
            "command_centre": g["centre"],
            "count": g["count"],
            "open_count": g["open_count"],
            "kinds": list(dict.fromkeys(a.kind for a in members)),
            "latest_raised_at": g["latest_raised_at"],
            "oldest_open_raised_at": g["oldest_open_raised_at"],
            "alerts": members,
        })
    return items


def caller_history(*, centres, number: str, days: int = 30, last: int = 10) -> dict:
    """What the centre knows about a number: calls by disposition in the last `days` (e.g. "7 prank calls
    in 30 days"), the latest calls, and the open and past incidents it reported.

    `centres` is an iterable of centre ids, or None for every centre (admins)."""
    number = (number or "").strip()
    since = timezone.now() - timedelta(days=days)
    # However the number was written (+62…, 0812-…, 62…): the same caller (incidents.phone).
    field, value = caller_lookup(number)
    calls = Call.objects.filter(**{field: value})
    incidents = Incident.objects.filter(Q(**{field: value}) | Q(**{f"calls__{field}": value}))
    if centres is not None:
        centres = list(centres)
        calls = calls.filter(command_centre_id__in=centres)
        incidents = incidents.filter(command_centre_id__in=centres)
    recent = calls.filter(Q(answered_at__gte=since) | Q(answered_at__isnull=True, ringing_at__gte=since))
    by_disposition = {row["disposition"] or "unclassified": row["n"] for row in recent.values("disposition").annotate(n=Count("pk")).order_by()}
    last_calls = [
        {
            "id": c.pk,
            "at": c.answered_at or c.ringing_at or c.ended_at,
            "status": c.status,
            "disposition": c.disposition,
            "incident": c.incident_id,
            "note": c.note,
        }
        for c in calls.order_by("-id")[:last]
    ]
    incident_rows = list(
        incidents.distinct().select_related("category").order_by("-created_at")[: last * 2]
    )

    def row(i):
        return {
            "id": i.pk,
            "reference": i.reference,
            "status": i.status,
            "category": i.category.code,
            "category_name": i.category.name_id,
            "created_at": i.created_at,
            "address": i.address,
        }

    return {
        "number": number,
        "days": days,
        "total_calls": sum(by_disposition.values()),
        "by_disposition": by_disposition,
        "prank_count": by_disposition.get(Call.Disposition.PRANK, 0),
        "last_calls": last_calls,
        "open_incidents": [row(i) for i in incident_rows if i.status in Incident.OPEN_STATUSES],
        "past_incidents": [row(i) for i in incident_rows if i.status not in Incident.OPEN_STATUSES][:last],
    }


def last_seq() -> int:
    """The newest timeline sequence number; a console renders it so live updates resume without a gap."""
    return TimelineEvent.objects.aggregate(m=Max("seq"))["m"] or 0


def duplicate_candidates(*, centre_ids, category=None, point=None, caller_number="", radius_m=None, window_min=None, limit=10) -> list[dict]:
    """Open incidents the caller may be reporting again (call-taker console, issue 3):
    same or related category within `radius_m` of `point` and created in the last `window_min` minutes,
    plus any open incident from the same caller number. Nearest first, same-caller matches on top.

    `centre_ids` is the acting user's centres (None = every centre, for admins). `category` is an
    IncidentCategory or None (no category yet: every category nearby)."""
    radius_m = settings.DUPLICATE_RADIUS_M if radius_m is None else radius_m
    window_min = settings.DUPLICATE_WINDOW_MIN if window_min is None else window_min
    base = Incident.objects.filter(status__in=Incident.OPEN_STATUSES)
    if centre_ids is not None:
        base = base.filter(command_centre_id__in=list(centre_ids))
    match = Q(pk__in=[])
    if point is not None:
        # Degrees bound the search so the GiST index applies; the exact sphere distance is checked below.
        deg = radius_m / (111_320 * max(cos(radians(point.y)), 0.01))
        near = Q(location__dwithin=(point, deg), created_at__gte=timezone.now() - timedelta(minutes=window_min))
        if category is not None:
            near &= Q(category_id__in=[category.pk, *category.related.values_list("pk", flat=True)])
        match |= near
    number = (caller_number or "").strip()
    field, value = caller_lookup(number)
    if number:
        match |= Q(**{field: value})
    if point is None and not number:
        return []
    qs = base.filter(match).select_related("category")
    if point is not None:
        qs = qs.annotate(distance=Distance("location", point))
    rows = []
    for incident in qs.order_by("-created_at")[: limit * 3]:
        distance = round(incident.distance.m, 1) if point is not None else None
        same_caller = bool(number) and getattr(incident, field) == value
        if not same_caller and (distance is None or distance > radius_m):
            continue
        # The same summary every live event carries, so the console renders both with one function.
        rows.append({**incident_summary(incident), "distance_m": distance, "same_caller": same_caller})
    rows.sort(key=lambda r: (not r["same_caller"], r["distance_m"] if r["distance_m"] is not None else 1e12))
    return rows[:limit]


def handoff_chain(assignment) -> list:
    """The chain of handoffs and escalations an assignment belongs to, from the first offer to the latest
    (following `previous` both ways), with agencies and their centres loaded. One query: every link of a
    chain belongs to the same incident."""
    rows = {
        a.pk: a
        for a in Assignment.objects.filter(incident_id=assignment.incident_id).select_related("agency__command_centre")
    }
    root = rows.get(assignment.pk, assignment)
    seen = {root.pk}
    while root.previous_id and root.previous_id in rows and root.previous_id not in seen:
        root = rows[root.previous_id]
        seen.add(root.pk)
    children = {}
    for a in sorted(rows.values(), key=lambda a: (a.offered_at, a.pk)):
        if a.previous_id:
            children.setdefault(a.previous_id, []).append(a)
    chain, stack, visited = [], [root], set()
    while stack:
        node = stack.pop()
        if node.pk in visited:
            continue
        visited.add(node.pk)
        chain.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return chain


def units_visible_to(user):
    """Dispatchers: their agency's units; crews: their own unit; centre staff: units of their centres' agencies; admins: all."""
    scope = scope_for(user)
    qs = Unit.objects.select_related("agency", "station")
    if scope.is_global:
        return qs
    return qs.filter(Q(agency_id__in=scope.agency_ids) | Q(agency__command_centre_id__in=scope.centre_ids) | Q(pk__in=scope.unit_ids))


def events_in_scope(scope, *, incident_id: int | None = None):
    """Timeline events a scope may see: those whose audience (centres, agencies, communities recorded at the
    time of the event) meets the scope. The GIN indexes on the three arrays serve the overlaps. With
    `incident_id`, only that incident's (a socket or feed following one incident)."""
    qs = TimelineEvent.objects.all() if incident_id is None else TimelineEvent.objects.filter(incident_id=incident_id)
    if scope.is_global:
        return qs
    if scope.is_empty:
        return qs.none()
    q = Q(pk__in=[])
    if scope.centre_ids:
        q |= Q(centre_ids__overlap=sorted(scope.centre_ids))
    if scope.agency_ids:
        q |= Q(agency_ids__overlap=sorted(scope.agency_ids))
    if scope.community_ids:
        q |= Q(community_ids__overlap=sorted(scope.community_ids))
    if scope.unit_ids:
        # The unit's own events (incidents.live.publish.unit_groups: the same rule for live delivery).
        q |= Q(kind__startswith="unit.", payload__unit__in=sorted(scope.unit_ids))
    return qs.filter(q)


def events_after_scope(scope, seq: int, limit: int, *, incident_id: int | None = None) -> list:
    """Up to `limit` events of the scope with seq > `seq`, oldest first (the live socket's replay page);
    with `incident_id`, only that incident's."""
    return list(events_in_scope(scope, incident_id=incident_id).filter(seq__gt=seq).order_by("seq")[:limit])


def events_after(user, seq: int, limit: int, *, incident_id: int | None = None) -> list:
    """Up to `limit` events the user may see with seq > `seq`, oldest first (REST feed and replays);
    with `incident_id`, only the events of that incident (which must be visible to the user: NotFound)."""
    if incident_id is not None:
        incident_get_for(user, incident_id)
    return events_after_scope(scope_for(user), seq, limit, incident_id=incident_id)


# --- the caller's phone (issue 24) ----------------------------------------------------------------------------

# Roles that never read a caller's fixes, photos or words, even on an incident they see (a crew on its unit's
# incident, a volunteer called out to it): the caller's data stays with the centre and the responsible agencies.
_NO_CALLER_DATA_ROLES = frozenset({"crew", "volunteer"})


def caller_data_owner(user, *, incident_id=None, call_id=None):
    """(incident, call) whose caller data the user may read: the centre's staff (call-takers, supervisors, officials)
    and the dispatchers of an agency responsible for the incident. Out of scope: NotFound; a crew or volunteer:
    PermissionDenied. A call is the centre's business only (no agency sees calls)."""
    if incident_id is not None:
        incident = incident_get_for(user, incident_id)
        if user.role in _NO_CALLER_DATA_ROLES and not user.is_superuser:
            raise PermissionDenied(_("Data penelepon hanya untuk petugas pusat panggilan dan instansi yang menangani."))
        return incident, None
    call = call_get_for(user, call_id)
    return None, call


def _owned(model, incident, call):
    return model.objects.filter(incident=incident) if incident is not None else model.objects.filter(call=call)


def caller_positions_for(user, *, incident_id=None, call_id=None):
    """Newest first."""
    incident, call = caller_data_owner(user, incident_id=incident_id, call_id=call_id)
    return _owned(CallerPosition, incident, call).order_by("-received_at", "-id")


def caller_photos_for(user, *, incident_id=None, call_id=None):
    incident, call = caller_data_owner(user, incident_id=incident_id, call_id=call_id)
    return _owned(CallerPhoto, incident, call).order_by("-received_at", "-id")


def caller_messages_for(user, *, incident_id=None, call_id=None):
    """The whole conversation, both directions, both channels, oldest first."""
    incident, call = caller_data_owner(user, incident_id=incident_id, call_id=call_id)
    return _owned(CallerMessage, incident, call).select_related("by").order_by("at", "id")


def caller_links_for(user, *, incident_id=None, call_id=None):
    incident, call = caller_data_owner(user, incident_id=incident_id, call_id=call_id)
    return _owned(CallerLink, incident, call).order_by("-created_at", "-id")
