"""Messages to people outside the consoles (SMS, WhatsApp, email) behind one interface.

    notification_queue(channel=..., recipient=..., body=...)   # service: row + task after commit
    send(notification)                                         # the one interface every backend implements

Backends (settings.NOTIFIER_BACKEND):
- "database": logs the message and marks it sent — the default, for development and for centres
  that read their outbox in the admin.
- "http": POST JSON {channel, to, subject, body} to settings.NOTIFIER_HTTP_URL with
  `Authorization: Bearer <NOTIFIER_HTTP_TOKEN>`; a non-2xx answer or a timeout is a failure. This
  is how an SMS/WhatsApp gateway is plugged in.
- "email": Django's email (settings.EMAIL_*); only the email channel.

The Celery task `send_notification(notification_id)` is thin and idempotent: it skips a message
already sent, delivered or failed, retries a failure with exponential backoff, and marks the
message FAILED with the last error once retries are exhausted.
"""
import json
import logging
from datetime import timedelta
import re
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.errors import field_error
from incidents.models import Notification

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 15
RETRY_MAX_SECONDS = 30 * 60


class NotifierError(Exception):
    """The backend could not hand the message over; `permanent` ones are not retried."""

    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


class DatabaseBackend:
    name = "database"

    def send(self, notification) -> str:
        logger.info(
            "notification %s via %s to %s: %s", notification.pk, notification.channel, notification.recipient, notification.body[:200]
        )
        return ""


class HttpBackend:
    """A JSON gateway: anything that takes {channel, to, subject, body} and answers 2xx when it accepted it."""

    name = "http"

    def __init__(self, url=None, token=None, timeout=None):
        self.url = url if url is not None else settings.NOTIFIER_HTTP_URL
        self.token = token if token is not None else settings.NOTIFIER_HTTP_TOKEN
        self.timeout = timeout if timeout is not None else settings.NOTIFIER_HTTP_TIMEOUT

    def send(self, notification) -> str:
        if not self.url:
            raise NotifierError("NOTIFIER_HTTP_URL is not configured", permanent=True)
        payload = {
            "channel": notification.channel,
            "to": notification.recipient,
            "subject": notification.subject,
            "body": notification.body,
            "id": notification.pk,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "dispatch112-notifier"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 — URL from settings
                status = response.status
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise NotifierError(f"gateway answered HTTP {exc.code}", permanent=exc.code in (400, 401, 403, 404, 422)) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NotifierError(f"gateway unreachable: {reason}") from None
        if not 200 <= status < 300:
            raise NotifierError(f"gateway answered HTTP {status}")
        try:
            body = json.loads(answer or b"{}")
        except ValueError:
            body = {}
        return str(body.get("id", ""))[:120] if isinstance(body, dict) else ""


class EmailBackend:
    name = "email"

    def send(self, notification) -> str:
        from django.core.mail import send_mail

        if notification.channel != Notification.Channel.EMAIL:
            raise NotifierError(f"the email backend cannot send {notification.channel}", permanent=True)
        try:
            send_mail(
                notification.subject or "112",
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient],
                fail_silently=False,
            )
        except Exception as exc:  # noqa: BLE001 — SMTP errors come in many classes
            raise NotifierError(f"email failed: {exc}") from None
        return ""


BACKENDS = {"database": DatabaseBackend, "http": HttpBackend, "email": EmailBackend}


def get_backend(name=None):
    name = name or settings.NOTIFIER_BACKEND
    try:
        return BACKENDS[name]()
    except KeyError:
        raise NotifierError(f"unknown NOTIFIER_BACKEND {name!r}", permanent=True) from None


def send(notification, backend=None) -> str:
    """Hand one notification to the configured backend; returns the gateway's id. Raises NotifierError."""
    return (backend or get_backend()).send(notification)


# --- service --------------------------------------------------------------------------------------

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
        transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def _enqueue(notification_id):
    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 — broker down: the row stays QUEUED, resend_queued_notifications picks it up
        logger.warning("could not queue notification %s", notification_id, exc_info=True)


# --- tasks ----------------------------------------------------------------------------------------

def backoff_seconds(retries: int) -> int:
    return min(RETRY_BASE_SECONDS * (2 ** retries), RETRY_MAX_SECONDS)


@shared_task(bind=True, ignore_result=True, max_retries=None, time_limit=60, soft_time_limit=50)
def send_notification(self, notification_id):
    max_retries = settings.NOTIFIER_MAX_RETRIES
    error = None
    with transaction.atomic():
        # skip_locked: another worker holding the row is sending it right now.
        notification = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.QUEUED:
            return
        backend = None
        try:
            backend = get_backend()
            external_id = send(notification, backend)
        except NotifierError as exc:
            error = exc
        notification.attempts += 1
        notification.backend = getattr(backend, "name", "") or settings.NOTIFIER_BACKEND[:60]
        fields = ["attempts", "backend"]
        if error is None:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.external_id = external_id
            notification.last_error = ""
            fields += ["status", "sent_at", "external_id", "last_error"]
        else:
            notification.last_error = str(error)[:2000]
            fields.append("last_error")
            if error.permanent or self.request.retries >= max_retries:
                notification.status = Notification.Status.FAILED
                fields.append("status")
        notification.save(update_fields=fields)
    if error is not None and notification.status == Notification.Status.QUEUED:
        logger.info("notification %s failed (%s), retry %s/%s", notification_id, error, self.request.retries + 1, max_retries)
        raise self.retry(countdown=backoff_seconds(self.request.retries), max_retries=max_retries)
    if error is not None:
        logger.warning("notification %s failed for good: %s", notification_id, error)


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def resend_queued_notifications(older_than_seconds=300):
    """Re-queue messages whose task was lost (broker down at commit, worker killed)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(status=Notification.Status.QUEUED, created_at__lte=cutoff, attempts=0).values_list("pk", flat=True)[:200]
    )
    for notification_id in ids:
        _enqueue(notification_id)
    return len(ids)
