"""The supervisor board's snapshot: everything the board shows, for the acting supervisor or official, read in one
REPEATABLE READ transaction together with the timeline's last `seq` so the page joins the live stream from
exactly there (no gap, no duplicate).

Why one snapshot transaction is enough: `record_event` draws `seq` under an advisory lock held until commit, so
the events a snapshot sees are exactly those with seq ≤ the highest seq it sees, and every row it reads was
written by the same transactions as those events.

"Today" is each centre's own local day (WIB/WITA/WIT): a provincial board sums each centre's day.
"""
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, CommandCentre, Unit, User
from agencies.scoping import require_role, scope_for
from dispatch.errors import NotFound
from incidents.cardiac import arrest_block, block_for
from incidents.models import Assignment, Call, CardiacArrest, Incident, IncidentCategory, SupervisorAlert, TimelineEvent
from volunteers import selectors as volunteer_selectors

BOARD_ROLES = (User.Role.SUPERVISOR, User.Role.OFFICIAL)
FUNNEL = ("received", "genuine", "info", "ghost", "prank", "duplicate", "misdial", "test", "unclassified")
# The four intervals of a call's first minutes, as (name, from stamp, to stamp) on the incident row.
INTERVALS = (
    ("answer_to_created", "call_answered_at", "created_at"),
    ("created_to_routed", "created_at", "routed_at"),
    ("routed_to_accepted", "routed_at", "accepted_at"),
    ("accepted_to_on_scene", "accepted_at", "on_scene_at"),
)
# Acknowledged alerts stay on the board this long (so a colleague sees who handled what), then drop off.
ACKNOWLEDGED_KEEP = timedelta(hours=1)
# A wall screen of a disaster surge stays drawable: the map and list cap (the count says how many there are).
MAX_INCIDENTS = 2000


def _iso(dt):
    return dt.isoformat() if dt else None


def _lonlat(point):
    return [round(point.x, 6), round(point.y, 6)] if point is not None else None


