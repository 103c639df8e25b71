"""What the volunteer workflows share: who the acting member is, who may call volunteers out, the lock order."""
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import scope_for
from dispatch.errors import NotFound, PermissionDenied
from incidents.services.common import lock_incident
from volunteers.models import CallOut, CallOutResponse, Volunteer

REQUESTER_ROLES = (User.Role.CALL_TAKER, User.Role.DISPATCHER, User.Role.SUPERVISOR, User.Role.ADMIN)


def member_for(user) -> Volunteer:
    """The active membership of a volunteer's account; anyone else has none (403)."""
    if user is None or not user.is_authenticated or user.role != User.Role.VOLUNTEER:
        raise PermissionDenied(_("Hanya relawan yang dapat menjawab panggilan."), code="not_a_volunteer")
    member = Volunteer.objects.select_related("community").filter(user=user).first()
    if member is None or member.status != Volunteer.Status.ACTIVE:
        raise PermissionDenied(_("Keanggotaan relawan Anda tidak aktif."), code="membership_inactive")
    return member


def may_request_for(actor, incident) -> bool:
    """Call-takers and supervisors of the incident's centre, dispatchers of an agency of that centre, admins."""
    if actor.is_superuser or actor.role == User.Role.ADMIN:
        return True
    if actor.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR):
        return incident.command_centre_id in scope_for(actor).centre_ids
    if actor.role == User.Role.DISPATCHER and actor.agency_id:
        return actor.agency.command_centre_id == incident.command_centre_id
    return False


def ensure_requester(actor, incident):
    if actor.role not in REQUESTER_ROLES and not actor.is_superuser:
        raise PermissionDenied(_("Hanya petugas pusat panggilan atau dispatcher yang dapat memanggil relawan."))
    if not may_request_for(actor, incident):
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")


def lock_callout(callout_id) -> tuple:
    """Lock the incident row first (the project's one lock order), then the call-out row: every accept of one
    call-out waits here, so the count of acceptances read under the lock is the truth."""
    try:
        callout_id = int(callout_id)
    except (TypeError, ValueError):
        callout_id = None
    incident_id = CallOut.objects.filter(pk=callout_id).values_list("incident_id", flat=True).first() if callout_id else None
    if incident_id is None:
        raise NotFound(_("Panggilan relawan tidak ditemukan."), code="callout_not_found")
    incident = lock_incident(incident_id)
    callout = CallOut.objects.select_for_update(of=("self",), no_key=True).select_related("community").get(pk=callout_id)
    callout.incident = incident
    return incident, callout


def counts_for(callout) -> dict:
    counted = sorted(CallOutResponse.COUNTED_STATUSES)
    row = CallOutResponse.objects.filter(callout_id=callout.pk).aggregate(
        accepted=Count("id", filter=Q(status__in=counted)),
        declined=Count("id", filter=Q(status=CallOutResponse.Status.DECLINED)),
        pending=Count("id", filter=Q(status=CallOutResponse.Status.PENDING)),
        recipients=Count("id"),
    )
    return row


def response_of(callout, member, *, lock=True):
    """The member's response row on this call-out; a member never alerted gets "not found" (404)."""
    qs = CallOutResponse.objects.select_related("volunteer__community").filter(callout_id=callout.pk, volunteer_id=member.pk)
    if lock:
        qs = qs.select_for_update(of=("self",), no_key=True)
    response = qs.first()
    if response is None:
        raise NotFound(_("Panggilan relawan tidak ditemukan."), code="callout_not_found")
    return response
