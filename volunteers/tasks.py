"""Thin, idempotent timer tasks of call-outs (the shape of incidents.tasks): CallOut.ack_deadline is the truth.

The countdown (queue `timers`, ETA = the deadline) is there for precision; the sweeper, run by beat every second,
expires any call-out whose task was lost. Both end in `callout_expire`, which locks, re-checks the status and the
deadline and acts at most once.
"""
import logging
import time

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from volunteers.models import CallOut
from volunteers.services import callout_expire

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200
_EARLY_WAIT_S = 2.0


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def expire_callout_if_unanswered(callout_id):
    deadline = CallOut.objects.filter(pk=callout_id, status=CallOut.Status.SENT).values_list("ack_deadline", flat=True).first()
    if deadline is None:
        return  # filled, cancelled, expired by the sweeper, or gone
    early = (deadline - timezone.now()).total_seconds()
    if early > _EARLY_WAIT_S:
        return  # run early by hand or the deadline moved: the sweeper owns it
    if early > 0:
        time.sleep(early)
    callout_expire(callout_id=callout_id)


def sweep_callouts(*, now=None, limit=SWEEP_BATCH) -> int:
    """Expire every call-out whose deadline passed; rows a countdown task holds right now are skipped."""
    given = now
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            CallOut.objects.filter(status=CallOut.Status.SENT, ack_deadline__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("ack_deadline")
            .values_list("pk", flat=True)[:limit]
        )
    done = 0
    for callout_id in ids:
        try:
            if callout_expire(callout_id=callout_id, now=given):
                done += 1
        except Exception:  # noqa: BLE001 — one bad row must not stop the sweep
            logger.exception("sweeper could not expire call-out %s", callout_id)
    return done


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def sweep_callout_deadlines():
    """Run by beat every second."""
    try:
        return sweep_callouts()
    finally:
        connection.close_if_unusable_or_obsolete()
