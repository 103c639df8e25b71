"""Escalation beyond the acknowledgement deadline: the second stage (notify people outside the consoles)
and the service-target watch (nobody on scene in time). Run by the sweeper in incidents.tasks; each
function locks, re-checks and acts at most once, so running it twice or concurrently is harmless."""
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from dispatch.errors import ApplicationError
from incidents import events
from incidents.models import Assignment, Incident, Notification, SupervisorAlert
from incidents.notifications import notification_queue
from incidents.services.common import lock_incident
from incidents.timeline import record_event

logger = logging.getLogger(__name__)


def supervisor_phones(centre) -> list[str]:
    """Supervisors of the centre and of its province who have a phone number."""
    phones = (
        User.objects.filter(is_active=True, role=User.Role.SUPERVISOR)
        .filter(Q(command_centre=centre) | Q(province_id=centre.province_id))
        .exclude(phone="")
        .order_by("pk")
        .values_list("phone", flat=True)
    )
    return list(dict.fromkeys(phones))


def assignment_second_stage(*, assignment_id, now=None) -> bool:
    """`second_stage_due_at` passed: when the incident still has no accepted assignment, text the
    agency that let it expire and the centre's supervisors, and raise a SECOND_STAGE alert — once.
    Returns True when it notified."""
    now = now or timezone.now()
    with transaction.atomic():
        incident_id = Assignment.objects.filter(pk=assignment_id).values_list("incident_id", flat=True).first()
        if incident_id is None:
            return False
        incident = lock_incident(incident_id)
        assignment = Assignment.objects.select_for_update(of=("self",), no_key=True).select_related("agency").get(pk=assignment_id)
        due = assignment.second_stage_due_at
        if due is None or due > now:
            return False
        # Clearing the due time under the lock is what makes the stage run once.
        assignment.second_stage_due_at = None
        assignment.save(update_fields=["second_stage_due_at"])
        handled = incident.assignments.filter(status__in=[Assignment.Status.ACCEPTED, Assignment.Status.COMPLETED]).exists()
        if handled or incident.status in Incident.TERMINAL_STATUSES:
            return False
        if SupervisorAlert.objects.filter(assignment=assignment, kind=SupervisorAlert.Kind.SECOND_STAGE).exists():
            return False
        message = _(
            "112 %(ref)s (%(cat)s, P%(prio)s) belum diterima instansi mana pun sejak %(agency)s tidak merespons. "
            "Segera tindak lanjuti."
        ) % {"ref": incident.reference, "cat": incident.category.name_id, "prio": incident.priority, "agency": assignment.agency}
        alert = SupervisorAlert.objects.create(
            command_centre=incident.command_centre,
            incident=incident,
            assignment=assignment,
            kind=SupervisorAlert.Kind.SECOND_STAGE,
            message=message,
            created_at=now,
        )
        recipients = []
        if assignment.agency.phone:
            recipients.append((Notification.Channel.SMS, assignment.agency.phone))
        for phone in supervisor_phones(incident.command_centre):
            recipients.append((Notification.Channel.SMS, phone))
            recipients.append((Notification.Channel.WHATSAPP, phone))
        notified = []
        for channel, recipient in recipients:
            try:
                notification_queue(
                    channel=channel,
                    recipient=recipient,
                    body=message,
                    subject=_("Eskalasi 112 %(ref)s") % {"ref": incident.reference},
                    incident=incident,
                    assignment=assignment,
                    reason="second_stage",
                )
            except ApplicationError:
                # A malformed number on file must not stop the alert or the other messages.
                logger.warning("second stage: cannot notify %s by %s for assignment %s", recipient, channel, assignment.pk)
                continue
            notified.append(recipient)
        record_event(
            kind="alert.raised",
            incident=incident,
            extra_agency_ids=[assignment.agency_id],
            payload=events.alert_raised(
                alert="second_stage",
                assignment=assignment.pk,
                agency=assignment.agency_id,
                notified=sorted(set(notified)),
                late_by_ms=int((now - due).total_seconds() * 1000),
                alerts=[alert],
            ),
        )
    return True


def incident_check_service_target(*, incident_id, now=None) -> bool:
    """`on_scene_due_at` passed with nobody on scene: one TARGET_BREACHED alert and an `alert.raised` event."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident = lock_incident(incident_id)
        except Exception:  # noqa: BLE001 — gone
            return False
        due = incident.on_scene_due_at
        if due is None or due > now or incident.on_scene_at is not None:
            return False
        if incident.status not in Incident.OPEN_STATUSES or incident.status == Incident.Status.RESOLVED:
            return False
        if SupervisorAlert.objects.filter(incident=incident, assignment__isnull=True, kind=SupervisorAlert.Kind.TARGET_BREACHED).exists():
            return False
        target = incident.category.on_scene_target_min
        alert = SupervisorAlert.objects.create(
            command_centre=incident.command_centre,
            incident=incident,
            kind=SupervisorAlert.Kind.TARGET_BREACHED,
            message=_("%(ref)s: belum ada unit di lokasi setelah %(min)s menit (target layanan).")
            % {"ref": incident.reference, "min": target},
            created_at=now,
        )
        record_event(
            kind="alert.raised",
            incident=incident,
            payload=events.alert_raised(
                alert="target_breached", target_min=target, due_at=due.isoformat(), late_by_ms=int((now - due).total_seconds() * 1000),
                alerts=[alert],
            ),
        )
    return True
