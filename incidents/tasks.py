"""Thin, idempotent timer tasks. Every deadline lives in the database:

- Assignment.ack_deadline         → the assignment expires (escalation stage 1, backup agency or NO_BACKUP alert);
- Assignment.second_stage_due_at  → people are notified by SMS/WhatsApp and a SECOND_STAGE alert is raised;
- Incident.on_scene_due_at        → a TARGET_BREACHED alert when nobody is on scene in time;
- Incident.unrouted_alert_due_at  → an UNROUTED alert when nobody has held the incident for its priority's threshold
                                    (once per spell: never routed, or left by every agency);
- Incident.auto_close_due_at      → a resolved incident is closed as the system's act.

The unrouted watch and auto-close have no countdown task: seconds do not matter there, so the sweeper alone runs them
(an indexed scan of the rows whose deadline is set, never a task per incident).

The countdown task (queue `timers`, ETA = the deadline) is there for precision; the sweeper, run by
beat every second on the same queue, catches any deadline whose task was lost (worker killed, broker
restarted, task never queued). Both end in the same service functions, which lock, re-check and act
at most once, so a race between them is harmless (tests/dispatcher/test_timers.py).
"""
import logging
import time
from datetime import timedelta

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Assignment, Incident, SupervisorAlert
from incidents.services import assignment_expire
from incidents.services.escalation import assignment_second_stage, incident_alert_unrouted, incident_check_service_target
from incidents.services.incidents import incident_auto_close

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200
# Ack deadlines are swept first and in full; the second stage and service targets then get at most this
# much time per run, so a backlog of them (e.g. hundreds falling due together) never holds up an expiry
# for more than a beat period. The rest is picked up by the next run, a second later.
SWEEP_SECONDARY_BUDGET_S = 0.4
# The worker's timer may wake a few ms early; below this we wait in the task instead of re-queueing.
_EARLY_WAIT_S = 2.0


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def escalate_if_unacknowledged(assignment_id):
    deadline = (
        Assignment.objects.filter(pk=assignment_id, status=Assignment.Status.OFFERED).values_list("ack_deadline", flat=True).first()
    )
    if deadline is None:
        return  # accepted, declined, handed off, expired by the sweeper, or gone
    early = (deadline - timezone.now()).total_seconds()
    if early > _EARLY_WAIT_S:
        # The deadline moved later (or the task was run early by hand): leave it to the sweeper.
        return
    if early > 0:
        time.sleep(early)
    assignment_expire(assignment_id=assignment_id)


def _due_ids(queryset, order_field, limit):
    """Pick due rows with FOR UPDATE SKIP LOCKED in a short transaction: rows another sweeper or a
    countdown task is working on right now are skipped (they are being handled), so concurrent sweepers
    never queue up behind each other. The lock is released at once; each row is then processed by its
    service, which takes the incident → row locks in the usual order and re-checks the deadline."""
    with transaction.atomic():
        return list(queryset.select_for_update(skip_locked=True, of=("self",)).order_by(order_field).values_list("pk", flat=True)[:limit])


def sweep_ack_deadlines(*, now=None, limit=SWEEP_BATCH) -> int:
    # A caller-given `now` (tests, controlled time) is passed on; otherwise each expiry reads the clock.
    given = now
    now = now or timezone.now()
    ids = _due_ids(Assignment.objects.filter(status=Assignment.Status.OFFERED, ack_deadline__lte=now), "ack_deadline", limit)
    done = 0
    for assignment_id in ids:
        try:
            if assignment_expire(assignment_id=assignment_id, now=given) is not None:
                done += 1
        except Exception:  # noqa: BLE001 — one bad row must not stop the sweep
            logger.exception("sweeper could not expire assignment %s", assignment_id)
    return done


def _over(stop_at):
    return stop_at is not None and time.monotonic() >= stop_at