def local_day(centre: CommandCentre, now) -> tuple[datetime, datetime]:
    """[start, end) of the centre's local calendar day containing `now`, as aware datetimes."""
    zone = ZoneInfo(centre.timezone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def board_centres(user, centre_id=None) -> list[CommandCentre]:
    """The centres the board of `user` shows: a centre's supervisor or official their centre, a provincial one
    the province's centres, an admin every centre. Other roles: PermissionDenied (403). `centre_id` narrows the
    view to one of them; a centre outside the scope is "not found"."""
    require_role(user, *BOARD_ROLES)
    scope = scope_for(user)
    qs = CommandCentre.objects.all() if scope.is_global else CommandCentre.objects.filter(pk__in=scope.centre_ids)
    if centre_id is not None:
        qs = qs.filter(pk=centre_id)
    centres = list(qs.order_by("code"))
    if centre_id is not None and not centres:
        raise NotFound(_("Pusat panggilan tidak ditemukan."), code="centre_not_found")
    return centres


@contextmanager
def snapshot_transaction():
    """One consistent read: REPEATABLE READ, READ ONLY, when we own the transaction (inside an outer atomic
    block, e.g. a test, the outer transaction already gives one view of the data for our reads)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _day_q(days: dict, field: str) -> Q:
    """`field` within each centre's own local day: OR over centres of (centre = c AND start ≤ field < end)."""
    q = Q(pk__in=[])
    for centre_id, (start, end) in days.items():
        q |= Q(command_centre_id=centre_id, **{f"{field}__gte": start, f"{field}__lt": end})
    return q


def _incidents(centre_ids) -> tuple[list[dict], int]:
    qs = Incident.objects.filter(command_centre_id__in=centre_ids, status__in=Incident.OPEN_STATUSES)
    total = qs.count()
    rows = qs.order_by("priority", "-created_at").values_list(
        "id", "reference", "status", "category__code", "category__name_id", "priority", "location", "created_at",
        "command_centre_id", "address", "caller_count", "on_scene_due_at", "cardiac_arrest_suspected",
    )[:MAX_INCIDENTS]
    rows = list(rows)
    # suspected cardiac arrests (issue 30): their blocks in one query, only for those rows
    arrests = CardiacArrest.objects.in_bulk([r[0] for r in rows if r[12]])
    return [
        {
            "id": r[0], "reference": r[1], "status": r[2], "category": r[3], "category_name": r[4], "priority": r[5],
            "location": _lonlat(r[6]), "created_at": _iso(r[7]), "command_centre": r[8], "address": r[9],
            "caller_count": r[10], "on_scene_due_at": _iso(r[11]), "unclassified": r[3] == IncidentCategory.UNCLASSIFIED,
            "cardiac_arrest": arrest_block(arrests.get(r[0])),
        }
        for r in rows
    ], total


def _units(centre_ids) -> list[dict]:
    rows = Unit.objects.filter(agency__command_centre_id__in=centre_ids, agency__is_active=True).values_list(
        "id", "call_sign", "agency_id", "status", "position", "position_at", "type", "agency__command_centre_id",
    )
    return [
        {"id": r[0], "call_sign": r[1], "agency": r[2], "status": r[3], "position": _lonlat(r[4]), "position_at": _iso(r[5]),
         "type": r[6], "command_centre": r[7]}
        for r in rows
    ]


def _offers(centre_ids, now) -> list[dict]:
    # Offers of the centres' incidents, and offers handed to the centres' agencies from elsewhere.
    qs = Assignment.objects.filter(status=Assignment.Status.OFFERED).filter(
        Q(incident__command_centre_id__in=centre_ids) | Q(agency__command_centre_id__in=centre_ids)
    )
    rows = qs.order_by("ack_deadline", "id").values_list(
        "id", "incident_id", "incident__reference", "agency_id", "agency__short_name", "agency__name", "offered_at",
        "ack_deadline", "escalation_stage", "incident__command_centre_id", "incident__category__name_id", "incident__priority",
    )
    return [
        {
            "assignment": r[0], "incident": r[1], "reference": r[2], "agency": r[3], "agency_name": r[4] or r[5],
            "offered_at": _iso(r[6]), "ack_deadline": _iso(r[7]),
            "seconds_left": max(0, int((r[7] - now).total_seconds())) if r[7] else None,
            "escalation_stage": r[8], "command_centre": r[9], "category_name": r[10], "priority": r[11],
        }
        for r in rows
    ]


def _alerts(centre_ids, now) -> list[dict]:
    qs = SupervisorAlert.objects.filter(command_centre_id__in=centre_ids).filter(
        Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=now - ACKNOWLEDGED_KEEP)
    )
    rows = qs.order_by("-created_at", "-id").values_list(
        "id", "kind", "incident_id", "incident__reference", "created_at", "acknowledged_at", "acknowledged_by_id",
        "message", "command_centre_id", "assignment_id", "assignment__agency_id", "incident__priority",
        "acknowledged_by__username", "acknowledged_by__first_name", "acknowledged_by__last_name",
    )
    # The page groups them into one line per incident (static/js/board/render.js: drawAlerts), as
    # GET /api/v1/alerts/?group=incident does: the rows carry what the line shows (priority, who acknowledged).
    return [
        {
            "id": r[0], "kind": r[1], "incident": r[2], "reference": r[3], "raised_at": _iso(r[4]), "acknowledged": r[5] is not None,
            "acknowledged_at": _iso(r[5]), "acknowledged_by": r[6], "message": r[7], "command_centre": r[8],
            "assignment": r[9], "agency": r[10], "priority": r[11],
            "acknowledged_by_name": (f"{r[13]} {r[14]}".strip() or r[12]) if r[6] else None,
        }
        for r in rows
    ]


def _agencies(centre_ids) -> list[dict]:
    agencies = list(
        Agency.objects.filter(command_centre_id__in=centre_ids, is_active=True)
        .order_by("command_centre_id", "type", "name")
        .values_list("id", "short_name", "name", "type", "command_centre_id")
    )
    ids = [a[0] for a in agencies]
    live = dict(
        Assignment.objects.filter(agency_id__in=ids, status__in=Assignment.LIVE_STATUSES)
        .values_list("agency_id").annotate(n=Count("id")).order_by()
    )
    units = {}
    for agency_id, status, n in Unit.objects.filter(agency_id__in=ids).values_list("agency_id", "status").annotate(n=Count("id")).order_by():
        units.setdefault(agency_id, {})[status] = n
    rows = []
    for agency_id, short_name, name, kind, centre_id in agencies:
        counts = units.get(agency_id, {})
        rows.append({
            "id": agency_id, "name": short_name or name, "full_name": name, "type": kind, "command_centre": centre_id,
            "open_assignments": live.get(agency_id, 0),
            "units_available": counts.get(Unit.Status.AVAILABLE, 0),
            "units_busy": sum(n for s, n in counts.items() if s in Unit.BUSY_STATUSES),
            "units_out_of_service": counts.get(Unit.Status.OUT_OF_SERVICE, 0),
        })
    return rows


