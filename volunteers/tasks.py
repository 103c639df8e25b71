"""Thin, idempotent timer tasks of call-outs (the shape of incidents.tasks): CallOut.ack_deadline is the truth.

The countdown (queue `timers`, ETA = the deadline) is there for precision; the sweeper, run by beat every second,
expires any call-out whose task was lost. Both end in `callout_expire`, which locks, re-checks the status and the
deadline and acts at most once.

The same sweep ends the call-outs of incidents that were resolved, closed or cancelled (`callouts_end_with_incident`):
the incident's status in the database is the truth, so nothing in the incidents app has to know about volunteers
(the import direction), and a call-out can never stay open on a finished incident for more than a sweep.
"""
import logging
import time

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from volunteers.models import CallOut
from volunteers.services import callout_expire, callouts_end_with_incident
from volunteers.services.callouts import INCIDENT_ENDED

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


def sweep_ended_incidents(*, now=None, limit=SWEEP_BATCH) -> int:
    """End the open call-outs of every incident that was resolved, closed or cancelled. Reads the few open call-outs
    (a partial index), not the incidents' history; each incident is ended under its own lock, once."""
    incident_ids = list(
        CallOut.objects.filter(status__in=sorted(CallOut.OPEN_STATUSES), incident__status__in=sorted(INCIDENT_ENDED))
        .order_by("incident_id").values_list("incident_id", flat=True).distinct()[:limit]
    )
    ended = 0
    for incident_id in incident_ids:
        try:
            ended += callouts_end_with_incident(incident_id=incident_id, now=now)
        except Exception:  # noqa: BLE001 — one bad row must not stop the sweep
            logger.exception("sweeper could not end the call-outs of incident %s", incident_id)
    return ended


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def sweep_callout_deadlines():
    """Run by beat every second: call-outs past their deadline, and call-outs whose incident ended."""
    try:
        return sweep_callouts() + sweep_ended_incidents()
    finally:
        connection.close_if_unusable_or_obsolete()