def sweep_second_stage(*, now=None, limit=SWEEP_BATCH, stop_at=None) -> int:
    now = now or timezone.now()
    ids = _due_ids(Assignment.objects.filter(second_stage_due_at__lte=now), "second_stage_due_at", limit)
    done = 0
    for assignment_id in ids:
        if _over(stop_at):
            break
        try:
            if assignment_second_stage(assignment_id=assignment_id, now=now):
                done += 1
        except Exception:  # noqa: BLE001
            logger.exception("sweeper could not run the second stage of assignment %s", assignment_id)
    return done


def sweep_service_targets(*, now=None, limit=SWEEP_BATCH, stop_at=None) -> int:
    now = now or timezone.now()
    breached = SupervisorAlert.objects.filter(kind=SupervisorAlert.Kind.TARGET_BREACHED, assignment__isnull=True).values("incident_id")
    qs = (
        Incident.objects.filter(on_scene_due_at__lte=now, on_scene_at__isnull=True, status__in=Incident.OPEN_STATUSES)
        .exclude(status=Incident.Status.RESOLVED)
        .exclude(pk__in=breached)
    )
    ids = _due_ids(qs, "on_scene_due_at", limit)
    done = 0
    for incident_id in ids:
        if _over(stop_at):
            break
        try:
            if incident_check_service_target(incident_id=incident_id, now=now):
                done += 1
        except Exception:  # noqa: BLE001
            logger.exception("sweeper could not check the service target of incident %s", incident_id)
    return done


def _sweep_incidents(field, service, what, *, now, limit, stop_at) -> int:
    """Incidents whose `field` deadline passed (a partial index holds only rows with one set), each handed to
    `service(incident_id=, now=)`, which locks, re-checks, acts once and clears the deadline."""
    ids = _due_ids(Incident.objects.filter(**{f"{field}__lte": now}), field, limit)
    done = 0
    for incident_id in ids:
        if _over(stop_at):
            break
        try:
            if service(incident_id=incident_id, now=now):
                done += 1
        except Exception:  # noqa: BLE001
            logger.exception("sweeper could not %s incident %s", what, incident_id)
    return done


def sweep_unrouted(*, now=None, limit=SWEEP_BATCH, stop_at=None) -> int:
    return _sweep_incidents(
        "unrouted_alert_due_at", incident_alert_unrouted, "raise the unrouted alert of", now=now or timezone.now(), limit=limit, stop_at=stop_at,
    )


def sweep_auto_close(*, now=None, limit=SWEEP_BATCH, stop_at=None) -> int:
    return _sweep_incidents("auto_close_due_at", incident_auto_close, "auto-close", now=now or timezone.now(), limit=limit, stop_at=stop_at)


def sweep_all(*, now=None, secondary_budget_s=None) -> dict:
    expired = sweep_ack_deadlines(now=now)
    stop_at = None if secondary_budget_s is None else time.monotonic() + secondary_budget_s
    return {
        "expired": expired,
        # nobody holds an incident: the most urgent of the rest
        "unrouted": sweep_unrouted(now=now, stop_at=stop_at),
        "second_stage": sweep_second_stage(now=now, stop_at=stop_at),
        "target_breached": sweep_service_targets(now=now, stop_at=stop_at),
        "auto_closed": sweep_auto_close(now=now, stop_at=stop_at),
    }


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def sweep_due_deadlines():
    """Run by beat every second: every kind of deadline that passed, whatever happened to its task."""
    try:
        return sweep_all(secondary_budget_s=SWEEP_SECONDARY_BUDGET_S)
    finally:
        # A long-lived worker must not keep a connection the database restarted under it.
        connection.close_if_unusable_or_obsolete()


def next_deadline_in(now=None) -> timedelta | None:
    """How long until the next ack deadline (for diagnostics and the bench)."""
    now = now or timezone.now()
    nxt = (
        Assignment.objects.filter(status=Assignment.Status.OFFERED, ack_deadline__isnull=False)
        .order_by("ack_deadline")
        .values_list("ack_deadline", flat=True)
        .first()
    )
    return (nxt - now) if nxt else None
