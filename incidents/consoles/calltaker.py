"""The call-taker console (issue 3): one keyboard-first screen to answer, classify, log and route calls.

The page embeds the centre's open incidents (as data), the ringing calls and `last_seq`; the browser
(static/js/calltaker/main.js) draws the list, then works through REST API v1 and live events from that seq on.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.api import AgencySerializer
from agencies.models import Agency, User
from incidents import selectors
from incidents.api.serializers import CategorySerializer
from incidents.consoles.access import require_console_role
from incidents.models import Call, Incident, IncidentCategory, Priority

CONSOLE_ROLES = (User.Role.CALL_TAKER, User.Role.SUPERVISOR)
# A console shows every open incident of its centre; a cap keeps a disaster surge from freezing the page.
MAX_OPEN_INCIDENTS = 1000


def _incident_rows(user):
    qs = (
        selectors.incidents_visible_to(user)
        .filter(status__in=Incident.OPEN_STATUSES)
        .select_related("category")
        .only(
            "id", "reference", "status", "priority", "address", "location", "caller_count", "created_at",
            "call_answered_at", "routed_at", "location_source", "category__code", "category__name_id", "category__name_en",
        )
        .order_by("priority", "-created_at")[:MAX_OPEN_INCIDENTS]
    )
    return list(qs)


def _tiles():
    """The first tile layer of LEAFLET_CONFIG; the map works without it (pins, clicks) when tiles cannot load."""
    tiles = settings.LEAFLET_CONFIG.get("TILES") or []
    if not tiles:
        return None
    _name, url, options = (list(tiles[0]) + [{}])[:3]
    return {"url": url, "options": options}


def _iso(dt):
    return dt.isoformat() if dt else ""


def _row_data(incidents) -> list[dict]:
    """The open-incidents list as data, drawn by the browser (static/js/calltaker/list.js: rowHtml, the one
    renderer of a row, also used for live updates). Same field names as the live events' incident and the
    create answer. Plain dicts, not a serializer: a disaster surge puts hundreds of rows on this page."""
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
            "call_answered_at": _iso(i.call_answered_at),
            "routed_at": _iso(i.routed_at),
            "location": [round(i.location.x, 6), round(i.location.y, 6)],
            "location_to_confirm": i.location_source == Incident.LOCATION_TO_CONFIRM,
        }
        for i in incidents
    ]


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
        },
        "activeCall": None,
        "tiles": _tiles(),
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
        }
    incidents = _incident_rows(user)
    context = {
        "incident_count": len(incidents),
        "incident_rows": _row_data(incidents),
        "ringing": ringing,
        "last_seq": selectors.last_seq(),
        "config": config,
        "priorities": Priority.choices,
        "title": _("Konsol Operator 112"),
    }
    return render(request, "consoles/calltaker.html", context)
