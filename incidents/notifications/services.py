"""Queueing a message: validate, store the row, send after the surrounding transaction commits."""
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.errors import field_error
from incidents.models import Notification
from incidents.notifications.tasks import enqueue

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")


def notification_queue(*, channel, recipient, body, subject="", incident=None, assignment=None, reason="") -> Notification:
    """Record a message and send it after the surrounding transaction commits.

    With a `reason` and an `assignment`, the same reason is queued once per assignment, channel and
    recipient (a second escalation pass returns the first notification)."""
    if channel not in Notification.Channel.values:
        raise field_error("channel", _("Saluran tidak dikenal: %(c)s") % {"c": str(channel)[:20]}, code="invalid_channel")
    recipient = (recipient or "").strip()
    if channel == Notification.Channel.EMAIL and not EMAIL_RE.match(recipient):
        raise field_error("recipient", _("Alamat email tidak valid."), code="invalid_recipient")
    if channel != Notification.Channel.EMAIL and not PHONE_RE.match(recipient):
        raise field_error("recipient", _("Nomor telepon tidak valid."), code="invalid_recipient")
    body = (body or "").strip()
    if not body:
        raise field_error("body", _("Isi pesan wajib diisi."), code="required")
    reason = (reason or "")[:40]
    with transaction.atomic():
        if reason and assignment is not None:
            existing = (
                Notification.objects.select_for_update()
                .filter(assignment=assignment, reason=reason, channel=channel, recipient=recipient[:254])
                .first()
            )
            if existing is not None:
                return existing
        notification = Notification.objects.create(
            channel=channel,
            recipient=recipient[:254],
            subject=(subject or "")[:200],
            body=body,
            incident=incident if incident is not None else (assignment.incident if assignment is not None else None),
            assignment=assignment,
            reason=reason,
            created_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification
