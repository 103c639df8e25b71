"""Starting deadline timers from a service, without importing the tasks that end in services.

A leaf: services call `schedule_ack_timer` after commit; the countdown task itself (incidents.tasks) calls the
services. Queueing by the task's registered name keeps that one-way (tasks → services → timers), where importing
the task object here would close the circle that used to be held together by imports inside functions.
Other apps' deadlines (volunteers' no-answer timer) queue theirs through `schedule_countdown`.
"""
import logging

from celery import current_app
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

ACK_TIMER_TASK = "incidents.tasks.escalate_if_unacknowledged"
# A countdown longer than the Redis broker's visibility_timeout is redelivered over and over; beyond
# this share of it we queue nothing and leave the deadline to the sweeper.
_VISIBILITY_SHARE = 0.9


def schedule_countdown(task_name, object_id, deadline):
    """Queue `task_name(object_id)` on the timers queue at `deadline`, for precision only: the database holds the
    deadline and a sweeper catches it if this task is never queued, lost, or too far ahead for the broker."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600)
    if deadline is None or (deadline - timezone.now()).total_seconds() > visibility * _VISIBILITY_SHARE:
        return
    try:
        current_app.send_task(task_name, args=[object_id], eta=deadline, queue="timers")
    except Exception:  # noqa: BLE001
        logger.warning("could not queue %s for %s; the sweeper will catch it", task_name, object_id, exc_info=True)


def schedule_ack_timer(assignment_id, deadline):
    """The assignment's acknowledgement countdown; if the broker is unreachable the sweeper still expires it."""
    schedule_countdown(ACK_TIMER_TASK, assignment_id, deadline)
