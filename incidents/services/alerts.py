"""Supervisor alerts: a supervisor acknowledges what the timers raised — one alert, or every open alert of an
incident at once (the board shows one line per incident); a centre's own alerts (the reports, issue 28)."""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import require_role, scope_for
from dispatch.errors import NotFound
from incidents import events
from incidents.models import Incident, SupervisorAlert
from incidents.services.common import clean_text, lock_incident
from incidents.timeline import record_event


def _actor_name(actor) -> str:
    return actor.get_full_name() or actor.username


def _record_acknowledged(*, incident, alerts, actor, note):
    record_event(
        kind="alert.acknowledged",
        incident=incident,
        actor=actor,
        # Supervisors' business: only the alerts' centre hears about it (a centre's own alert has no incident).
        centre_ids=[incident.command_centre_id if incident is not None else alerts[0].command_centre_id],
        agency_ids=[],
        community_ids=[],
        payload=events.alert_acknowledged(alerts=alerts, note=note, by_name=_actor_name(actor)),
    )


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
        _record_acknowledged(incident=alert.incident, alerts=[alert], actor=actor, note=note)
    return alert


def incident_alerts_acknowledge(*, incident_id, actor, note="") -> list[SupervisorAlert]:
    """A supervisor marks every open alert of an incident as handled, with one optional note: one transaction, one
    `alert.acknowledged` event naming them all. Returns the alerts this call acknowledged — none when nothing was
    open (already handled, e.g. by a colleague a moment before: a no-op that writes nothing, so a retry or a second
    supervisor's click is harmless). Officials and call-takers: 403; an incident outside the supervisor's centres: 404.

    The incident row is locked first (the one lock order), then its open alerts: two supervisors at once serialise on
    the incident, and the second finds nothing open."""
    require_role(actor, User.Role.SUPERVISOR)
    note = clean_text("note", note)
    scope = scope_for(actor)
    visible = Incident.objects.filter(pk=incident_id)
    if not scope.is_global:
        visible = visible.filter(command_centre_id__in=scope.centre_ids)
    if not visible.exists():
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")
    with transaction.atomic():
        incident = lock_incident(incident_id)
        alerts = list(
            SupervisorAlert.objects.select_for_update(of=("self",))
            .filter(incident=incident, acknowledged_at__isnull=True).order_by("created_at", "pk")
        )
        if not alerts:
            return []
        now = timezone.now()
        SupervisorAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(acknowledged_at=now, acknowledged_by=actor)
        for alert in alerts:
            alert.acknowledged_at, alert.acknowledged_by = now, actor
        _record_acknowledged(incident=incident, alerts=alerts, actor=actor, note=note)
    return alerts


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
