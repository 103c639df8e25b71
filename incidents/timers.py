"""Starting deadline timers from a service, without importing the tasks that end in services.

A leaf: services call `schedule_ack_timer` after commit; the countdown task itself (incidents.tasks) calls the
services. Queueing by the task's registered name keeps that one-way (tasks → services → timers), where importing
the task object here would close the circle that used to be held together by imports inside functions.
Other apps' deadlines (volunteers' no-answer timer) queue theirs through `schedule_countdown`.
"""
import atexit
import logging
import os
import queue
import threading

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
    deadline and a sweeper catches it if this task is never queued, lost, or too far ahead for the broker.

    Called after commit, but an after-commit callback still runs inside the request: the message goes to this
    process's sender thread instead, so the call-taker's answer does not wait for the broker (issue 15: 1–3 ms of
    every route). A message still in the thread's queue when the process dies is a lost countdown — the case the
    sweeper exists for; a normal exit drains the queue first."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600)
    if deadline is None or (deadline - timezone.now()).total_seconds() > visibility * _VISIBILITY_SHARE:
        return
    _sender_queue().put((task_name, object_id, deadline))


def _send(task_name, object_id, deadline):
    try:
        current_app.send_task(task_name, args=[object_id], eta=deadline, queue="timers")
    except Exception:  # noqa: BLE001
        logger.warning("could not queue %s for %s; the sweeper will catch it", task_name, object_id, exc_info=True)


_sender = {"pid": None, "queue": None, "thread": None}
_sender_lock = threading.Lock()


def _sender_queue() -> queue.SimpleQueue:
    """This process's queue to its sender thread, started at first use (and again in a forked child)."""
    if _sender["pid"] != os.getpid():
        with _sender_lock:
            if _sender["pid"] != os.getpid():
                q = queue.SimpleQueue()
                thread = threading.Thread(target=_run_sender, args=(q,), name="timers-sender", daemon=True)
                thread.start()
                _sender.update(pid=os.getpid(), queue=q, thread=thread)
    return _sender["queue"]


def _run_sender(q):
    while True:
        item = q.get()
        if item is None:
            return
        _send(*item)


def flush(timeout: float = 5.0) -> None:
    """Send what is queued and stop the sender (at exit; tests call it to wait for the messages)."""
    if _sender["pid"] != os.getpid() or _sender["thread"] is None:
        return
    _sender["queue"].put(None)
    _sender["thread"].join(timeout)
    _sender.update(pid=None, queue=None, thread=None)


atexit.register(flush)


def schedule_ack_timer(assignment_id, deadline):
    """The assignment's acknowledgement countdown; if the broker is unreachable the sweeper still expires it."""
    schedule_countdown(ACK_TIMER_TASK, assignment_id, deadline)
