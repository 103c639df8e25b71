"""Escalation timers with controlled time: expiry, backup offer, second stage, service target; exactly
once when the countdown task and the sweeper race."""
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidents.models import Assignment, Incident, Notification, SupervisorAlert, TimelineEvent
from incidents.services import assignment_accept, assignment_expire, incident_route, unit_change_status, unit_dispatch
from incidents.tasks import escalate_if_unacknowledged, sweep_ack_deadlines, sweep_all, sweep_second_stage, sweep_service_targets
from tests import factories as f

SK = SupervisorAlert.Kind


@pytest.fixture
def backup(centre, damkar):
    agency = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar Cadangan", phone="0536111222")
    damkar.backup_agency = agency
    damkar.phone = "0536999000"
    damkar.save(update_fields=["backup_agency", "phone"])
    return agency


def _kinds(incident, kind):
    return TimelineEvent.objects.filter(incident=incident, kind=kind).count()


@pytest.mark.django_db
def test_not_due_is_left_alone(offered):
    # given an offer whose deadline is 120 s away (P2 default)
    assert (offered.ack_deadline - offered.offered_at) == timedelta(seconds=120)
    # when the sweeper runs one second before the deadline
    assert sweep_ack_deadlines(now=offered.ack_deadline - timedelta(seconds=1)) == 0
    assert assignment_expire(assignment_id=offered.pk, now=offered.ack_deadline - timedelta(seconds=1)) is None
    # then nothing changed
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.OFFERED
    assert not SupervisorAlert.objects.exists()


@pytest.mark.django_db
def test_expiry_offers_backup_and_alerts_once(offered, backup):
    later = offered.ack_deadline + timedelta(milliseconds=300)
    assert sweep_ack_deadlines(now=later) == 1
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.EXPIRED and offered.expired_at == later
    assert offered.second_stage_due_at == later + timedelta(seconds=120)
    nxt = Assignment.objects.get(previous=offered)
    assert nxt.agency == backup and nxt.status == Assignment.Status.OFFERED and nxt.escalation_stage == 1
    assert list(SupervisorAlert.objects.values_list("kind", flat=True)) == [SK.ASSIGNMENT_EXPIRED]
    ev = TimelineEvent.objects.get(kind="assignment.expired")
    assert ev.payload["late_by_ms"] == 300
    # running again (task after sweeper, or a second sweeper) changes nothing
    assert sweep_ack_deadlines(now=nxt.ack_deadline - timedelta(seconds=1)) == 0
    assert assignment_expire(assignment_id=offered.pk, now=later + timedelta(seconds=5)) is None
    assert Assignment.objects.count() == 2 and SupervisorAlert.objects.count() == 1
    assert _kinds(offered.incident, "assignment.expired") == 1


@pytest.mark.django_db
def test_expiry_without_backup_flags_supervisor(offered):
    sweep_ack_deadlines(now=offered.ack_deadline + timedelta(seconds=1))
    assert set(SupervisorAlert.objects.values_list("kind", flat=True)) == {SK.ASSIGNMENT_EXPIRED, SK.NO_BACKUP}
    assert Incident.objects.get(pk=offered.incident_id).status == Incident.Status.NEW


@pytest.mark.django_db
def test_countdown_task_never_fires_before_the_deadline(offered):
    # given a deadline half a second from now
    deadline = timezone.now() + timedelta(milliseconds=500)
    Assignment.objects.filter(pk=offered.pk).update(ack_deadline=deadline)
    # when the worker's ETA wakes the task a little early
    escalate_if_unacknowledged(offered.pk)
    # then it waits for the deadline and expires exactly then (not before)
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.EXPIRED
    assert deadline <= offered.expired_at < deadline + timedelta(seconds=1)


@pytest.mark.django_db
def test_countdown_task_leaves_moved_deadline_to_sweeper(offered):
    escalate_if_unacknowledged(offered.pk)  # deadline is still 120 s away
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.OFFERED


