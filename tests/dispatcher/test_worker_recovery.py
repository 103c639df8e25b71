"""Recovery after a lost countdown task, with a REAL Celery worker that is killed (kill -9).

The test process writes to the pytest database; the worker and beat subprocesses use the same database
(DATABASE_URL) and a Redis db of their own as broker, so nothing else on the machine consumes the tasks.
"""
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.db import connection
from django.utils import timezone
from kombu import Connection

from incidents.models import Assignment, EscalationRule, SupervisorAlert, TimelineEvent
from incidents.services import incident_route
from incidents.tasks import escalate_if_unacknowledged
from tests.dispatcher.real_worker import celery_env, kill, start, wait_for, worker_args

BROKER = os.environ.get("DISPATCHER_IT_BROKER", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _start(args, log):
    return start(args, log, celery_env(BROKER))


@pytest.mark.django_db(transaction=True)
def test_sweeper_recovers_task_lost_with_killed_worker(make_incident, call_taker, fire_category, damkar):
    r = redis.Redis.from_url(BROKER)
    r.delete("timers", "celery")
    EscalationRule.objects.create(category=fire_category, ack_seconds=3, second_stage_seconds=600)
    tmp = Path(tempfile.mkdtemp(prefix="dispatcher-it-"))
    procs = []
    try:
        # given a worker that has taken the countdown task of a 3-second offer
        log1 = open(tmp / "worker1.log", "w+")
        w1 = _start(worker_args("lost"), log1)
        procs.append(w1)
        wait_for(lambda: "ready." in (tmp / "worker1.log").read_text(), 60, "worker 1 ready")
        with Connection(BROKER) as conn:
            publish = lambda aid, deadline: escalate_if_unacknowledged.apply_async(  # noqa: E731
                args=[aid], eta=deadline, queue="timers", connection=conn
            )
            with mock.patch("incidents.timers.schedule_ack_timer", publish):
                incident = make_incident()
                [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
        deadline = assignment.ack_deadline
        assert (deadline - assignment.offered_at) == timedelta(seconds=3)
        wait_for(lambda: r.llen("timers") == 0, 5, "worker 1 to reserve the ETA task")
        # when the worker is killed before the deadline: its reserved ETA task is lost with it
        assert timezone.now() < deadline
        kill(w1)
        assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.OFFERED
        # and a new worker and beat start (the redelivery of the lost message waits for visibility_timeout: 1 h)
        log2 = open(tmp / "worker2.log", "w+")
        procs.append(_start(worker_args("fresh"), log2))
        logb = open(tmp / "beat.log", "w+")
        procs.append(_start(["beat", "-l", "info", "--schedule", str(tmp / "beat-schedule")], logb))

        wait_for(lambda: "ready." in (tmp / "worker2.log").read_text(), 60, "worker 2 ready")
        wait_for(lambda: "Starting" in (tmp / "beat.log").read_text(), 60, "beat started")
        recovered_from = max(timezone.now(), deadline)

        # then the sweeper expires it exactly once, within a few seconds
        def expired():
            return Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.EXPIRED).exists()

        wait_for(expired, 30, "the sweeper to expire the assignment")
        time.sleep(2.5)  # let more sweeps run: nothing more may happen
        a = Assignment.objects.get(pk=assignment.pk)
        events = TimelineEvent.objects.filter(kind="assignment.expired", payload__assignment__id=a.pk)
        assert events.count() == 1
        assert SupervisorAlert.objects.filter(assignment=a, kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED).count() == 1
        assert SupervisorAlert.objects.filter(assignment=a, kind=SupervisorAlert.Kind.NO_BACKUP).count() == 1
        ev = events.get()
        assert ev.at >= deadline
        # once a worker and beat are up again, the sweep (every second) catches it within a few seconds
        assert (ev.at - recovered_from).total_seconds() < 5, (ev.at, recovered_from)
        assert "sweep_due_deadlines" in (tmp / "worker2.log").read_text()
    finally:
        for p in procs:
            kill(p)
        connection.close()
