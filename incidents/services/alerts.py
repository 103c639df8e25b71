"""Supervisor alerts: a supervisor acknowledges what the timers raised."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import require_role, scope_for
from dispatch.errors import NotFound
from incidents import events
from incidents.models import SupervisorAlert
from incidents.services.common import clean_text
from incidents.timeline import record_event


def alert_acknowledge(*, alert_id, actor, note="") -> SupervisorAlert:
    """Mark an alert as seen by a supervisor of its centre, with an optional note (what they did about it), kept
    in the `alert.acknowledged` event. Acknowledging twice is a no-op (no second event)."""
    require_role(actor, User.Role.SUPERVISOR)
    note = clean_text("note", note)
    scope = scope_for(actor)
    with transaction.atomic():
        alert = SupervisorAlert.objects.select_for_update(of=("self",)).select_related("incident").filter(pk=alert_id).first()
        if alert is None or (not scope.is_global and alert.command_centre_id not in scope.centre_ids):
            raise NotFound(_("Peringatan tidak ditemukan."), code="alert_not_found")
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_event(
            kind="alert.acknowledged",
            incident=alert.incident,
            actor=actor,
            # Supervisors' business: only the alert's centre hears about it.
            centre_ids=[alert.command_centre_id],
            agency_ids=[],
            community_ids=[],
            payload=events.alert_acknowledged(alert=alert, note=note),
        )
    return alert


def alert_raise_if_unrouted(*, incident, assignment, now=None) -> SupervisorAlert | None:
    """The incident's last live assignment was just declined and its derived status is back at "new": nobody holds
    it. (An expiry that leaves nobody already raises `no_backup`: incidents.services.assignments.assignment_expire.)
    Raise one `unrouted` alert for the supervisors of its centre, named by
    the assignment that left it (re-routed and left again later, it alerts again), with its `alert.raised` event.

    Runs inside the caller's transaction, with the incident locked (incidents.services.common.lock_assignment), after
    incident_refresh_status: the alert row commits or rolls back with the state change that caused it, and the
    event's push waits for that commit (record_event). Returns None when the incident still has someone on it."""
    if incident.status != incident.Status.NEW:
        return None
    now = now or timezone.now()
    alert, created = SupervisorAlert.objects.get_or_create(
        assignment=assignment,
        kind=SupervisorAlert.Kind.UNROUTED,
        defaults={
            "command_centre_id": incident.command_centre_id,
            "incident": incident,
            "message": _("%(ref)s tidak ditangani instansi mana pun (%(agency)s: %(status)s); teruskan ulang.") % {
                "ref": incident.reference, "agency": assignment.agency, "status": assignment.get_status_display(),
            },
            "created_at": now,
        },
    )
    if not created:
        return None
    record_event(
        kind="alert.raised",
        incident=incident,
        payload=events.alert_raised(alert=SupervisorAlert.Kind.UNROUTED.value, assignment=assignment.pk, agency=assignment.agency_id, alerts=[alert]),
    )
    return alert
