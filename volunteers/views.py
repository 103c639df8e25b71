"""Browser pages of the volunteers app: the volunteer's phone page, the coordinator page and the one-time
sign-up page. Server-rendered shells with the first data embedded (no extra round trip on a slow link); the
small ES modules under static/js/volunteers/ keep them live through /ws/events/."""
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import User
from dispatch.errors import ApplicationError
from incidents.consoles.access import require_console_role
from incidents.models import Incident
from incidents.selectors import last_seq
from volunteers import selectors
from volunteers.api import LIST_LIMIT, community_callouts, me_data, render_callouts, responses_prefetch
from volunteers.models import CallOut
from volunteers.services import invite_lookup, invite_redeem
from volunteers.services.common import member_for
from volunteers.services.registry import ensure_manages
from volunteers.skills import SKILLS


def _json_safe(data):
    """Points to GeoJSON for json_script."""
    if isinstance(data, dict):
        return {k: _json_safe(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json_safe(v) for v in data]
    if hasattr(data, "geom_type") and data.geom_type == "Point":
        return {"type": "Point", "coordinates": [data.x, data.y]}
    if hasattr(data, "isoformat"):
        return data.isoformat()
    return data


@login_required
def phone_page(request):
    """The volunteer's phone: open call-outs sent to them, answer, go, report; availability and position."""
    require_console_role(request, User.Role.VOLUNTEER)
    try:
        member = member_for(request.user)
    except ApplicationError as exc:
        raise DjangoPermissionDenied(str(exc.message)) from None
    callouts = (
        selectors.callouts_visible_to(request.user)
        .filter(status__in=sorted(CallOut.OPEN_STATUSES), incident__status__in=sorted(Incident.OPEN_STATUSES))
        .prefetch_related(responses_prefetch())
        .order_by("-sent_at", "-pk")[:50]
    )
    config = {
        "me": _json_safe(me_data(member)),
        "callouts": render_callouts(request.user, callouts),
        "serverNow": timezone.now().isoformat(),
    }
    return render(request, "volunteers/phone.html", {"config": config, "member": member, "last_seq": last_seq(),
                                                     "is_coordinator": member.community.coordinator_id == request.user.pk})


@login_required
def coordinator_page(request, community_id=None):
    """Members and their availability now, call-outs and who answered, participation history; invites and
    suspensions. The coordinator sees their own community; supervisors and admins any of their centres'."""
    if community_id is None:
        if request.user.role == User.Role.VOLUNTEER:
            community_id = request.user.community_id
        else:
            first = selectors.communities_visible_to(request.user).order_by("name").first()
            if first is None:
                raise DjangoPermissionDenied("-")
            return redirect(reverse("volunteer-coordinator-community", args=[first.pk]))
    try:
        community = selectors.community_get_for(request.user, community_id)
        ensure_manages(request.user, community)
    except ApplicationError as exc:
        raise DjangoPermissionDenied(str(exc.message)) from None
    members = selectors.members_with_history(community=community)
    staff_view = community_callouts(community, request.user)
    config = {
        "community": {"id": community.pk, "name": community.name, "approved": community.is_approved},
        "members": _json_safe(members),
        "callouts": staff_view,
        "skills": {k: str(v) for k, v in SKILLS.items()},
        "canApprove": request.user.role in (User.Role.SUPERVISOR, User.Role.ADMIN) or request.user.is_superuser,
    }
    communities = list(selectors.communities_visible_to(request.user).order_by("name")) if request.user.role != User.Role.VOLUNTEER else []
    return render(request, "volunteers/coordinator.html", {"config": config, "community": community, "communities": communities,
                                                           "last_seq": last_seq(), "limit": LIST_LIMIT})


@require_http_methods(["GET", "POST"])
def signup_page(request, token):
    """The one-time sign-up link a coordinator sent: create the account and the membership, then log in."""
    try:
        invite = invite_lookup(token)
    except ApplicationError as exc:
        return render(request, "volunteers/signup.html", {"refused": exc.message, "code": exc.code}, status=404 if exc.status_code == 404 else 410)
    errors, values = {}, {"name": invite.name, "phone": invite.phone, "username": "", "skills": []}
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "phone": request.POST.get("phone", ""),
                  "username": request.POST.get("username", ""), "skills": request.POST.getlist("skills")}
        try:
            member = invite_redeem(token=token, password=request.POST.get("password", ""), **values)
        except ApplicationError as exc:
            if exc.code in ("invite_used", "invite_expired"):
                return render(request, "volunteers/signup.html", {"refused": exc.message, "code": exc.code}, status=410)
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()} or {"form": [str(exc.message)]}
        else:
            login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(reverse("volunteer-phone"))
    return render(request, "volunteers/signup.html", {"invite": invite, "errors": errors, "values": values,
                                                      "skills": [(k, str(v)) for k, v in SKILLS.items()]},
                  status=400 if errors else 200)


