"""Queueing the call-out's no-answer countdown by task name (a leaf: services → timers; tasks → services)."""
import logging

from celery import current_app
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

CALLOUT_TIMER_TASK = "volunteers.tasks.expire_callout_if_unanswered"
_VISIBILITY_SHARE = 0.9


def schedule_callout_timer(callout_id, deadline):
    """A countdown for precision; the sweeper (volunteers.tasks.sweep_callout_deadlines) catches a lost one."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600)
    if deadline is None or (deadline - timezone.now()).total_seconds() > visibility * _VISIBILITY_SHARE:
        return
    try:
        current_app.send_task(CALLOUT_TIMER_TASK, args=[callout_id], eta=deadline, queue="timers")
    except Exception:  # noqa: BLE001
        logger.warning("could not queue the no-answer timer of call-out %s; the sweeper will catch it", callout_id, exc_info=True)
