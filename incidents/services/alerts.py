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
