"""Guarantees that no test held before (issue 14's mutation review): each test here fails when its guarantee is
removed — the advisory lock that makes `seq` follow commit order even between unrelated writers, the live publish
only after commit, AML matching by the caller's number, the re-check under the lock in expiry, and a retried
incident POST with the same Idempotency-Key."""
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

import incidents.timeline as timeline
from incidents.models import Assignment, Call, Incident, SupervisorAlert, TimelineEvent
from incidents.services import assignment_accept, assignment_expire, call_start, incident_route
from incidents.services.interop import matching_recent_call
from incidents.timeline import record_event
from tests import factories as f


def _event(centre_id):
    return record_event(kind="call.ringing", centre_ids=[centre_id], agency_ids=[], community_ids=[], payload={"call": {}})


@pytest.mark.django_db(transaction=True)
def test_seq_follows_commit_order_between_writers_that_share_no_row():
    # given two centres whose writers touch no common row (no counter, no incident): only the timeline lock
    # can order them
    a, b = f.CommandCentreFactory(code="aaa"), f.samarinda_centre()
    started, release, holder = threading.Event(), threading.Event(), {}

    def slow():
        with transaction.atomic():
            holder["slow"] = _event(a.pk).seq
            started.set()
            release.wait(10)
        connections.close_all()

    def fast():
        started.wait(10)
        with transaction.atomic():
            holder["fast"] = _event(b.pk).seq
        connections.close_all()

    t_slow, t_fast = threading.Thread(target=slow), threading.Thread(target=fast)
    t_slow.start()
    t_fast.start()
    started.wait(10)
    t_fast.join(1.0)
    # then the second writer waits for the first to commit instead of committing a higher seq before it
    assert t_fast.is_alive(), "a later writer committed while an earlier seq was still open"
    release.set()
    t_slow.join(10)
    t_fast.join(10)
    assert holder["slow"] < holder["fast"]


@pytest.mark.django_db
def test_a_rolled_back_transaction_publishes_nothing_and_a_committed_one_publishes_after_commit(centre, monkeypatch, django_capture_on_commit_callbacks):
    published = []
    monkeypatch.setattr(timeline, "publish_events", lambda events: published.extend(e.seq for e in events))
    # a transaction that writes an event and then fails: nothing reaches any console
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _event(centre.pk)
                raise RuntimeError("rolled back")
    assert published == []
    # a committed one: nothing before commit, exactly once after
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = _event(centre.pk)
            assert published == []
    assert published == [event.seq]


@pytest.mark.django_db
def test_a_transactions_events_are_published_together_in_seq_order_without_those_of_a_rolled_back_savepoint(
    centre, monkeypatch, django_capture_on_commit_callbacks
):
    batches, later_hook = [], []
    monkeypatch.setattr(timeline, "publish_events", lambda events: batches.append([e.seq for e in events]))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = _event(centre.pk)
            with pytest.raises(RuntimeError):
                with transaction.atomic():  # a savepoint: its event is rolled back with it
                    _event(centre.pk)
                    raise RuntimeError("savepoint rolled back")
            second = _event(centre.pk)
            with pytest.raises(RuntimeError):
                with transaction.atomic():  # rolled back after the last kept event: the kept ones still go out
                    _event(centre.pk)
                    raise RuntimeError("savepoint rolled back")
            transaction.on_commit(lambda: later_hook.append(list(batches)))
            assert batches == []
    # then one publish after commit, the kept events only, in seq order, before a hook registered after them
    assert batches == [[first.seq, second.seq]]
    assert later_hook == [[[first.seq, second.seq]]]
    # and the next transaction publishes its own events only
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            third = _event(centre.pk)
    assert batches[1:] == [[third.seq]]


@pytest.mark.django_db(transaction=True)
def test_a_commit_hook_writing_its_own_event_between_two_events_holds_none_back(centre, monkeypatch):
    # given a real commit whose hooks, between its two events, commit a transaction with an event of its own
    published, nested = [], []
    monkeypatch.setattr(timeline, "publish_events", lambda events: published.extend(e.seq for e in events))

    def hook_with_its_own_event():
        with transaction.atomic():
            nested.append(_event(centre.pk))

    with transaction.atomic():
        first = _event(centre.pk)
        transaction.on_commit(hook_with_its_own_event)
        second = _event(centre.pk)
    # then every event was published, the outer ones together
    assert sorted(published) == sorted([first.seq, second.seq, nested[0].seq])


@pytest.mark.django_db
def test_aml_matches_the_callers_number_not_just_the_latest_call(centre, call_taker):
    # given a call from 0812…7890 a minute ago and a newer call from another number
    mine = call_start(actor=call_taker, caller_number="081234567890")
    Call.objects.filter(pk=mine.pk).update(answered_at=timezone.now() - timedelta(minutes=1))
    other_taker = f.call_taker(centre, username="ct_other")
    newer = call_start(actor=other_taker, caller_number="081299990000")
    assert newer.answered_at > timezone.now() - timedelta(minutes=1)
    # then a fix from 0812…7890 (any spelling) goes to that caller's call, never to the newer one
    assert matching_recent_call("+62 812-3456-7890") == mine
    assert matching_recent_call("081299990000") == newer
    assert matching_recent_call("081211112222") is None


@pytest.mark.django_db
def test_expiry_rechecks_under_the_lock_an_assignment_accepted_meanwhile(make_incident, call_taker, damkar, damkar_dispatcher):
    # given an offer accepted just before its deadline, and an expiry that read it as due a moment earlier
    incident = make_incident()
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    late = offer.ack_deadline + timedelta(seconds=1)
    events_before = TimelineEvent.objects.count()
    # when the expiry runs after the deadline
    assert assignment_expire(assignment_id=offer.pk, now=late) is None
    # then nothing changed: no expiry, no alert, no backup, no event
    assert Assignment.objects.get(pk=offer.pk).status == Assignment.Status.ACCEPTED
    assert not SupervisorAlert.objects.exists()
    assert TimelineEvent.objects.count() == events_before


@pytest.mark.django_db
def test_a_retried_incident_post_with_the_same_key_creates_one_incident(call_taker, fire_category):
    from tests.api.conftest import client_for

    api = client_for(call_taker)
    key = str(uuid.uuid4())
    body = {
        "category": fire_category.code, "location": {"type": "Point", "coordinates": list(f.PKY)},
        "address": "Jl. Yos Sudarso", "description": "Asap dari ruko", "caller_number": "081234567890",
    }
    first = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Incident.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="incident.created").count() == 1
