"""Supervisor alerts: a supervisor acknowledges what the timers raised; a centre's own alerts (the reports)."""
from django.db import IntegrityError, transaction
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


def alert_raise_for_centre(*, centre_id: int, kind: str, message: str, now=None) -> SupervisorAlert | None:
    """An alert about the centre itself, not one incident (SupervisorAlert.CENTRE_KINDS: the coordination reports
    stopped following the timeline). At most one open per centre and kind: while one waits for acknowledgement,
    raising again is a no-op (None). Its `alert.raised` event goes to the centre's consoles only; the event carries
    `command_centre` because it has no incident summary to name it."""
    if kind not in SupervisorAlert.CENTRE_KINDS:
        raise ValueError(f"{kind!r} is an incident's alert, not a centre's")
    now = now or timezone.now()
    with transaction.atomic():
        if SupervisorAlert.objects.filter(command_centre_id=centre_id, kind=kind, incident__isnull=True, acknowledged_at__isnull=True).exists():
            return None
        try:
            with transaction.atomic():
                alert = SupervisorAlert.objects.create(command_centre_id=centre_id, kind=kind, message=message, created_at=now)
        except IntegrityError:  # raised by another process at the same moment (alert_once_open_per_centre_kind)
            return None
        record_event(
            kind="alert.raised", centre_ids=[centre_id], agency_ids=[], community_ids=[],
            payload=events.alert_raised(alert=kind, command_centre=centre_id, alerts=[alert]),
        )
    return alert
