"""Reads of volunteer communities, members and call-outs, always through the acting user's scope.

The incidents app reaches volunteer data only through this module (docs/architecture.md, "Import directions"):
which incidents a community was called out to (scoping) and which communities follow an incident (the audience
of its events). Both use the model's named status sets, never literals. The supervisor board reads
`callouts_waiting`.
"""
from math import cos, radians
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import TimeZoneName, User
from agencies.scoping import scope_for
from dispatch.errors import NotFound
from incidents.models import Assignment, Incident, UnitDispatch
from volunteers.models import CallOut, CallOutResponse, Volunteer, VolunteerCommunity

# At most this many members are alerted by one call-out (more than needed on purpose: the first N to accept
# go, the others are stood down).
MAX_RECIPIENTS = 50


def incident_ids_called_out_to(community_ids):
    """The ids of incidents any of these communities was called out to (any status), as a subquery: a member of
    the community was alerted, or the whole community was asked."""
    ids = list(community_ids)
    return (
        CallOut.objects.filter(Q(community_id__in=ids) | Q(pk__in=CallOutResponse.objects.filter(community_id__in=ids).values("callout_id")))
        .values("incident_id")
    )


def communities_following_incident_sql(incident_placeholder: str) -> str:
    """An SQL `ARRAY(...)` of the communities whose call-out on the incident still follows it
    (CallOut.FOLLOWING_STATUSES): the communities of every member alerted, and a community asked as a whole.
    Returned as SQL, not run here, so the incident's event audience stays one round trip on the hot path
    (incidents.timeline). The statuses are code constants, not input."""
    statuses = ", ".join(f"'{status}'" for status in sorted(CallOut.FOLLOWING_STATUSES))
    callouts = CallOut._meta.db_table
    responses = CallOutResponse._meta.db_table
    return (
        f"ARRAY(SELECT r.community_id FROM {responses} r JOIN {callouts} c ON c.id = r.callout_id "
        f"WHERE r.incident_id = {incident_placeholder} AND c.status IN ({statuses}) "
        f"UNION SELECT c.community_id FROM {callouts} c "
        f"WHERE c.incident_id = {incident_placeholder} AND c.community_id IS NOT NULL AND c.status IN ({statuses}))"
    )


def callout_counts():
    """Annotations every call-out list carries: accepted (counted toward N), declined, pending, recipients."""
    counted = sorted(CallOutResponse.COUNTED_STATUSES)
    return {
        "n_accepted": Count("responses", filter=Q(responses__status__in=counted)),
        "n_declined": Count("responses", filter=Q(responses__status=CallOutResponse.Status.DECLINED)),
        "n_pending": Count("responses", filter=Q(responses__status=CallOutResponse.Status.PENDING)),
        "n_recipients": Count("responses"),
    }


def callouts_waiting(*, centre_ids) -> list[dict]:
    """Open call-outs of these centres still short of volunteers (the supervisor board), oldest deadline first:
    `id`, `incident`, `reference`, `community` (name or null), `needed`, `accepted`, `declined`, `pending`,
    `sent_at`, `ack_deadline`, plus `status` and `expired` (the deadline passed: supervisors were alerted)."""
    rows = (
        CallOut.objects.filter(incident__command_centre_id__in=list(centre_ids), status__in=sorted(CallOut.ACCEPTING_STATUSES))
        .annotate(**callout_counts())
        .values("id", "incident_id", "incident__reference", "community__name", "needed", "status", "sent_at", "ack_deadline",
                "expired_at", "n_accepted", "n_declined", "n_pending")
        .order_by("sent_at", "id")
    )
    return [
        {
            "id": r["id"],
            "incident": r["incident_id"],
            "reference": r["incident__reference"],
            "community": r["community__name"],
            "needed": r["needed"],
            "accepted": r["n_accepted"],
            "declined": r["n_declined"],
            "pending": r["n_pending"],
            "sent_at": r["sent_at"],
            "ack_deadline": r["ack_deadline"],
            "status": r["status"],
            "expired": r["status"] == CallOut.Status.EXPIRED,
        }
        for r in rows
        if r["n_accepted"] < r["needed"]
    ]


# --- selection ----------------------------------------------------------------------------------------------

def hour_of_week(now, tz_name) -> int:
    """0 = Monday 00:00–01:00 … 167 = Sunday 23:00, in the centre's zone (Volunteer.schedule_hours)."""
    local = now.astimezone(ZoneInfo(tz_name))
    return local.weekday() * 24 + local.hour


