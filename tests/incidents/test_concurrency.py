"""Two people acting at once: exactly one wins, the other gets a clear conflict; seq follows commit order."""
import threading

import pytest
from django.db import connection, connections, transaction

from dispatch.errors import IllegalTransition
from incidents.models import Assignment, Incident, TimelineEvent
from incidents.services import assignment_accept, incident_route
from tests import factories as f
from tests.api.race import race

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    """Run the callables at the same moment in separate threads: ("ok", result) or ("error", exception)."""
    return [("error", r) if isinstance(r, Exception) else ("ok", r) for r in race(*calls)]


def test_two_dispatchers_accepting_at_once_exactly_one_wins(make_incident, call_taker, damkar, damkar_dispatcher):
    # given an offered assignment and two dispatchers of the agency
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    second = f.dispatcher(damkar, username="disp_damkar_2")

    # when both press accept at the same moment
    results = _race(
        lambda: assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher),
        lambda: assignment_accept(assignment_id=assignment.pk, actor=second),
    )

    # then exactly one wins; the other gets a 409 carrying the current status
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["error", "ok"]
    error = next(r[1] for r in results if r[0] == "error")
    assert isinstance(error, IllegalTransition)
    assert error.status_code == 409 and error.code == "assignment_not_offered"
    assert error.as_dict()["current_status"] == "accepted"
    assert Assignment.objects.get(pk=assignment.pk).status == "accepted"
    assert TimelineEvent.objects.filter(kind="assignment.accepted").count() == 1
    assert TimelineEvent.objects.filter(kind="incident.status_changed", payload__new="accepted").count() == 1


def test_reference_numbers_never_collide_under_concurrent_creation(make_incident):
    results = _race(*[lambda: make_incident() for _ in range(6)])
    assert all(r[0] == "ok" for r in results), results
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]


def test_sequence_order_is_commit_order(make_incident):
    """A writer that drew its seq later can never commit before one that drew earlier:
    a console resuming 'after N' would otherwise skip the slower transaction's event."""
    started = threading.Event()
    release = threading.Event()

    def slow_writer():
        with transaction.atomic():
            incident = make_incident(description="lambat")
            started.set()
            release.wait(10)  # still holding the timeline lock
        return incident

    def fast_writer():
        started.wait(10)
        return make_incident(description="cepat")

    holder = {}

    def run_slow():
        holder["slow"] = slow_writer()
        connections.close_all()

    def run_fast():
        holder["fast"] = fast_writer()
        connections.close_all()

    t_slow = threading.Thread(target=run_slow)
    t_fast = threading.Thread(target=run_fast)
    t_slow.start()
    t_fast.start()
    started.wait(10)
    t_fast.join(1.0)
    # the fast writer is blocked behind the slow one's lock, not committed ahead of it
    assert t_fast.is_alive()
    release.set()
    t_slow.join(10)
    t_fast.join(10)
    slow_seq = TimelineEvent.objects.get(incident=holder["slow"], kind="incident.created").seq
    fast_seq = TimelineEvent.objects.get(incident=holder["fast"], kind="incident.created").seq
    assert slow_seq < fast_seq


def test_timeline_is_append_only_in_the_database(make_incident):
    make_incident()
    event = TimelineEvent.objects.first()
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic():
            TimelineEvent.objects.filter(pk=event.pk).update(kind="tampered")
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM incidents_timelineevent WHERE seq = %s", [event.seq])
    assert TimelineEvent.objects.get(pk=event.pk).kind == "incident.created"
