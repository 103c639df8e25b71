"""Issue 23: a call-out stayed open on the board after its incident was resolved. When the incident is resolved,
closed or cancelled, every open call-out on it ends — whoever is still alerted or coming is stood down with the
reason and told — through volunteers.services.callouts_end_with_incident, run by the call-out sweeper: exactly once."""
import pytest
from django.utils import timezone

from incidents.models import Notification, TimelineEvent
from incidents.services import (
    assignment_accept,
    assignment_complete,
    incident_cancel,
    incident_close,
    incident_route,
)
from reporting.board.selectors import board_snapshot
from tests import factories as f
from tests.api.race import race
from tests.volunteers.conftest import api_for
from volunteers.models import CallOut, CallOutResponse
from volunteers.services import callout_accept, callout_create, callout_report_status, callouts_end_with_incident
from volunteers.tasks import sweep_callout_deadlines, sweep_ended_incidents


@pytest.fixture
def routed(make_incident, call_taker, damkar, damkar_dispatcher):
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    return incident, assignment


def _callout(incident, call_taker, needed=3):
    return callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=needed)


@pytest.mark.django_db
def test_resolving_the_incident_ends_its_callouts_once(routed, call_taker, damkar_dispatcher, members, centre, monkeypatch):
    # the beat task closes an obsolete connection after its sweep: not the test's own
    monkeypatch.setattr("volunteers.tasks.connection.close_if_unusable_or_obsolete", lambda: None)
    incident, assignment = routed
    callout = _callout(incident, call_taker)
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    callout_report_status(callout_id=callout.pk, actor=members["ani"].user, status="on_scene")
    supervisor = f.supervisor(centre, username="spv")
    assert [c["id"] for c in board_snapshot(user=supervisor)["callouts"]] == [callout.pk]

    # when the agency completes and the incident is resolved, the sweep ends the call-out
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert sweep_callout_deadlines() == 1  # the beat task run every second

    callout.refresh_from_db()
    assert callout.status == CallOut.Status.COMPLETED and callout.completed_at is not None
    # everyone still alerted or coming is stood down with the reason; nobody left hanging
    rows = dict(callout.responses.values_list("volunteer__name", "status"))
    assert set(rows.values()) == {CallOutResponse.Status.STOOD_DOWN}
    assert set(callout.responses.values_list("stood_down_reason", flat=True)) == {CallOutResponse.Reason.ENDED}
    event = TimelineEvent.objects.get(kind="callout.ended")
    assert event.payload["incident_status"] == "resolved" and event.payload["old"] == "sent"
    assert event.payload["callout"]["status"] == "completed" and len(event.payload["stood_down"]) == 3
    # the community still hears it (a completed call-out follows its incident), the caller's data never
    assert set(event.community_ids) == {members["ani"].community_id}
    assert Notification.objects.filter(reason="callout_ended").count() == 3
    # the board no longer shows it
    assert board_snapshot(user=supervisor)["callouts"] == []
    # the phone says why
    [mine] = api_for(members["ani"].user).get("/api/v1/callouts/").json()
    assert mine["my_response"]["stood_down_reason"] == "ended"

    # once: the next sweeps and a direct call find nothing open
    assert sweep_ended_incidents() == 0 and sweep_callout_deadlines() == 0
    assert callouts_end_with_incident(incident_id=incident.pk) == 0
    assert TimelineEvent.objects.filter(kind="callout.ended").count() == 1
    assert Notification.objects.filter(reason="callout_ended").count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["close", "cancel"])
def test_closing_or_cancelling_ends_them_too(routed, call_taker, members, centre, end):
    incident, _assignment = routed
    first, second = _callout(incident, call_taker, needed=1), None
    callout_accept(callout_id=first.pk, actor=members["ani"].user)  # filled
    second = callout_create(incident_id=incident.pk, actor=call_taker, skills=["water_rescue"], radius_m=5000, needed=1)
    supervisor = f.supervisor(centre, username="spv")
    if end == "close":
        incident_close(incident_id=incident.pk, actor=supervisor, note="", force=True)
    else:
        incident_cancel(incident_id=incident.pk, actor=call_taker, reason="laporan palsu")
    assert sweep_ended_incidents() == 2
    assert set(CallOut.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"completed"}
    events = TimelineEvent.objects.filter(kind="callout.ended").order_by("seq")
    assert [e.payload["old"] for e in events] == ["filled", "sent"]
    assert {e.payload["incident_status"] for e in events} == {"closed" if end == "close" else "cancelled"}
    # the filled call-out's volunteer is stood down too; the member it never needed was stood down already
    assert CallOutResponse.objects.get(callout=first, volunteer=members["ani"]).stood_down_reason == "ended"


@pytest.mark.django_db
def test_an_open_incident_keeps_its_callouts(routed, call_taker, members):
    incident, _assignment = routed
    callout = _callout(incident, call_taker)
    assert sweep_ended_incidents() == 0 and callouts_end_with_incident(incident_id=incident.pk) == 0
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.SENT


@pytest.mark.django_db
def test_no_new_callout_for_a_resolved_incident(routed, call_taker, damkar_dispatcher, members):
    incident, assignment = routed
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher)
    response = api_for(call_taker).post(f"/api/v1/incidents/{incident.pk}/callouts/", {"skills": ["first_aid"], "radius_m": 5000,
                                                                                       "needed": 1}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "incident_closed"
    assert not CallOut.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_end_it_exactly_once(make_incident, call_taker, damkar, damkar_dispatcher, make_member):
    people = [make_member(f"M{i}", metres=100 * (i + 1)) for i in range(4)]
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    callout = _callout(incident, call_taker)
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher)
    now = timezone.now()
    results = race(lambda: sweep_ended_incidents(now=now), lambda: sweep_ended_incidents(now=now),
                   lambda: callouts_end_with_incident(incident_id=incident.pk, now=now))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(results) == 1
    assert TimelineEvent.objects.filter(kind="callout.ended").count() == 1
    assert Notification.objects.filter(reason="callout_ended").count() == len(people)
    assert CallOut.objects.get(pk=callout.pk).status == CallOut.Status.COMPLETED
