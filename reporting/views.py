"""The officials' and supervisors' report page (/laporan/): filters, charts and tables drawn in the browser
from the same JSON the API answers (static/js/reports/main.js)."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from agencies.models import Agency, Region, User
from incidents.consoles.access import require_console_role
from incidents.models import IncidentCategory

from .selectors import centres_in_scope


@login_required
def report_page(request):
    require_console_role(request, User.Role.SUPERVISOR, User.Role.OFFICIAL)
    centres = list(centres_in_scope(user=request.user))
    zone = centres[0].timezone if centres else "Asia/Jakarta"
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    config = {
        "api": "/api/v1/reports/coordination/",
        "monthly": "/api/v1/reports/monthly/",
        "time_zone": zone,
        "from": today.replace(day=1).isoformat() if today.day > 1 else (today - dt.timedelta(days=1)).replace(day=1).isoformat(),
        "to": today.isoformat(),
        "centres": [{"id": c.pk, "name": c.name, "time_zone": c.timezone} for c in centres],
        "categories": [{"code": c.code, "name": c.name_id} for c in IncidentCategory.objects.filter(is_active=True).order_by("name_id")],
        "districts": [
            {"code": r.code, "name": r.name, "centres": sorted({c.pk for c in r.parent.command_centres.all()})}
            for r in Region.objects.filter(level=Region.Level.DISTRICT, parent__command_centres__in=centres)
            .select_related("parent").prefetch_related("parent__command_centres").distinct().order_by("name")
        ],
        "agencies": [
            {"id": a.pk, "name": str(a), "centre": a.command_centre_id}
            for a in Agency.objects.filter(command_centre__in=centres, is_active=True).order_by("name")
        ],
    }
    return render(request, "reporting/report.html", {"config": config, "time_zone": zone})
