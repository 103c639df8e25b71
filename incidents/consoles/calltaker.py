"""The call-taker console (issue 3): one keyboard-first screen to answer, classify, log and route calls.

The page renders the centre's open incidents and ringing calls server-side together with `last_seq`, then
the browser (static/js/calltaker.js) works through REST API v1 and live events from that seq on.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import require_role
from dispatch.errors import PermissionDenied
from incidents import selectors
from incidents.models import Call, Incident, Priority

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
            "call_answered_at", "routed_at", "category__code", "category__name_id", "category__name_en",
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


def _rows_html(incidents) -> str:
    """The open-incidents list as HTML. Built in Python: the template engine took ~0.5 ms a row, and a
    disaster surge puts hundreds of rows on this page (docs/perf-calltaker.md). Same markup as calltaker.js."""
    statuses = dict(Incident.Status.choices)
    callers = escape(_("jumlah pelapor"))
    out = []
    for i in incidents:
        out.append(
            f'<li class="inc p{i.priority} st-{i.status}" data-id="{i.pk}" data-status="{i.status}" data-priority="{i.priority}" '
            f'data-created="{_iso(i.created_at)}" data-answered="{_iso(i.call_answered_at)}" data-routed="{_iso(i.routed_at)}" '
            f'data-lat="{i.location.y:.6f}" data-lon="{i.location.x:.6f}">'
            f'<span class="ref">{escape(i.reference)}</span><span class="prio">P{i.priority}</span>'
            f'<span class="cat">{escape(i.category.name_id)}</span><span class="status">{escape(statuses.get(i.status, i.status))}</span>'
            f'<span class="addr">{escape(i.address)}</span>'
            f'<span class="callers" title="{callers}">👥 <b>{i.caller_count}</b></span>'
            '<span class="times"><span class="t-age"></span> <span class="t-intervals"></span></span></li>'
        )
    return mark_safe("".join(out))


def _reference_data(centre):
    """Categories and the centre's agencies in the shapes of GET /api/v1/categories/ and /api/v1/agencies/,
    embedded so the console is ready without two more round trips."""
    from agencies.api import AgencySerializer
    from agencies.models import Agency
    from incidents.api.serializers import CategorySerializer
    from incidents.models import IncidentCategory

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
    try:
        require_role(request.user, *CONSOLE_ROLES)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from None
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
        "incident_rows": _rows_html(incidents),
        "ringing": ringing,
        "last_seq": selectors.last_seq(),
        "config": config,
        "priorities": Priority.choices,
        "title": _("Konsol Operator 112"),
    }
    return render(request, "consoles/calltaker.html", context)