@pytest.mark.django_db
def test_countdown_task_is_quiet_after_accept(offered, damkar_dispatcher):
    assignment_accept(assignment_id=offered.pk, actor=damkar_dispatcher)
    Assignment.objects.filter(pk=offered.pk).update(ack_deadline=timezone.now() - timedelta(seconds=1))
    escalate_if_unacknowledged(offered.pk)
    escalate_if_unacknowledged(999_999)
    assert Assignment.objects.get(pk=offered.pk).status == Assignment.Status.ACCEPTED
    assert not SupervisorAlert.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_task_and_sweeper_race_escalate_exactly_once(make_incident, call_taker, backup):
    # given several offers already past their deadline
    rounds = 6
    offers = []
    for _ in range(rounds):
        incident = make_incident()
        [a] = incident_route(incident_id=incident.pk, actor=call_taker)
        offers.append(a)
    now = max(a.ack_deadline for a in offers) + timedelta(seconds=1)

    # when, for each, the countdown task and the sweeper run at the same moment in two threads
    errors = []

    def run(fn):
        try:
            barrier.wait(timeout=10)
            fn()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    for a in offers:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=run, args=(lambda a=a: assignment_expire(assignment_id=a.pk, now=now),)),
            threading.Thread(target=run, args=(lambda: sweep_ack_deadlines(now=now),)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors

    # then each escalated exactly once: one EXPIRED transition, one alert, one backup offer
    for a in offers:
        assert Assignment.objects.get(pk=a.pk).status == Assignment.Status.EXPIRED
        assert TimelineEvent.objects.filter(kind="assignment.expired", payload__assignment__id=a.pk).count() == 1
        assert SupervisorAlert.objects.filter(assignment=a, kind=SK.ASSIGNMENT_EXPIRED).count() == 1
        assert Assignment.objects.filter(previous=a, agency=backup).count() == 1


@pytest.mark.django_db
def test_second_stage_notifies_once(offered, backup, centre):
    # given supervisors with phones, and an expiry whose backup offer also expires unanswered
    f.supervisor(centre, username="sup1", phone="081100000001")
    f.supervisor(centre, username="sup2", phone="")  # no phone: not texted
    f.supervisor(centre, username="sup3", phone="rusak")  # malformed number: skipped, the rest still sent
    t1 = offered.ack_deadline + timedelta(seconds=1)
    sweep_ack_deadlines(now=t1)
    offered.refresh_from_db()
    # when the second stage falls due
    t2 = offered.second_stage_due_at + timedelta(milliseconds=10)
    assert sweep_second_stage(now=t2 - timedelta(seconds=1)) == 0
    assert sweep_second_stage(now=t2) == 1
    # then one SECOND_STAGE alert, texts to the agency and the supervisor, one alert.raised event
    assert SupervisorAlert.objects.filter(assignment=offered, kind=SK.SECOND_STAGE).count() == 1
    sent = set(Notification.objects.filter(reason="second_stage", assignment=offered).values_list("channel", "recipient"))
    assert sent == {("sms", "0536999000"), ("sms", "081100000001"), ("whatsapp", "081100000001")}
    assert TimelineEvent.objects.filter(kind="alert.raised", payload__alert="second_stage").count() == 1
    # and never again
    assert sweep_second_stage(now=t2 + timedelta(minutes=5)) == 0
    assert Notification.objects.filter(reason="second_stage").count() == 3
    offered.refresh_from_db()
    assert offered.second_stage_due_at is None


@pytest.mark.django_db
def test_second_stage_skipped_when_backup_accepted(offered, backup):
    sweep_ack_deadlines(now=offered.ack_deadline + timedelta(seconds=1))
    nxt = Assignment.objects.get(previous=offered)
    assignment_accept(assignment_id=nxt.pk, actor=f.dispatcher(backup, username="cadangan"))
    offered.refresh_from_db()
    assert sweep_second_stage(now=offered.second_stage_due_at + timedelta(seconds=1)) == 0
    assert not SupervisorAlert.objects.filter(kind=SK.SECOND_STAGE).exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_service_target_breach_alerts_once(accepted, damkar_dispatcher):
    incident = Incident.objects.get(pk=accepted.incident_id)
    due = incident.on_scene_due_at
    assert sweep_service_targets(now=due - timedelta(seconds=1)) == 0
    assert sweep_service_targets(now=due + timedelta(seconds=2)) == 1
    assert sweep_service_targets(now=due + timedelta(seconds=3)) == 0
    assert SupervisorAlert.objects.filter(incident=incident, kind=SK.TARGET_BREACHED).count() == 1
    ev = TimelineEvent.objects.get(kind="alert.raised", incident=incident)
    assert ev.payload["alert"] == "target_breached" and ev.payload["late_by_ms"] == 2000


@pytest.mark.django_db
def test_service_target_met_raises_nothing(accepted, engine, damkar_dispatcher):
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=damkar_dispatcher)
    unit_change_status(unit_id=engine.pk, status="en_route", actor=damkar_dispatcher)
    unit_change_status(unit_id=engine.pk, status="on_scene", actor=damkar_dispatcher)
    incident = Incident.objects.get(pk=accepted.incident_id)
    assert incident.on_scene_at is not None
    assert sweep_all(now=incident.on_scene_due_at + timedelta(minutes=1)) == {
        "expired": 0, "unrouted": 0, "second_stage": 0, "target_breached": 0, "auto_closed": 0,
    }
    assert not SupervisorAlert.objects.exists()


@pytest.mark.django_db
def test_escalation_rules_with_wildcards_and_specificity(make_incident, call_taker, fire_category, centre):
    from incidents.models import EscalationRule

    # a category-only rule (centre and priority unset) applies...
    EscalationRule.objects.create(category=fire_category, ack_seconds=45, second_stage_seconds=90)
    [a] = incident_route(incident_id=make_incident().pk, actor=call_taker)
    assert (a.ack_deadline - a.offered_at) == timedelta(seconds=45)
    # ...and a rule naming the centre beats it
    EscalationRule.objects.create(command_centre=centre, ack_seconds=30, second_stage_seconds=60)
    [b] = incident_route(incident_id=make_incident(caller_number="0811").pk, actor=call_taker)
    assert (b.ack_deadline - b.offered_at) == timedelta(seconds=30)
    sweep_ack_deadlines(now=b.ack_deadline + timedelta(seconds=1))
    b.refresh_from_db()
    assert b.second_stage_due_at - b.expired_at == timedelta(seconds=60)


@pytest.mark.django_db
def test_secondary_backlog_is_time_boxed_but_expiries_are_not(make_incident, call_taker):
    from incidents.tasks import sweep_second_stage

    # given three expired assignments whose second stage is due, and one fresh offer that is due
    offers = [incident_route(incident_id=make_incident(caller_number=f"08{i}1").pk, actor=call_taker)[0] for i in range(4)]
    t1 = max(a.ack_deadline for a in offers) + timedelta(seconds=1)
    for a in offers[:3]:
        assignment_expire(assignment_id=a.pk, now=t1)
    # when a sweep has no time budget left for the second stage
    import time as _time

    assert sweep_second_stage(now=t1 + timedelta(hours=1), stop_at=_time.monotonic()) == 0
    # then the expiry still runs in full, and the second stage follows in a later run
    assert sweep_all(now=t1)["expired"] == 1
    assert sweep_all(now=t1 + timedelta(hours=1), secondary_budget_s=5)["second_stage"] == 4
