"""What the volunteer workflows share: who the acting member is, who may call volunteers out, the lock order."""
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import scope_for
from dispatch.errors import NotFound, PermissionDenied
from incidents.services.common import lock_incident
from incidents.models import Assignment
from volunteers.models import CallOut, CallOutResponse, Volunteer, VolunteerCommunity
from volunteers.selectors import incident_ids_in_scope

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
    """Call-takers and supervisors of the incident's centre, dispatchers of an agency holding an assignment on it
    (the incident's own audience, issue 28: an agency never offered the incident cannot call volunteers to it),
    admins."""
    if actor.is_superuser or actor.role == User.Role.ADMIN:
        return True
    if actor.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR):
        return incident.command_centre_id in scope_for(actor).centre_ids
    if actor.role == User.Role.DISPATCHER and actor.agency_id:
        return Assignment.objects.filter(
            incident_id=incident.pk, agency_id=actor.agency_id, status__in=sorted(Assignment.RESPONSIBLE_STATUSES)
        ).exists()
    return False


def ensure_requester(actor, incident):
    if actor.role not in REQUESTER_ROLES and not actor.is_superuser:
        raise PermissionDenied(_("Hanya petugas pusat panggilan atau dispatcher yang dapat memanggil relawan."))
    if not may_request_for(actor, incident):
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")


def _requester_centre_id(callout):
    sender = callout.sent_by
    if sender is None:
        return None
    if sender.command_centre_id:
        return sender.command_centre_id
    return sender.agency.command_centre_id if sender.agency_id else None


def coordinated_community_ids(actor) -> set:
    """The communities this account coordinates (one query; empty for anyone but a volunteer)."""
    if actor is None or not actor.is_authenticated or actor.role != User.Role.VOLUNTEER:
        return set()
    return set(VolunteerCommunity.objects.filter(coordinator=actor).values_list("pk", flat=True))


def may_cancel(actor, callout, *, responses=None, coordinated=None, scope=None) -> bool:
    """Who may call a call-out off (issue 28): the member of staff who sent it, the supervisors of the incident's
    centre or of the sender's, the coordinator of the community asked or of a community whose members were
    alerted, admins. A list passes what it already holds (`responses`, `coordinated`, `scope`): no query per row."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_superuser or actor.role == User.Role.ADMIN:
        return True
    if callout.sent_by_id is not None and callout.sent_by_id == actor.pk:
        return True
    if actor.role == User.Role.SUPERVISOR:
        centres = (scope or scope_for(actor)).centre_ids
        return callout.incident.command_centre_id in centres or _requester_centre_id(callout) in centres
    if actor.role == User.Role.VOLUNTEER:
        coordinated = coordinated_community_ids(actor) if coordinated is None else coordinated
        if not coordinated:
            return False
        if responses is None:
            responses = CallOutResponse.objects.filter(callout_id=callout.pk).only("community_id")
        return bool(({callout.community_id} | {r.community_id for r in responses}) & coordinated)
    return False


def ensure_canceller(actor, callout):
    """404 to whoever may not even see the call-out; 403 to one who sees it but did not send it."""
    if may_cancel(actor, callout):
        return
    sees_it = (
        CallOutResponse.objects.filter(callout_id=callout.pk, volunteer__user=actor).exists() if actor.role == User.Role.VOLUNTEER
        else incident_ids_in_scope(scope_for(actor)).filter(pk=callout.incident_id).exists()
    )
    if sees_it:
        raise PermissionDenied(
            _("Hanya pengirim panggilan relawan, supervisor pusat panggilannya, atau koordinator komunitas yang dapat membatalkannya."),
            code="not_the_requester",
        )
    raise NotFound(_("Panggilan relawan tidak ditemukan."), code="callout_not_found")


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
