"""Escalation beyond the acknowledgement deadline: the second stage (notify people outside the consoles),
the service-target watch (nobody on scene in time) and the unrouted watch (nobody holds the incident). Run by the
sweeper in incidents.tasks; each function locks, re-checks and acts at most once, so running it twice or
concurrently is harmless."""
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import User
from dispatch.errors import ApplicationError, NotFound
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


def _duration(seconds: int) -> str:
    """"45 detik", "3 menit": how long an incident waited, as a supervisor reads it."""
    if seconds < 120:
        return ngettext("%(n)d detik", "%(n)d detik", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d menit", "%(n)d menit", minutes) % {"n": minutes}


def spell_starting_assignment(incident) -> Assignment | None:
    """The assignment whose end left nobody on the incident (the last to stop being live), or None when it was never
    routed. It names the unrouted spell: SupervisorAlert's unique (assignment, kind) and (incident, kind) where
    assignment is null then allow one `unrouted` alert per spell, however many sweepers race."""
    ended = Coalesce("declined_at", "expired_at", "handed_off_at", "cancelled_at", "completed_at", "offered_at")
    return (
        incident.assignments.select_related("agency").exclude(status__in=Assignment.LIVE_STATUSES)
        .order_by(ended.desc(), F("pk").desc()).first()
    )


def incident_alert_unrouted(*, incident_id, now=None) -> bool:
    """`unrouted_alert_due_at` passed and still nobody holds the incident (status "new"): one UNROUTED alert for the
    supervisors of its centre with its `alert.raised` event — once per unrouted spell. Clearing the due time under the
    incident lock is what makes a spell alert once; the unique constraints are the second guard (a spell is named by
    the assignment that began it, spell_starting_assignment). Closed, cancelled and resolved incidents never alert:
    they are not "new". Returns True when it raised the alert."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident = lock_incident(incident_id)
        except NotFound:
            return False
        due = incident.unrouted_alert_due_at
        if due is None or due > now:
            return False
        incident.unrouted_alert_due_at = None
        incident.save(update_fields=["unrouted_alert_due_at"])
        if incident.status != Incident.Status.NEW:
            return False  # a stale due time: the spell ended without the transition clearing it
        since = incident.unrouted_since or incident.created_at
        starter = spell_starting_assignment(incident)
        if SupervisorAlert.objects.filter(incident=incident, kind=SupervisorAlert.Kind.UNROUTED, assignment=starter).exists():
            return False  # this spell already alerted (e.g. before the sweeper owned the rule)
        waited = _duration(int((now - since).total_seconds()))
        if starter is None:
            message = _("%(ref)s (P%(prio)s) belum diteruskan ke instansi mana pun selama %(waited)s; teruskan sekarang.") % {
                "ref": incident.reference, "prio": incident.priority, "waited": waited,
            }
        else:
            how = {
                Assignment.Status.DECLINED: _("sejak %(agency)s menolak"),
                Assignment.Status.EXPIRED: _("sejak %(agency)s tidak mengonfirmasi sebelum batas waktu"),
            }.get(starter.status, _("sejak penugasan %(agency)s berakhir")) % {"agency": starter.agency}
            message = _("%(ref)s (P%(prio)s) tidak dipegang instansi mana pun selama %(waited)s, %(how)s; teruskan ulang.") % {
                "ref": incident.reference, "prio": incident.priority, "waited": waited, "how": how,
            }
        try:
            with transaction.atomic():
                alert = SupervisorAlert.objects.create(
                    command_centre_id=incident.command_centre_id,
                    incident=incident,
                    assignment=starter,
                    kind=SupervisorAlert.Kind.UNROUTED,
                    message=message,
                    created_at=now,
                )
        except IntegrityError:
            return False  # another worker raised this spell's alert first
        record_event(
            kind="alert.raised",
            incident=incident,
            payload=events.alert_raised(
                alert=SupervisorAlert.Kind.UNROUTED.value,
                assignment=starter.pk if starter else None,
                agency=starter.agency_id if starter else None,
                unrouted_since=since.isoformat(),
                threshold_s=incident.command_centre.unrouted_alert_seconds(incident.priority),
                due_at=due.isoformat(),
                late_by_ms=int((now - due).total_seconds() * 1000),
                alerts=[alert],
            ),
        )
    return True
