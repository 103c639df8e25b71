"""The field crew page (issue 5): phone-sized, for a unit's crew. The crew logs in with a dispatcher
account of their agency and picks their unit (kept in the session); the page offers en route / on scene /
resolved with a note and sends the phone's position to the AVL endpoint."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import User
from incidents import selectors
from incidents.consoles.access import require_console_role
from incidents.consoles.dispatcher import unit_status_config

SESSION_KEY = "crew_unit_id"


@login_required
@require_http_methods(["GET", "POST"])
def crew_page(request):
    require_console_role(request, User.Role.DISPATCHER)
    units = list(selectors.units_visible_to(request.user).order_by("call_sign"))
    if request.method == "POST":
        wanted = request.POST.get("unit", "")
        if wanted == "":
            request.session.pop(SESSION_KEY, None)
        elif wanted.isdigit() and any(u.pk == int(wanted) for u in units):
            request.session[SESSION_KEY] = int(wanted)
        return redirect(reverse("crew"))
    unit_id = request.session.get(SESSION_KEY)
    unit = next((u for u in units if u.pk == unit_id), None)
    config = {
        "unit": unit.pk if unit else None,
        "serverNow": timezone.now().isoformat(),
        "units": unit_status_config(),
        "avlIntervalS": 10,
        "api": {
            "units": reverse("api-units"),
            "unitStatus": "/api/v1/units/{id}/status/",
            "position": "/api/v1/units/{id}/position/",
            "incident": "/api/v1/incidents/{id}/",
        },
    }
    return render(
        request,
        "consoles/crew.html",
        {"units": units, "unit": unit, "config": config, "last_seq": selectors.last_seq()},
    )