def busy_responses():
    """Responses that make a member busy: coming to (or at) an open call-out of an incident still open. A call-out
    left filled when the centre closed its incident does not keep its volunteers busy for ever."""
    return CallOutResponse.objects.filter(
        status__in=sorted(CallOutResponse.BUSY_STATUSES),
        callout__status__in=sorted(CallOut.OPEN_STATUSES),
        incident__status__in=sorted(Incident.OPEN_STATUSES),
    )


def alertable_community_ids(centre) -> list[int]:
    """Approved, active communities of the centre (whose members may be called out)."""
    return list(
        VolunteerCommunity.objects.filter(command_centre_id=centre.pk, is_active=True, approved_at__isnull=False).values_list("pk", flat=True)
    )


def alertable_members(*, centre, now=None):
    """Members who may be alerted now: active, of an approved active community of the centre, on call now
    (available, or on their weekly schedule this hour), and not busy on another open call-out."""
    now = now or timezone.now()
    busy = busy_responses().filter(volunteer_id=OuterRef("pk"))
    return (
        Volunteer.objects.filter(
            status=Volunteer.Status.ACTIVE,
            # The communities as a list of ids, not a join: joined, the planner ran the spatial index once per
            # community (43 × at 100,000 members, docs/performance.md); as `= ANY(ids)` it is one index scan.
            community_id__in=alertable_community_ids(centre),
            # the partial index's own predicate, so the planner can use it; then the schedule
            availability__in=sorted(Volunteer.ALERTABLE_AVAILABILITY),
        )
        .filter(Q(availability=Volunteer.Availability.AVAILABLE) | Q(schedule_hours__contains=[hour_of_week(now, centre.timezone)]))
        .exclude(Exists(busy))
    )


def members_for_callout(*, centre, point, skills=(), radius_m=None, community_id=None, now=None, limit=MAX_RECIPIENTS):
    """The members a call-out alerts, nearest first (PostGIS KNN over the partial index of alertable members):
    by any of `skills` within `radius_m` of the point, or every alertable member of one community (those who
    share no position last). Each member carries `distance_m` (None without a position)."""
    qs = alertable_members(centre=centre, now=now)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if skills:
        qs = qs.filter(skills__overlap=list(skills))
    if radius_m is not None:
        # The radius's bounding box with `&&` (the index condition; ST_DWithin's high declared cost made the planner
        # give up the KNN scan for a bitmap scan and a sort: 0.4–1.2 s at 100,000 members, docs/performance.md).
        dlat = radius_m / 110_574
        dlon = radius_m / (111_320 * max(cos(radians(point.y)), 0.01))
        qs = qs.filter(location__bboverlaps=Polygon.from_bbox((point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat)))
    # Nearest first by `<->` alone, so PostgreSQL walks the partial GiST index in distance order and stops at
    # `limit` (a KNN scan); the exact spheroid distance is computed for those rows only and decides the radius.
    # Anything beyond the radius is farther than everything within it, so cutting after the LIMIT loses nobody.
    # One community: its few members sorted by distance (a KNN walk would cross every other community's members
    # first).
    order = "distance" if community_id is not None else GeometryDistance("location", point)
    located = list(qs.filter(location__isnull=False).annotate(distance=Distance("location", point)).order_by(order)[:limit])
    for member in located:
        member.distance_m = int(member.distance.m)
    if radius_m is not None:
        located = [m for m in located if m.distance_m <= radius_m]
    unlocated = []
    if radius_m is None and len(located) < limit:
        unlocated = list(qs.filter(location__isnull=True).order_by("name", "pk")[: limit - len(located)])
        for member in unlocated:
            member.distance_m = None
    chosen = located + unlocated
    communities = VolunteerCommunity.objects.in_bulk({m.community_id for m in chosen})
    for member in chosen:
        member.community = communities[member.community_id]
    return chosen


# --- scoped reads -------------------------------------------------------------------------------------------

def communities_visible_to(user):
    """Centre staff: their centres' communities; dispatchers: their agency's centre's; a volunteer: their own;
    admins: all."""
    scope = scope_for(user)
    qs = VolunteerCommunity.objects.select_related("command_centre")
    if scope.is_global:
        return qs
    if user.role == User.Role.DISPATCHER and user.agency_id:
        return qs.filter(command_centre_id=user.agency.command_centre_id)
    return qs.filter(Q(command_centre_id__in=scope.centre_ids) | Q(pk__in=scope.community_ids))


def community_get_for(user, community_id) -> VolunteerCommunity:
    try:
        community_id = int(community_id)
    except (TypeError, ValueError):
        community_id = None
    community = communities_visible_to(user).filter(pk=community_id).first() if community_id else None
    if community is None:
        raise NotFound(_("Komunitas tidak ditemukan."), code="community_not_found")
    return community


