"""The field crew page (issues 5 and 16): phone-sized, for one unit's crew. Each unit has its own crew login
(role "crew", scoped to that unit: it sees its unit and the incident the unit is on, never the agency's other
work). The page offers en route / on scene / resolved (with a confirmation and a note), the incident with a small
map and navigation links, and sends the phone's position to the AVL endpoint."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from agencies.tiles import map_tiles
from dispatch import osrm
from incidents import selectors
from incidents.consoles.access import require_console_role
from incidents.consoles.dispatcher import unit_status_config


@login_required
def crew_page(request):
    require_console_role(request, User.Role.CREW)
    # The crew's own unit (an administrator opening the page has none: the page says so).
    unit = selectors.units_visible_to(request.user).filter(pk=request.user.unit_id).first() if request.user.unit_id else None
    config = {
        "unit": unit.pk if unit else None,
        "serverNow": timezone.now().isoformat(),
        "units": unit_status_config([unit.agency.type] if unit else None),
        "avlIntervalS": 10,
        # no routing engine configured: the page does not ask for a route (the navigation link stays)
        "routing": osrm.enabled(),
        "tiles": map_tiles(),
        "api": {
            "units": reverse("api-units"),
            "unitStatus": "/api/v1/units/{id}/status/",
            "position": "/api/v1/units/{id}/position/",
            "incident": "/api/v1/incidents/{id}/",
            "route": reverse("api-route"),
        },
    }
    return render(request, "consoles/crew.html", {"unit": unit, "config": config, "last_seq": selectors.last_seq()})
