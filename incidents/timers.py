"""Starting deadline timers from a service, without importing the tasks that end in services.

A leaf: services call `schedule_ack_timer` after commit; the countdown task itself (incidents.tasks) calls the
services. Queueing by the task's registered name keeps that one-way (tasks → services → timers), where importing
the task object here would close the circle that used to be held together by imports inside functions.
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


def schedule_ack_timer(assignment_id, deadline):
    """Queue the countdown task; if the broker is unreachable the sweeper still expires the assignment."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600)
    if deadline is None or (deadline - timezone.now()).total_seconds() > visibility * _VISIBILITY_SHARE:
        return
    try:
        current_app.send_task(ACK_TIMER_TASK, args=[assignment_id], eta=deadline, queue="timers")
    except Exception:  # noqa: BLE001
        logger.warning("could not queue ack timer for assignment %s; the sweeper will catch it", assignment_id, exc_info=True)
