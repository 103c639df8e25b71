"""The call-taker console (issue 3): one keyboard-first screen to answer, classify, log and route calls.

The page embeds the centre's open incidents (as data), the ringing calls and `last_seq`; the browser
(static/js/calltaker/main.js) draws the list, then works through REST API v1 and live events from that seq on.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.api import AgencySerializer
from agencies.models import Agency, Region, User
from agencies.scoping import scope_for
from agencies.tiles import map_tiles
from incidents import selectors
from incidents.api.serializers import CategorySerializer
from incidents.consoles.access import require_console_role
from incidents.models import Assignment, Call, Incident, IncidentCategory, Priority

# How Indonesians name their zones (the clock in the top bar); static/js/lib/time.js has the same table.
ZONE_ABBR = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
CONSOLE_ROLES = (User.Role.CALL_TAKER, User.Role.SUPERVISOR)
# Every open incident of the centre is on the page (the browser draws only the rows in view, list.js), so the
# counter is the server's count. This ceiling only keeps a runaway import from sending a page of hundreds of MB;
# above it the page says how many it left out (`incident_count` stays the true count).
MAX_OPEN_INCIDENTS = 20_000


def _open_incidents(user):
    return selectors.incidents_visible_to(user).filter(status__in=Incident.OPEN_STATUSES)


def _incident_rows(user):
    qs = (
        _open_incidents(user)
        .select_related("category")
        .only(
            "id", "reference", "status", "priority", "address", "location", "caller_count", "created_at", "created_by_id",
            "call_answered_at", "routed_at", "location_source", "village_id", "category__code", "category__name_id", "category__name_en",
        )
        .order_by("priority", "-created_at")[:MAX_OPEN_INCIDENTS]
    )
    return list(qs)


def _live_agencies(incidents) -> dict[int, list[int]]:
    """incident id → the agencies holding a live assignment (the list's agency filter), in one query."""
    by_incident: dict[int, list[int]] = {}
    ids = [i.pk for i in incidents]
    rows = Assignment.objects.filter(incident_id__in=ids, status__in=Assignment.LIVE_STATUSES).values_list("incident_id", "agency_id")
    for incident_id, agency_id in rows.order_by("incident_id", "agency_id"):
        by_incident.setdefault(incident_id, []).append(agency_id)
    return by_incident


def _left_at(incidents) -> dict[int, object]:
    """incident id → when the last agency let go of an incident routed before and back at "new" (declined or
    expired): the list colours such a row by how long nobody has held it. One query, only over those rows."""
    ids = [i.pk for i in incidents if i.status == Incident.Status.NEW and i.routed_at]
    if not ids:
        return {}
    rows = (
        Assignment.objects.filter(incident_id__in=ids)
        .values("incident_id")
        .annotate(declined=Max("declined_at"), expired=Max("expired_at"))
    )
    return {r["incident_id"]: max(t for t in (r["declined"], r["expired"]) if t) for r in rows if r["declined"] or r["expired"]}


def _iso(dt):
    return dt.isoformat() if dt else ""


def _row_data(incidents) -> list[dict]:
    """The open-incidents list as data, drawn by the browser (static/js/calltaker/list.js: rowHtml, the one
    renderer of a row, also used for live updates). Same field names as the live events' incident and the
    create answer, plus what only the list needs: `created_by` (the "mine" filter), `agencies` (live assignments,
    the agency filter) and `unrouted_since` (when an incident routed before lost its last agency).
    Plain dicts, not a serializer: a disaster surge puts thousands of rows on this page."""
    agencies = _live_agencies(incidents)
    left_at = _left_at(incidents)
    return [
        {
            "id": i.pk,
            "reference": i.reference,
            "status": i.status,
            "priority": i.priority,
            "category_name": i.category.name_id,
            "address": i.address,
            "caller_count": i.caller_count,
            "created_at": _iso(i.created_at),
            "created_by": i.created_by_id,
            "call_answered_at": _iso(i.call_answered_at),
            "routed_at": _iso(i.routed_at),
            "unrouted_since": _iso(left_at.get(i.pk)),
            "agencies": agencies.get(i.pk, []),
            "location": [round(i.location.x, 6), round(i.location.y, 6)],
            "location_to_confirm": i.location_source == Incident.LOCATION_TO_CONFIRM,
            "village": i.village_id,
            "unclassified": i.category.code == IncidentCategory.UNCLASSIFIED,
        }
        for i in incidents
    ]


def _village_names(scope, incidents) -> dict[str, str]:
    """Kemendagri code → name of the kelurahan/desa the list may show: every village of the regencies the user's
    centres serve (live events carry only the code), plus any an open incident names outside them."""
    codes = set(
        Region.objects.filter(command_centres__in=scope.centre_ids).values_list("code", flat=True)
    ) if not scope.is_global else set()
    q = Q(pk__in=[i.village_id for i in incidents if i.village_id])
    for code in codes:
        q |= Q(code__startswith=f"{code}.")
    return dict(Region.objects.filter(q, level=Region.Level.VILLAGE).values_list("code", "name"))


def _reference_data(centre):
    """Categories and the centre's agencies in the shapes of GET /api/v1/categories/ and /api/v1/agencies/,
    embedded so the console is ready without two more round trips."""
    categories = IncidentCategory.objects.filter(is_active=True).prefetch_related("related").order_by("name_id")
    agencies = Agency.objects.none()
    if centre is not None:
        agencies = (
            Agency.objects.filter(is_active=True, command_centre=centre)
            .select_related("command_centre").prefetch_related("regions").defer("jurisdiction")
            .order_by("type", "name")
        )
    return CategorySerializer(categories, many=True).data, AgencySerializer(agencies, many=True).data


@login_required
def call_taker_console(request):
    require_console_role(request, *CONSOLE_ROLES)
    user = request.user
    centre = user.command_centre
    ringing = list(selectors.calls_visible_to(user).filter(status=Call.Status.RINGING).order_by("ringing_at", "id")[:20])
    active = selectors.calls_visible_to(user).filter(call_taker=user, status=Call.Status.ACTIVE).order_by("-answered_at").first()
    centre_point = centre.location if centre and centre.location else None
    if centre_point is None and centre is not None:
        regency = centre.regions.exclude(boundary__isnull=True).first()
        centre_point = regency.boundary.centroid if regency else None
    lat, lon = (centre_point.y, centre_point.x) if centre_point else settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    config = {
        "user": user.pk,
        "centre": centre.code if centre else None,
        "centreId": centre.pk if centre else None,
        "mapCenter": [lat, lon],
        "duplicateRadiusM": settings.DUPLICATE_RADIUS_M,
        "duplicateWindowMin": settings.DUPLICATE_WINDOW_MIN,
        "api": {
            "callStart": reverse("api-call-start"),
            "calls": "/api/v1/calls/",
            "callers": "/api/v1/callers/",
            "categories": reverse("api-categories"),
            "agencies": reverse("api-agencies"),
            "incidents": reverse("api-incidents"),
            "duplicates": reverse("api-incident-duplicates"),
            "places": reverse("api-places"),
            "placesAt": reverse("api-places-at"),
            # the centre's copy for working without the server (issue 26); none for an admin of no centre
            "offlineReference": f"{reverse('api-reference-offline')}?command_centre={centre.code}" if centre else None,
        },
        "activeCall": None,
        "tiles": map_tiles(),
    }
    config["categories"], config["agencies"] = _reference_data(centre)
    if active is not None:
        config["activeCall"] = {
            "id": active.pk,
            "caller_number": active.caller_number,
            "caller_name": active.caller_name,
            "answered_at": active.answered_at.isoformat() if active.answered_at else None,
            "device_location": [active.device_location.x, active.device_location.y] if active.device_location else None,
            "device_accuracy_m": active.device_accuracy_m,
            # a call the console started offline and its queue sent (issue 26): the draft typed for it stays
            "client_key": active.client_key,
        }
    # The seq first, then the rows: an event committed in between is then newer than `last_seq` and replayed by the
    # socket (list.js applies it idempotently). Read the other way round, it would be in neither (seq follows commit
    # order, incidents.timeline.record_event).
    last_seq = selectors.last_seq()
    incidents = _incident_rows(user)
    count = len(incidents) if len(incidents) < MAX_OPEN_INCIDENTS else _open_incidents(user).count()
    scope = scope_for(user)
    # The list keeps only its centres' incidents: a centre also hears about another centre's incident while one of
    # its agencies holds it, and such a row would be missing after a reload (the counter's drift, issue 16).
    config["centreIds"] = None if scope.is_global else sorted(scope.centre_ids)
    config["villages"] = _village_names(scope, incidents)
    context = {
        "incident_count": count,
        "incident_rows": _row_data(incidents),
        "ringing": ringing,
        "last_seq": last_seq,
        "config": config,
        "priorities": Priority.choices,
        "open_statuses": [(v, label) for v, label in Incident.Status.choices if v in Incident.OPEN_STATUSES],
        "incident_rows_left_out": count - len(incidents),
        "zone_abbr": ZONE_ABBR.get(timezone.get_current_timezone_name(), timezone.get_current_timezone_name()),
        "title": _("Konsol Operator 112"),
    }
    return render(request, "consoles/calltaker.html", context)
