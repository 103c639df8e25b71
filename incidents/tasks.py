"""Thin, idempotent timer tasks. The deadline lives in the database (Assignment.ack_deadline):
the countdown task is for precision, the sweeper (beat, every second) catches any task that was lost."""
import logging

from celery import shared_task
from django.utils import timezone

from incidents.models import Assignment

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


def schedule_ack_timer(assignment_id, deadline):
    """Queue the countdown task; if the broker is unreachable the sweeper still expires the assignment."""
    try:
        escalate_if_unacknowledged.apply_async(args=[assignment_id], eta=deadline, queue="timers")
    except Exception:  # noqa: BLE001
        logger.warning("could not queue ack timer for assignment %s; the sweeper will catch it", assignment_id, exc_info=True)


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def escalate_if_unacknowledged(assignment_id):
    from incidents.services import assignment_expire

    assignment_expire(assignment_id=assignment_id)


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def sweep_due_deadlines():
    """Expire every offered assignment whose deadline passed, whatever happened to its countdown task."""
    from incidents.services import assignment_expire

    due = list(
        Assignment.objects.filter(status=Assignment.Status.OFFERED, ack_deadline__lte=timezone.now())
        .order_by("ack_deadline")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for assignment_id in due:
        try:
            assignment_expire(assignment_id=assignment_id)
        except Exception:  # noqa: BLE001 — one bad row must not stop the sweep
            logger.exception("sweeper could not expire assignment %s", assignment_id)
    return len(due)