def _call_takers(centre_ids, days) -> list[dict]:
    """Every call-taker of the centres, and anyone else who answered a call there today (a supervisor may)."""
    handled = {
        row["call_taker_id"]: row
        for row in Call.objects.filter(_day_q(days, "answered_at"), call_taker__isnull=False)
        .values("call_taker_id")
        .annotate(
            calls_today=Count("id"),
            ended=Count("id", filter=Q(ended_at__isnull=False)),
        )
        .order_by()
    }
    # Handling time summed in seconds (the client keeps the average live by adding each ended call to it).
    totals = {}
    if handled:
        where, params = [], []
        for centre_id, (start, end) in days.items():
            where.append("(command_centre_id = %s AND answered_at >= %s AND answered_at < %s)")
            params += [centre_id, start, end]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT call_taker_id, SUM(EXTRACT(EPOCH FROM ended_at - answered_at)) FROM incidents_call "
                f"WHERE call_taker_id IS NOT NULL AND ended_at IS NOT NULL AND ({' OR '.join(where)}) GROUP BY call_taker_id",
                params,
            )
            totals = {user_id: float(total or 0) for user_id, total in cursor.fetchall()}
    on_call = dict(
        Call.objects.filter(command_centre_id__in=centre_ids, status=Call.Status.ACTIVE, call_taker__isnull=False)
        .values_list("call_taker_id").annotate(since=Max("answered_at")).order_by()
    )
    users = User.objects.filter(
        Q(role=User.Role.CALL_TAKER, command_centre_id__in=centre_ids, is_active=True) | Q(pk__in=set(handled) | set(on_call))
    ).order_by("username").values_list("id", "username", "first_name", "last_name", "command_centre_id")
    rows = []
    for user_id, username, first, last, centre_id in users:
        h = handled.get(user_id, {})
        ended, total = h.get("ended", 0), totals.get(user_id, 0.0)
        rows.append({
            "user": user_id,
            "name": f"{first} {last}".strip() or username,
            "command_centre": centre_id,
            "on_call_since": _iso(on_call.get(user_id)),
            "calls_today": h.get("calls_today", 0),
            "avg_handling_s": round(total / ended, 1) if ended else None,
            "handled_ended": ended,
            "handling_total_s": round(total, 3),
        })
    return rows


def _funnels(days) -> dict:
    """Per centre: calls received today (by when they rang, or were answered when no PBX pushed them) by disposition."""
    funnels = {centre_id: dict.fromkeys(FUNNEL, 0) for centre_id in days}
    where, params = [], []
    for centre_id, (start, end) in days.items():
        where.append("(command_centre_id = %s AND COALESCE(ringing_at, answered_at) >= %s AND COALESCE(ringing_at, answered_at) < %s)")
        params += [centre_id, start, end]
    if not where:
        return funnels
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT command_centre_id, disposition, COUNT(*) FROM incidents_call WHERE {' OR '.join(where)} "
            "GROUP BY command_centre_id, disposition",
            params,
        )
        for centre_id, disposition, n in cursor.fetchall():
            f = funnels[centre_id]
            f["received"] += n
            f[disposition if disposition in f else "unclassified"] += n
    return funnels


