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
from django.utils.translation import get_language

from agencies.capabilities import capability_names
from agencies.models import Agency, AgencyType, Unit, User
from agencies.scoping import scope_for
from agencies.tiles import map_tiles
from dispatch import osrm
from incidents import selectors
from incidents.consoles.access import require_console_role
from incidents.api.serializers import localised_category_name
from incidents.models import Incident, IncidentCategory, Priority
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


# Statuses only agencies that carry patients use: a fire or police board has no "Mengantar pasien" or
# "Di rumah sakit" column (nor such buttons on its unit cards or crew phones).
PATIENT_STATUSES = (Unit.Status.TRANSPORTING, Unit.Status.AT_HOSPITAL)
PATIENT_TRANSPORT_TYPES = frozenset({AgencyType.EMS, AgencyType.RED_CROSS})


def handoff_targets(own_centre_id=None):
    """Every active agency, of every centre (a handoff may cross centres), grouped by centre: the user's own
    centre first, then the others by name."""
    groups = {}
    for a in Agency.objects.filter(is_active=True).select_related("command_centre").order_by("command_centre__name", "type", "name"):
        g = groups.setdefault(a.command_centre_id, {"centre": a.command_centre.name, "code": a.command_centre.code, "agencies": []})
        g["agencies"].append({"id": a.pk, "name": str(a), "full_name": a.name, "type": a.get_type_display()})
    own = groups.get(own_centre_id)
    return sorted(groups.values(), key=lambda g: g is not own)  # stable: the others keep their name order


def unit_status_config(agency_types=None):
    """Unit status names, the board's columns and the legal buttons. `agency_types`: the kinds of agency whose
    units the screen shows (None: any) — the patient statuses appear only where an agency carries patients."""
    statuses = list(Unit.Status.values)
    if agency_types is not None and not (set(agency_types) & PATIENT_TRANSPORT_TYPES):
        statuses = [s for s in statuses if s not in PATIENT_STATUSES]
    return {
        "labels": {value: str(label) for value, label in Unit.Status.choices},
        "order": statuses,
        # The buttons a unit card offers: the service's legal steps, minus "dispatched" (that needs an incident).
        "next": {src: [t for t in statuses if t in targets and t not in DISPATCH_ONLY] for src, targets in UNIT_TRANSITIONS.items()},
    }


def category_config():
    """Categories by code, in the request's language: the name, the default priority and the question script's
    questions (the detail panel shows answers under their question, and why the priority is what it is)."""
    english = (get_language() or "id").startswith("en")
    result = {}
    for c in IncidentCategory.objects.all().only("code", "name_id", "name_en", "default_priority", "question_script"):
        result[c.code] = {
            "name": localised_category_name(c),
            "default_priority": c.default_priority,
            "questions": [
                {
                    "key": q.get("key"),
                    "text": (q.get("question_en") if english else None) or q.get("question_id") or q.get("key"),
                    "type": q.get("type", "text"),
                    "priority_if": q.get("priority_if"),
                }
                for q in (c.question_script or [])
                if isinstance(q, dict)
            ],
        }
    return result


@login_required
def dispatcher_console(request):
    require_console_role(request, *CONSOLE_ROLES)
    user = request.user
    scope = scope_for(user)
    can_act = user.role == User.Role.DISPATCHER or user.is_superuser or user.role == User.Role.ADMIN
    agency_types = [user.agency.type] if user.agency_id else None
    own_centre = user.agency.command_centre_id if user.agency_id else user.command_centre_id
    config = {
        "user": user.pk,
        "agencyIds": sorted(scope.agency_ids),
        "agency": user.agency_id,
        "canAct": can_act,
        "serverNow": timezone.now().isoformat(),
        "mapCenter": _map_center(user),
        "tiles": map_tiles(),
        "units": unit_status_config(agency_types),
        "incidentLabels": {value: str(label) for value, label in Incident.Status.choices},
        "priorities": {value: str(label) for value, label in Priority.choices},
        "categories": category_config(),
        "capabilities": capability_names(),
        "handoffTargets": handoff_targets(own_centre),
        "routing": osrm.enabled(),  # no engine configured: the detail map draws no route
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
            "route": reverse("api-route"),
        },
    }
    return render(
        request,
        "consoles/dispatcher.html",
        {"config": config, "last_seq": selectors.last_seq(), "agency": user.agency, "can_act": can_act},
    )
