"""Exactly N under concurrent accepts (real threads, one connection each), and the no-answer timer: exactly once
whether the countdown task or the sweeper gets there, also when the task was lost."""
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import User
from dispatch.errors import Conflict
from incidents.models import Notification, TimelineEvent
from tests import factories as f
from tests.api.race import race
from volunteers.models import CallOut, CallOutResponse
from volunteers.services import callout_accept, callout_create, callout_expire
from volunteers.tasks import expire_callout_if_unanswered, sweep_callouts


@pytest.mark.django_db(transaction=True)
def test_six_members_accepting_at_once_exactly_two_are_taken(make_incident, call_taker, make_member):
    # given a call-out for 2 volunteers sent to 6 members
    people = [make_member(f"M{i}", metres=100 * (i + 1)) for i in range(6)]
    callout = callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=2)
    assert callout.responses.count() == 6
    # when all six press "accept" at the same moment
    results = race(*[(lambda u=p.user: callout_accept(callout_id=callout.pk, actor=u)) for p in people])
    # then exactly two win, the four others get 409 callout_filled
    wins = [r for r in results if isinstance(r, CallOutResponse)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 2, results
    assert len(losses) == 4 and all(isinstance(e, Conflict) and e.code == "callout_filled" for e in losses), losses
    assert CallOutResponse.objects.filter(callout=callout, status__in=sorted(CallOutResponse.COUNTED_STATUSES)).count() == 2
    assert CallOut.objects.get(pk=callout.pk).status == CallOut.Status.FILLED
    assert TimelineEvent.objects.filter(kind="callout.accepted").count() == 2
    assert TimelineEvent.objects.filter(kind="callout.filled").count() == 1


@pytest.fixture
def supervisor_with_phone(centre):
    return f.supervisor(centre, username="spv", phone="081299990000")


@pytest.fixture
def waiting_callout(make_incident, call_taker, members, supervisor_with_phone):
    return callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=2, deadline_min=3)


@pytest.mark.django_db
def test_not_due_left_alone_then_expires_once_with_supervisor_texted(waiting_callout, members):
    callout = waiting_callout
    assert callout.ack_deadline - callout.sent_at == timedelta(minutes=3)
    assert sweep_callouts(now=callout.ack_deadline - timedelta(seconds=1)) == 0
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)  # one of two: still short
    later = callout.ack_deadline + timedelta(milliseconds=250)
    assert sweep_callouts(now=later) == 1
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.EXPIRED and callout.expired_at == later
    event = TimelineEvent.objects.get(kind="callout.expired")
    assert event.payload["late_by_ms"] == 250 and event.payload["notified"] == ["081299990000"]
    assert event.payload["callout"]["accepted"] == 1
    assert Notification.objects.filter(reason="callout_expired", recipient="081299990000").count() == 1
    # a second sweep, or the countdown task arriving late, does nothing more
    assert sweep_callouts(now=later + timedelta(seconds=5)) == 0
    assert callout_expire(callout_id=callout.pk, now=later + timedelta(seconds=6)) is False
    assert TimelineEvent.objects.filter(kind="callout.expired").count() == 1
    assert Notification.objects.filter(reason="callout_expired").count() == 1
    # late answers still count: the expired call-out fills when the second accepts
    callout_accept(callout_id=callout.pk, actor=members["budi"].user)
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.FILLED


@pytest.mark.django_db
def test_filled_before_the_deadline_never_expires(waiting_callout, members):
    callout = waiting_callout
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    callout_accept(callout_id=callout.pk, actor=members["budi"].user)
    assert sweep_callouts(now=callout.ack_deadline + timedelta(seconds=1)) == 0
    assert not TimelineEvent.objects.filter(kind="callout.expired").exists()


@pytest.mark.django_db
def test_lost_countdown_task_the_sweeper_still_expires(waiting_callout, settings):
    # given the countdown task was never delivered (broker down at commit): nothing but the sweeper runs
    callout = waiting_callout
    CallOut.objects.filter(pk=callout.pk).update(ack_deadline=timezone.now() - timedelta(seconds=2))
    # when beat's sweeper runs with the real clock
    assert sweep_callouts() == 1
    assert CallOut.objects.get(pk=callout.pk).status == CallOut.Status.EXPIRED
    # and the countdown task, should it arrive after all, does nothing
    expire_callout_if_unanswered(callout.pk)
    assert TimelineEvent.objects.filter(kind="callout.expired").count() == 1


@pytest.mark.django_db
def test_countdown_task_run_early_leaves_it_to_the_sweeper(waiting_callout):
    expire_callout_if_unanswered(waiting_callout.pk)  # 3 minutes early
    assert CallOut.objects.get(pk=waiting_callout.pk).status == CallOut.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_countdown_task_and_sweeper_racing_expire_once(make_incident, call_taker, make_member, centre):
    f.supervisor(centre, username="spv2", phone="081288880000")
    make_member("Solo", metres=100)
    callout = callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    CallOut.objects.filter(pk=callout.pk).update(ack_deadline=timezone.now() - timedelta(milliseconds=10))
    results = race(lambda: expire_callout_if_unanswered(callout.pk), lambda: sweep_callouts(), lambda: callout_expire(callout_id=callout.pk))
    assert not any(isinstance(r, Exception) for r in results), results
    assert TimelineEvent.objects.filter(kind="callout.expired").count() == 1
    assert Notification.objects.filter(reason="callout_expired").count() == 1
    assert User.objects.filter(username="spv2").exists()


@pytest.mark.django_db
def test_incident_closed_before_the_deadline_stands_volunteers_down_without_alerting(waiting_callout, call_taker):
    from incidents.services import incident_close

    callout = waiting_callout
    incident_close(incident_id=callout.incident_id, actor=call_taker, note="selesai tanpa relawan")
    assert sweep_callouts(now=callout.ack_deadline + timedelta(seconds=1)) == 1
    callout.refresh_from_db()
    # the one rule of an incident that ended (volunteers.services.callouts_end_with_incident, issue 23)
    assert callout.status == CallOut.Status.COMPLETED
    assert TimelineEvent.objects.filter(kind="callout.ended").count() == 1
    assert not TimelineEvent.objects.filter(kind="callout.expired").exists()
    assert not Notification.objects.filter(reason="callout_expired").exists()
    assert set(callout.responses.values_list("status", "stood_down_reason")) == {("stood_down", "ended")}