def _intervals(days) -> tuple[dict, dict, list]:
    """p50/p90 (seconds, linear interpolation: PostgreSQL's percentile_cont) of today's incidents per centre and
    over all of them, and the rows' stamps so the page can keep the figures live as stages are reached."""
    where, params = [], []
    for centre_id, (start, end) in days.items():
        where.append("(command_centre_id = %s AND created_at >= %s AND created_at < %s)")
        params += [centre_id, start, end]
    empty = {name: {"p50": None, "p90": None, "n": 0} for name, _a, _b in INTERVALS}
    per_centre = {centre_id: {k: dict(v) for k, v in empty.items()} for centre_id in days}
    overall = {k: dict(v) for k, v in empty.items()}
    if not where:
        return per_centre, overall, []
    cols = []
    for _name, a, b in INTERVALS:
        span = f"EXTRACT(EPOCH FROM {b} - {a})"
        cols += [
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {span}) FILTER (WHERE {a} IS NOT NULL AND {b} IS NOT NULL)",
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {span}) FILTER (WHERE {a} IS NOT NULL AND {b} IS NOT NULL)",
            f"COUNT(*) FILTER (WHERE {a} IS NOT NULL AND {b} IS NOT NULL)",
        ]
    sql = (
        f"SELECT GROUPING(command_centre_id), command_centre_id, {', '.join(cols)} FROM incidents_incident "
        f"WHERE {' OR '.join(where)} GROUP BY GROUPING SETS ((command_centre_id), ())"
    )
    stamps_sql = (
        "SELECT id, command_centre_id, call_answered_at, created_at, routed_at, accepted_at, on_scene_at "
        f"FROM incidents_incident WHERE {' OR '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            target = overall if row[0] else per_centre[row[1]]
            for i, (name, _a, _b) in enumerate(INTERVALS):
                p50, p90, n = row[2 + 3 * i: 5 + 3 * i]
                target[name] = {"p50": round(p50, 1) if p50 is not None else None, "p90": round(p90, 1) if p90 is not None else None, "n": n}
        cursor.execute(stamps_sql, params)
        stamps = [[r[0], r[1], *(_iso(v) for v in r[2:])] for r in cursor.fetchall()]
    return per_centre, overall, stamps


def _callouts(centre_ids) -> list[dict]:
    """Call-outs still short of volunteers (the volunteers app's selector: its own rules of "waiting")."""
    return [
        {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row.items()}
        for row in volunteer_selectors.callouts_waiting(centre_ids=sorted(centre_ids))
    ]


def board_snapshot(*, user, centre_id=None, now=None) -> dict:
    """GET /api/v1/board/ and the board page: see docs/api.md ("Supervisor board") for the fields."""
    centres = board_centres(user, centre_id)
    ids = [c.pk for c in centres]
    with snapshot_transaction():
        # seq first, in the same snapshot as every read below
        last_seq = TimelineEvent.objects.aggregate(m=Max("seq"))["m"] or 0
        now = now or timezone.now()
        days = {c.pk: local_day(c, now) for c in centres}
        incidents, open_count = _incidents(ids)
        funnels = _funnels(days)
        per_centre_intervals, intervals, stamps = _intervals(days)
        snapshot = {
            "generated_at": now.isoformat(),
            "last_seq": last_seq,
            "centres": [
                {
                    "id": c.pk, "code": c.code, "name": c.name, "timezone": c.timezone,
                    "local_time": now.astimezone(ZoneInfo(c.timezone)).isoformat(),
                    "day_start": days[c.pk][0].isoformat(), "day_end": days[c.pk][1].isoformat(),
                    "funnel_today": funnels[c.pk], "intervals_today": per_centre_intervals[c.pk],
                }
                for c in centres
            ],
            "incidents": incidents,
            "open_incidents": open_count,
            "units": _units(ids),
            "offers": _offers(ids, now),
            "alerts": _alerts(ids, now),
            "agencies": _agencies(ids),
            "call_takers": _call_takers(ids, days),
            "funnel_today": {k: sum(f[k] for f in funnels.values()) for k in FUNNEL},
            "intervals_today": intervals,
            "interval_stamps_today": stamps,
            "callouts": _callouts(ids),
        }
    return snapshot


def board_incident(*, user, incident_id) -> dict:
    """The drill-down: the incident, its assignments and its whole timeline (every event, oldest first)."""
    centres = board_centres(user)
    ids = {c.pk for c in centres}
    incident = (
        Incident.objects.select_related("category", "command_centre", "regency", "district", "village")
        .filter(pk=incident_id if str(incident_id).isdigit() else None, command_centre_id__in=ids).first()
    )
    if incident is None:
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")
    assignments = incident.assignments.select_related("agency__command_centre").order_by("offered_at", "id")
    events = incident.events.select_related("actor").order_by("seq")
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "category": incident.category.code,
        "category_name": incident.category.name_id,
        "unclassified": incident.is_unclassified,
        "priority": incident.priority,
        "location": _lonlat(incident.location),
        "address": incident.address,
        "village": incident.village.name if incident.village else "",
        "district": incident.district.name if incident.district else "",
        "description": incident.description,
        "caller_number": incident.caller_number,
        "caller_name": incident.caller_name,
        "caller_count": incident.caller_count,
        "command_centre": incident.command_centre_id,
        "created_at": _iso(incident.created_at),
        "on_scene_due_at": _iso(incident.on_scene_due_at),
        "resolved_at": _iso(incident.resolved_at),
        "auto_close_due_at": _iso(incident.auto_close_due_at),
        "unrouted_since": _iso(incident.unrouted_since),
        "cardiac_arrest": block_for(incident),
        "open_alerts": [
            {"id": a.pk, "kind": a.kind, "message": a.message, "raised_at": _iso(a.created_at)}
            for a in incident.alerts.filter(acknowledged_at__isnull=True).order_by("created_at", "pk")
        ],
        "assignments": [
            {
                "id": a.pk, "agency": a.agency_id, "agency_name": str(a.agency), "centre_name": a.agency.command_centre.name,
                "status": a.status, "offered_at": _iso(a.offered_at), "ack_deadline": _iso(a.ack_deadline),
                "accepted_at": _iso(a.accepted_at), "escalation_stage": a.escalation_stage, "reason": a.reason,
            }
            for a in assignments
        ],
        "events": [
            {
                "seq": e.seq, "kind": e.kind, "at": _iso(e.at), "actor": e.actor_id,
                "actor_name": (e.actor.get_full_name() or e.actor.username) if e.actor else None, "payload": e.payload,
            }
            for e in events
        ],
    }
