"""Queueing the call-out's no-answer countdown by task name (a leaf: services → timers; tasks → services)."""
from incidents.timers import schedule_countdown

CALLOUT_TIMER_TASK = "volunteers.tasks.expire_callout_if_unanswered"


def schedule_callout_timer(callout_id, deadline):
    """A countdown for precision; the sweeper (volunteers.tasks.sweep_callout_deadlines) catches a lost one."""
    schedule_countdown(CALLOUT_TIMER_TASK, callout_id, deadline)