def with_members_available(qs, *, now=None):
    """Annotate each community with how many members may be alerted right now."""
    now = now or timezone.now()
    busy = busy_responses().filter(volunteer_id=OuterRef("volunteers__pk"))
    # The hour of the week is the community's own centre's (WIB, WITA, WIT).
    on_schedule = Q(pk__in=[])
    for tz_name in TimeZoneName.values:
        on_schedule |= Q(command_centre__timezone=tz_name, volunteers__availability=Volunteer.Availability.SCHEDULE,
                         volunteers__schedule_hours__contains=[hour_of_week(now, tz_name)])
    return qs.annotate(
        members_available=Count(
            "volunteers",
            filter=Q(volunteers__status=Volunteer.Status.ACTIVE)
            & (Q(volunteers__availability=Volunteer.Availability.AVAILABLE) | on_schedule)
            & ~Exists(busy),
            distinct=True,
        )
    )


def callouts_visible_to(user):
    """Call-outs follow their incident's audience (issue 28): centre staff see their centres' call-outs; a
    dispatcher those of incidents their agency holds an assignment on (as incidents.selectors.incidents_visible_to:
    an agency never offered the incident sees nothing of it, its volunteers' names and distances included); a crew
    those of the incident its unit is on; a volunteer only the call-outs they were alerted on; admins all."""
    scope = scope_for(user)
    qs = CallOut.objects.select_related("incident__category", "incident__command_centre", "community")
    if scope.is_global:
        return qs
    if user.role == User.Role.VOLUNTEER:
        return qs.filter(responses__volunteer__user=user)
    return qs.filter(incident_id__in=incident_ids_in_scope(scope))


def incident_ids_in_scope(scope):
    """The incidents a staff, agency or crew scope covers, as a subquery — the rule of incidents_visible_to (which
    imports this module, so it cannot be imported here), for the roles that reach call-outs through an incident."""
    q = Q(pk__in=[])
    if scope.centre_ids:
        q |= Q(command_centre_id__in=scope.centre_ids)
    if scope.agency_ids:
        q |= Q(pk__in=Assignment.objects.filter(agency_id__in=scope.agency_ids, status__in=sorted(Assignment.RESPONSIBLE_STATUSES))
               .values("incident_id"))
    if scope.unit_ids:
        q |= Q(pk__in=UnitDispatch.objects.filter(unit_id__in=scope.unit_ids, released_at__isnull=True).values("assignment__incident_id"))
    return Incident.objects.filter(q).values("pk")


def callout_get_for(user, callout_id) -> CallOut:
    try:
        callout_id = int(callout_id)
    except (TypeError, ValueError):
        callout_id = None
    callout = callouts_visible_to(user).annotate(**callout_counts()).filter(pk=callout_id).first() if callout_id else None
    if callout is None:
        raise NotFound(_("Panggilan relawan tidak ditemukan."), code="callout_not_found")
    return callout


def members_with_history(*, community, now=None) -> list[dict]:
    """The coordinator page: every member (left ones last), availability now, busy, and participation —
    call-outs accepted, arrivals, mean minutes from accepting to on scene."""
    now = now or timezone.now()
    alertable = set(alertable_members(centre=community.command_centre, now=now).filter(community=community).values_list("pk", flat=True))
    busy = set(busy_responses().filter(community=community).values_list("volunteer_id", flat=True))
    counted = sorted(CallOutResponse.COUNTED_STATUSES)
    members = (
        Volunteer.objects.filter(community=community)
        .annotate(
            n_accepted=Count("responses", filter=Q(responses__status__in=counted) | Q(responses__stood_down_reason="withdrew")),
            n_arrived=Count("responses", filter=Q(responses__on_scene_at__isnull=False)),
            avg_arrival=Avg(F("responses__on_scene_at") - F("responses__answered_at"), filter=Q(responses__on_scene_at__isnull=False)),
        )
        .order_by("status", "name")
    )
    order = {Volunteer.Status.ACTIVE: 0, Volunteer.Status.SUSPENDED: 1, Volunteer.Status.LEFT: 2}
    rows = [
        {
            "id": m.pk, "name": m.name, "phone": m.phone, "skills": list(m.skills), "certifications": list(m.certifications),
            "availability": m.availability, "status": m.status, "on_call_now": m.pk in alertable or m.pk in busy,
            "busy": m.pk in busy, "location": m.location, "location_at": m.location_at, "accepted": m.n_accepted,
            "arrived": m.n_arrived,
            "avg_arrival_min": round(m.avg_arrival.total_seconds() / 60, 1) if m.avg_arrival is not None else None,
        }
        for m in members
    ]
    rows.sort(key=lambda r: (order.get(r["status"], 3), r["name"]))
    return rows
