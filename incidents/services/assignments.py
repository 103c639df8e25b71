"""Assignment workflows: an agency accepts, declines, hands off or completes; a timer expires it."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Unit
from agencies.scoping import scope_for
from dispatch.errors import IllegalTransition, NotFound, field_error
from incidents.models import Assignment, Incident, SupervisorAlert, UnitDispatch
from incidents import events
from incidents.events import assignment_summary
from incidents.services.common import (
    ack_seconds_for,
    clean_text,
    ensure_agency_actor,
    incident_refresh_status,
    lock_assignment,
    offer_assignment,
    transition,
)
from incidents.timeline import record_event


def _check_transition(assignment, target):
    if not assignment.can_transition_to(target):
        answering = target in (Assignment.Status.ACCEPTED, Assignment.Status.DECLINED)
        if answering and assignment.status != Assignment.Status.OFFERED:
            # The usual race: someone else answered first. Say so plainly.
            code = "assignment_not_offered"
            message = _("Penugasan ini tidak lagi menunggu konfirmasi: statusnya sekarang '%(status)s'.") % {
                "status": assignment.get_status_display()
            }
        else:
            code = "illegal_transition"
            message = _("Penugasan berstatus '%(status)s' tidak dapat diubah menjadi '%(target)s'.") % {
                "status": assignment.get_status_display(),
                "target": Assignment.Status(target).label,
            }
        raise IllegalTransition(
            entity=_("penugasan"),
            current=assignment.status,
            target=target,
            code=code,
            message=message,
            # who answered first (their agency's colleague): a dispatcher's queued accept that lost says so (issue 26)
            extra={"assignment": assignment_summary(assignment), "acted_by": _actor_ref(assignment.acted_by)},
        )
    return assignment.status


def _actor_ref(user):
    return {"id": user.pk, "name": user.get_full_name() or user.username} if user is not None else None


def _move(assignment, incident, actor, status, kind, *, stamp, changes=None, now=None, **extra):
    """One assignment transition (incidents.services.common.transition) with its event; the agency always hears it."""
    transition(
        assignment, status=status, kind=kind, incident=incident, actor=actor, stamp=stamp, changes=changes, now=now,
        extra_agency_ids=[assignment.agency_id],
        payload=lambda old: events.assignment_changed(assignment=assignment, old=old, **extra),
    )


def assignment_accept(*, assignment_id, actor) -> Assignment:
    with transaction.atomic():
        incident, assignment = lock_assignment(assignment_id)
        ensure_agency_actor(actor, assignment)
        _check_transition(assignment, Assignment.Status.ACCEPTED)
        _move(assignment, incident, actor, Assignment.Status.ACCEPTED, "assignment.accepted", stamp="accepted_at", changes={"acted_by": actor})
        incident_refresh_status(incident=incident, actor=actor)
    return assignment


def assignment_decline(*, assignment_id, actor, reason) -> Assignment:
    reason = clean_text("reason", reason, required=True, message=_("Alasan penolakan wajib diisi."))
    with transaction.atomic():
        incident, assignment = lock_assignment(assignment_id)
        ensure_agency_actor(actor, assignment)
        _check_transition(assignment, Assignment.Status.DECLINED)
        _move(
            assignment, incident, actor, Assignment.Status.DECLINED, "assignment.declined",
            stamp="declined_at", changes={"reason": reason, "acted_by": actor}, reason=reason,
        )
        # Left with nobody, the incident is back at "new": its unrouted spell starts (incident_deadlines_for) and the
        # sweeper alerts the supervisors after the priority's threshold (escalation.incident_alert_unrouted).
        incident_refresh_status(incident=incident, actor=actor)
    return assignment


def assignment_handoff(*, assignment_id, actor, to_agency_id, reason) -> Assignment:
    """Pass the incident to another agency (also across centres); it must accept under the same timers.
    Returns the new offered assignment; the chain is kept in `previous` and in the timeline."""
    reason = clean_text("reason", reason, required=True, message=_("Alasan pengalihan wajib diisi."))
    with transaction.atomic():
        incident, assignment = lock_assignment(assignment_id)
        ensure_agency_actor(actor, assignment)
        _check_transition(assignment, Assignment.Status.HANDED_OFF)
        try:
            target = Agency.objects.get(pk=int(to_agency_id), is_active=True)
        except (Agency.DoesNotExist, TypeError, ValueError):
            raise field_error("to_agency", _("Instansi tujuan tidak dikenal atau tidak aktif."), code="unknown_agency") from None
        if target.pk == assignment.agency_id:
            raise field_error("to_agency", _("Instansi tujuan sama dengan instansi saat ini."), code="same_agency")
        if incident.assignments.filter(agency=target, status__in=Assignment.LIVE_STATUSES).exists():
            raise field_error("to_agency", _("Instansi tujuan sudah menangani kejadian ini."), code="already_assigned")
        _release_units(assignment, actor)
        _move(
            assignment, incident, actor, Assignment.Status.HANDED_OFF, "assignment.handed_off",
            stamp="handed_off_at", changes={"reason": reason, "acted_by": actor}, reason=reason, to_agency=target.pk,
        )
        new = offer_assignment(incident=incident, agency=target, actor=actor, previous=assignment, reason=reason)
        incident_refresh_status(incident=incident, actor=actor)
    return new


def assignment_complete(*, assignment_id, actor, note="", via_unit_id=None) -> Assignment:
    """The agency is done. `via_unit_id`: a crew resolving the last unit on the assignment (unit_resolve) completes
    it through that unit — the crew may act on its own unit's dispatch, never on the agency's other assignments."""
    note = clean_text("note", note)
    with transaction.atomic():
        incident, assignment = lock_assignment(assignment_id)
        if not (
            via_unit_id is not None
            and via_unit_id in scope_for(actor).unit_ids
            and UnitDispatch.objects.filter(assignment=assignment, unit_id=via_unit_id).exists()
        ):
            ensure_agency_actor(actor, assignment)
        _check_transition(assignment, Assignment.Status.COMPLETED)
        _release_units(assignment, actor)
        _move(
            assignment, incident, actor, Assignment.Status.COMPLETED, "assignment.completed",
            stamp="completed_at", changes={"acted_by": actor}, note=note,
        )
        incident_refresh_status(incident=incident, actor=actor)
    return assignment


def _release_units(assignment, actor):
    now = timezone.now()
    for dispatch in UnitDispatch.objects.select_for_update().filter(assignment=assignment, released_at__isnull=True).select_related("unit"):
        dispatch.released_at = now
        dispatch.save(update_fields=["released_at"])
        unit = dispatch.unit
        if unit.status != Unit.Status.OUT_OF_SERVICE:
            transition(
                unit, status=Unit.Status.AVAILABLE, kind="unit.status_changed", incident=assignment.incident, actor=actor,
                now=now, stamp="status_changed_at", extra_agency_ids=[unit.agency_id],
                payload=lambda old, unit=unit: events.unit_status_changed(unit=unit, old=old),
            )


def assignment_expire(*, assignment_id, now=None) -> Assignment | None:
    """The acknowledgement deadline passed with nobody accepting. Idempotent: the countdown task and the
    sweeper may both call it; only the first call that finds the assignment still offered and due acts."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident, assignment = lock_assignment(assignment_id)
        except NotFound:
            return None
        if assignment.status != Assignment.Status.OFFERED or assignment.ack_deadline is None or assignment.ack_deadline > now:
            return None
        _ack, second = ack_seconds_for(incident)
        _move(
            assignment, incident, None, Assignment.Status.EXPIRED, "assignment.expired", stamp="expired_at", now=now,
            changes={"second_stage_due_at": now + timedelta(seconds=second)}, late_by_ms=_late_ms(assignment.ack_deadline, now),
        )
        raised = [SupervisorAlert.objects.create(
            command_centre=incident.command_centre,
            incident=incident,
            assignment=assignment,
            kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED,
            message=_("%(agency)s tidak mengonfirmasi %(ref)s sebelum batas waktu.") % {"agency": assignment.agency, "ref": incident.reference},
            created_at=now,
        )]
        backup = assignment.agency.backup_agency
        live = set(incident.assignments.filter(status__in=Assignment.LIVE_STATUSES).values_list("agency_id", flat=True))
        if backup is not None and backup.is_active and backup.pk not in live and incident.status not in Incident.TERMINAL_STATUSES:
            offer_assignment(
                incident=incident, agency=backup, previous=assignment, reason=_("Eskalasi: instansi utama tidak merespons."),
                stage=assignment.escalation_stage + 1,
            )
        elif backup is None or backup.pk not in live:
            raised.append(SupervisorAlert.objects.create(
                command_centre=incident.command_centre,
                incident=incident,
                assignment=assignment,
                kind=SupervisorAlert.Kind.NO_BACKUP,
                message=_("Tidak ada instansi cadangan untuk %(ref)s; tindak lanjuti secara manual.") % {"ref": incident.reference},
                created_at=now,
            ))
        record_event(
            kind="alert.raised",
            incident=incident,
            payload=events.alert_raised(alert="assignment_expired", assignment=assignment.pk, agency=assignment.agency_id, alerts=raised),
        )
        # Left with nobody by an expiry, the no_backup alert above says so now; the spell's unrouted alert follows
        # after the threshold if nobody routes it meanwhile (the same rule as a decline or a never-routed incident).
        incident_refresh_status(incident=incident)
    return assignment


def _late_ms(deadline, now):
    return int((now - deadline).total_seconds() * 1000)
