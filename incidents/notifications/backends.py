"""The one interface every delivery backend implements: `send(notification) -> gateway id`.

Backends (settings.NOTIFIER_BACKEND):
- "database": logs the message and marks it sent — the default, for development and for centres
  that read their outbox in the admin.
- "http": POST JSON {channel, to, subject, body} to settings.NOTIFIER_HTTP_URL with
  `Authorization: Bearer <NOTIFIER_HTTP_TOKEN>`; a non-2xx answer or a timeout is a failure. This
  is how an SMS/WhatsApp gateway is plugged in.
- "email": Django's email (settings.EMAIL_*); only the email channel.

A backend raises NotifierError when it could not hand the message over; the delivery task
(incidents.notifications.tasks) retries it with backoff unless the error is permanent.
"""
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from incidents.models import Notification

logger = logging.getLogger(__name__)


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
