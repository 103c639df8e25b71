"""The delivery tasks. Thin and idempotent: pass the id, re-fetch, act once.

Delivery happens outside any lock or transaction: a worker first *claims* the message (QUEUED → SENDING, one
compare-and-set statement, committed at once), then talks to the gateway — which may take seconds — holding
nothing, then records the outcome in its own short statement, again only if its claim still stands. Two workers
given the same id (a redelivery, the resend sweep) cannot both send: only one claim succeeds. A worker killed
between claim and outcome leaves a SENDING row; `resend_queued_notifications` returns it to the queue once the
claim is older than any send can take (at-least-once for that rare case, as a gateway cannot be asked whether
it already got the message).

The task names are kept from the module these tasks used to live in (`incidents.notifier`): messages already in
a broker, and the beat schedule of a running deployment, name them.
"""
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from incidents.models import Notification
from incidents.notifications.backends import NotifierError, get_backend, send

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 15
RETRY_MAX_SECONDS = 30 * 60
# The send task's hard time limit; a claim older than this (plus a margin) belongs to a dead worker.
SEND_TIME_LIMIT_S = 60
STALE_CLAIM_S = SEND_TIME_LIMIT_S * 3


def backoff_seconds(retries: int) -> int:
    return min(RETRY_BASE_SECONDS * (2 ** retries), RETRY_MAX_SECONDS)


def enqueue(notification_id):
    """Queue the send task; with the broker down the row stays QUEUED and the resend sweep picks it up."""
    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 — broker down: the row stays QUEUED, resend_queued_notifications picks it up
        logger.warning("could not queue notification %s", notification_id, exc_info=True)


def _claim(notification_id, backend_name) -> Notification | None:
    """QUEUED → SENDING in one autocommitted statement; None when another worker has it or it is done."""
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, backend=backend_name[:60]
    )
    if not claimed:
        return None
    return Notification.objects.get(pk=notification_id)


def _record_outcome(notification, **changes) -> bool:
    """Write the outcome only while this worker's claim stands (status SENDING at the attempt it claimed)."""
    return bool(
        Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING, attempts=notification.attempts).update(
            claimed_at=None, **changes
        )
    )


@shared_task(
    name="incidents.notifier.send_notification",
    bind=True, ignore_result=True, max_retries=None, time_limit=SEND_TIME_LIMIT_S, soft_time_limit=SEND_TIME_LIMIT_S - 10,
)
def send_notification(self, notification_id):
    max_retries = settings.NOTIFIER_MAX_RETRIES
    try:
        backend = get_backend()
    except NotifierError as exc:
        backend, setup_error = None, exc
    else:
        setup_error = None
    notification = _claim(notification_id, getattr(backend, "name", "") or settings.NOTIFIER_BACKEND)
    if notification is None:
        return  # sent, delivered, failed, or another worker is sending it right now
    error = setup_error
    external_id = ""
    if error is None:
        try:
            external_id = send(notification, backend)  # no transaction, no lock: a slow gateway holds nothing
        except NotifierError as exc:
            error = exc
    if error is None:
        _record_outcome(notification, status=Notification.Status.SENT, sent_at=timezone.now(), external_id=external_id, last_error="")
        return
    final = error.permanent or self.request.retries >= max_retries
    _record_outcome(
        notification,
        status=Notification.Status.FAILED if final else Notification.Status.QUEUED,
        last_error=str(error)[:2000],
    )
    if not final:
        logger.info("notification %s failed (%s), retry %s/%s", notification_id, error, self.request.retries + 1, max_retries)
        raise self.retry(countdown=backoff_seconds(self.request.retries), max_retries=max_retries)
    logger.warning("notification %s failed for good: %s", notification_id, error)


@shared_task(name="incidents.notifier.resend_queued_notifications", ignore_result=True, time_limit=60, soft_time_limit=50)
def resend_queued_notifications(older_than_seconds=300):
    """Re-queue messages whose task was lost (broker down at commit, worker killed before or while sending)."""
    now = timezone.now()
    # A claim this old belongs to a worker that died mid-send: give the message back to the queue.
    stale = list(
        Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lte=now - timedelta(seconds=STALE_CLAIM_S))
        .values_list("pk", flat=True)[:200]
    )
    if stale:
        Notification.objects.filter(pk__in=stale, status=Notification.Status.SENDING).update(status=Notification.Status.QUEUED, claimed_at=None)
    cutoff = now - timedelta(seconds=older_than_seconds)
    never_tried = list(
        Notification.objects.filter(status=Notification.Status.QUEUED, created_at__lte=cutoff, attempts=0).values_list("pk", flat=True)[:200]
    )
    ids = list(dict.fromkeys(stale + never_tried))
    for notification_id in ids:
        enqueue(notification_id)
    return len(ids)
