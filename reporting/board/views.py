"""The board page: the snapshot embedded as JSON (ready without another round trip), then live from its
`last_seq` (static/js/board/main.js). Supervisors act from the drill-down; officials get it read-only."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyType, Unit, User
from agencies.tiles import map_tiles
from dispatch.errors import NotFound
from incidents.consoles.access import require_console_role
from incidents.models import Assignment, Call, Incident, SupervisorAlert
from reporting.board.selectors import BOARD_ROLES, board_centres, board_snapshot


def _labels() -> dict:
    """Every code the board shows, as the user's language says it (no raw codes on screen)."""
    return {
        "incident": {v: str(label) for v, label in Incident.Status.choices},
        "assignment": {v: str(label) for v, label in Assignment.Status.choices},
        "unit": {v: str(label) for v, label in Unit.Status.choices},
        "alert": {v: str(label) for v, label in SupervisorAlert.Kind.choices},
        "disposition": {v: str(label) for v, label in Call.Disposition.choices},
        "agencyType": {v: str(label) for v, label in AgencyType.choices},
    }


def _agency_choices() -> list[dict]:
    """Every active agency, by centre: re-routing names agencies of the centre, a handoff may cross centres."""
    return [
        {"id": a.pk, "name": str(a), "full_name": a.name, "command_centre": a.command_centre_id, "centre_name": a.command_centre.name}
        for a in Agency.objects.filter(is_active=True).select_related("command_centre").order_by("command_centre__code", "type", "name")
    ]


@login_required
def board_page(request):
    require_console_role(request, *BOARD_ROLES)
    centre = request.GET.get("centre")
    try:
        snapshot = board_snapshot(user=request.user, centre_id=int(centre) if centre else None)
    except (NotFound, ValueError):
        raise Http404(_("Pusat panggilan tidak ditemukan.")) from None
    user = request.user
    can_act = user.role == User.Role.SUPERVISOR or user.is_superuser or user.role == User.Role.ADMIN
    config = {
        "user": user.pk,
        "canAct": can_act,
        "labels": _labels(),
        "agencies": _agency_choices() if can_act else [],
        "tiles": map_tiles(),
        "mapCenter": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),
        "api": {
            "board": reverse("api-board"),
            "incident": "/api/v1/board/incidents/{id}/",
            "route": "/api/v1/incidents/{id}/route/",
            "cancel": "/api/v1/incidents/{id}/cancel/",
            "handoff": "/api/v1/assignments/{id}/handoff/",
            "acknowledge": "/api/v1/alerts/{id}/acknowledge/",
            "acknowledgeIncident": "/api/v1/incidents/{id}/alerts/acknowledge/",
            "close": "/api/v1/incidents/{id}/close/",
        },
    }
    all_centres = [{"id": c.pk, "name": c.name} for c in board_centres(user)]
    many = len(all_centres) > 1
    return render(request, "reporting/board.html", {
        "snapshot": snapshot,
        "config": config,
        "last_seq": snapshot["last_seq"],
        "provincial": many,
        "all_centres": all_centres,
        "can_act": can_act,
        "time_zone": snapshot["centres"][0]["timezone"] if len(snapshot["centres"]) == 1 else "",
    })
