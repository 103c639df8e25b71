"""The agency dispatcher console (issue 5): offered assignments with their countdown, Accept/Decline,
the agency's accepted incidents, the unit board, unit recommendations, handoff and a map.

The page renders `last_seq` and its configuration; static/js/dispatcher.js loads the lists through
REST API v1 and then follows live events from that seq, reloading its lists when an event concerns them.
Dispatchers act; supervisors and admins get the same screen read-only.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Unit, User
from agencies.scoping import scope_for
from incidents import selectors
from incidents.consoles.access import require_console_role
from incidents.models import Incident
from incidents.services.units import DISPATCH_ONLY, UNIT_TRANSITIONS

CONSOLE_ROLES = (User.Role.DISPATCHER, User.Role.SUPERVISOR)


def _map_center(user):
    agency = user.agency
    if agency is not None:
        station = agency.stations.first()
        if station is not None:
            return [station.location.y, station.location.x]
        centre = agency.command_centre
    else:
        centre = user.command_centre
    if centre is not None and centre.location:
        return [centre.location.y, centre.location.x]
    return list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"])


def handoff_targets():
    """Every active agency, of every centre (a handoff may cross centres), grouped by centre."""
    groups = {}
    for a in Agency.objects.filter(is_active=True).select_related("command_centre").order_by("command_centre__code", "type", "name"):
        g = groups.setdefault(a.command_centre_id, {"centre": a.command_centre.name, "code": a.command_centre.code, "agencies": []})
        g["agencies"].append({"id": a.pk, "name": str(a), "full_name": a.name, "type": a.get_type_display()})
    return list(groups.values())


def unit_status_config():
    return {
        "labels": {value: str(label) for value, label in Unit.Status.choices},
        "order": list(Unit.Status.values),
        # The buttons a unit card offers: the service's legal steps, minus "dispatched" (that needs an incident).
        "next": {src: [t for t in Unit.Status.values if t in targets and t not in DISPATCH_ONLY] for src, targets in UNIT_TRANSITIONS.items()},
    }


@login_required
def dispatcher_console(request):
    require_console_role(request, *CONSOLE_ROLES)
    user = request.user
    scope = scope_for(user)
    can_act = user.role == User.Role.DISPATCHER or user.is_superuser or user.role == User.Role.ADMIN
    config = {
        "user": user.pk,
        "agencyIds": sorted(scope.agency_ids),
        "agency": user.agency_id,
        "canAct": can_act,
        "serverNow": timezone.now().isoformat(),
        "mapCenter": _map_center(user),
        "tiles": settings.LEAFLET_CONFIG["TILES"][0][1] if settings.LEAFLET_CONFIG.get("TILES") else None,
        "units": unit_status_config(),
        "incidentLabels": {value: str(label) for value, label in Incident.Status.choices},
        "handoffTargets": handoff_targets(),
        "api": {
            "assignments": reverse("api-assignments"),
            "units": reverse("api-units"),
            "accept": "/api/v1/assignments/{id}/accept/",
            "decline": "/api/v1/assignments/{id}/decline/",
            "handoff": "/api/v1/assignments/{id}/handoff/",
            "complete": "/api/v1/assignments/{id}/complete/",
            "dispatch": "/api/v1/assignments/{id}/dispatch/",
            "chain": "/api/v1/assignments/{id}/chain/",
            "unitStatus": "/api/v1/units/{id}/status/",
            "recommend": "/api/v1/incidents/{id}/unit-recommendations/",
            "incident": "/api/v1/incidents/{id}/",
        },
    }
    return render(
        request,
        "consoles/dispatcher.html",
        {"config": config, "last_seq": selectors.last_seq(), "agency": user.agency, "can_act": can_act},
    )
