"""POST /api/v1/incidents/{id}/cpr/ (issue 30): the first time stands, unknown steps, scope, roles, order, the
collapse flagged during the call."""
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from agencies.models import User
from incidents.models import CardiacArrest, TimelineEvent
from incidents.services.cardiac import cardiac_arrest_step
from tests import factories as f
from tests.cardiac.conftest import api_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrest_incident(make_medical):
    return make_medical(answers={"conscious": False, "breathing": False})


def _post(user, incident, body):
    return api_for(user).post(f"/api/v1/incidents/{incident.pk}/cpr/", body, format="json")


def test_a_step_is_recorded_once_and_the_first_time_stands(call_taker, arrest_incident):
    first = _post(call_taker, arrest_incident, {"step": "instructions_started"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["recorded"] is True and body["step"] == "instructions_started"
    assert body["at"] == body["cardiac_arrest"]["instructions_started_at"]
    again = _post(call_taker, arrest_incident, {"step": "instructions_started"})
    assert again.status_code == 200
    assert again.json()["at"] == body["at"] and again.json()["recorded"] is False
    assert TimelineEvent.objects.filter(incident=arrest_incident, kind="cardiac_arrest.step").count() == 1


def test_every_step_has_its_event_with_the_block(call_taker, arrest_incident):
    for step in ("instructions_started", "first_compression", "aed_on_scene", "ems_on_scene"):
        assert _post(call_taker, arrest_incident, {"step": step}).status_code == 201
    r = _post(call_taker, arrest_incident, {"step": "stopped", "outcome": "rosc"})
    assert r.status_code == 201 and r.json()["cardiac_arrest"]["outcome"] == "rosc"
    events = list(TimelineEvent.objects.filter(incident=arrest_incident, kind="cardiac_arrest.step").order_by("seq"))
    assert [e.payload["step"] for e in events] == ["instructions_started", "first_compression", "aed_on_scene", "ems_on_scene", "stopped"]
    assert all(e.payload["out_of_order"] == [] for e in events)
    assert events[-1].payload["cardiac_arrest"]["outcome"] == "rosc"
    assert events[-1].payload["incident"]["cardiac_arrest"]["stopped_at"] is not None


def test_out_of_order_is_recorded_and_said(call_taker, arrest_incident):
    r = _post(call_taker, arrest_incident, {"step": "first_compression"})
    assert r.status_code == 201
    event = TimelineEvent.objects.get(incident=arrest_incident, kind="cardiac_arrest.step")
    assert event.payload["out_of_order"] == ["instructions_started"]


@pytest.mark.parametrize("body,code", [
    ({"step": "compress"}, "unknown_step"),
    ({"step": ""}, None),
    ({}, None),
    ({"step": "stopped", "outcome": "alive"}, "invalid_outcome"),
    ({"step": "first_compression", "outcome": "rosc"}, "outcome_only_when_stopped"),
    ({"step": "first_compression", "extra": 1}, None),
])
def test_bad_input_is_400_and_stores_nothing(call_taker, arrest_incident, body, code):
    err = error_of(_post(call_taker, arrest_incident, body), 400)
    if code:
        assert err["code"] == code
    arrest = CardiacArrest.objects.get(incident=arrest_incident)
    assert arrest.first_compression_at is None and arrest.stopped_at is None


def test_another_centre_is_404(arrest_incident):
    other = f.call_taker(f.samarinda_centre(), username="ct_smd")
    error_of(_post(other, arrest_incident, {"step": "first_compression"}), 404)


@pytest.mark.parametrize("role", [User.Role.OFFICIAL, User.Role.VOLUNTEER, User.Role.DISPATCHER])
def test_officials_volunteers_and_dispatchers_are_403(centre, arrest_incident, psc, community, make_member, role):
    if role == User.Role.OFFICIAL:
        user = f.UserFactory(username="pejabat", role=role, command_centre=centre)
    elif role == User.Role.DISPATCHER:
        user = f.dispatcher(psc, username="disp_psc")
        from incidents.services import incident_route
        incident_route(incident_id=arrest_incident.pk, actor=f.call_taker(centre, username="ct2"))
    else:
        # a volunteer called out to the incident sees it, and still may not record a step
        from volunteers.services import callout_create
        member = make_member("Ani", metres=100)
        callout_create(incident_id=arrest_incident.pk, actor=f.call_taker(centre, username="ct3"), skills=["cpr"], radius_m=500, needed=1)
        user = member.user
    error_of(_post(user, arrest_incident, {"step": "first_compression"}), 403)
    assert CardiacArrest.objects.get(incident=arrest_incident).first_compression_at is None


def test_recognised_flags_a_collapse_during_the_call(call_taker, make_medical, django_capture_on_commit_callbacks):
    incident = make_medical(answers={"conscious": True, "breathing": True}, priority=3)
    error_of(_post(call_taker, incident, {"step": "first_compression"}), 409)
    with django_capture_on_commit_callbacks(execute=True):
        r = _post(call_taker, incident, {"step": "recognised"})
    assert r.status_code == 201
    assert r.json()["cardiac_arrest"]["recognition"] == "flagged"
    incident.refresh_from_db()
    assert incident.priority == 1 and incident.cardiac_arrest_suspected
    kinds = list(TimelineEvent.objects.filter(incident=incident).order_by("seq").values_list("kind", flat=True))
    at = kinds.index("cardiac_arrest.recognised")
    assert kinds[at - 1] == "incident.updated"  # P1 first, then the recognition
    assert kinds[at + 1:] == ["callout.none_available"]  # the automatic call-out ran after commit: nobody near
    # and a repeat answers 200 with the first time
    again = _post(call_taker, incident, {"step": "recognised"})
    assert again.status_code == 200 and again.json()["at"] == r.json()["at"]


def test_recognised_flags_any_category(call_taker, make_incident):
    incident = make_incident()
    r = _post(call_taker, incident, {"step": "recognised"})
    assert r.status_code == 201
    assert api_for(call_taker).get(f"/api/v1/incidents/{incident.pk}/").json()["cardiac_arrest"]["suspected"] is True


def test_a_closed_incident_takes_no_step(call_taker, arrest_incident):
    from incidents.services import incident_cancel
    incident_cancel(incident_id=arrest_incident.pk, actor=call_taker, reason="uji")
    error_of(_post(call_taker, arrest_incident, {"step": "first_compression"}), 409)


def test_the_service_takes_the_time_it_is_given(call_taker, arrest_incident):
    at = timezone.now() - timedelta(seconds=30)
    arrest, recorded = cardiac_arrest_step(incident_id=arrest_incident.pk, actor=call_taker, step="first_compression", now=at)
    assert recorded and arrest.first_compression_at == at


# ─── `at`: steps pressed on the console before the incident was saved, sent afterwards with their time ───

def test_a_step_taken_before_the_save_keeps_its_time(call_taker, arrest_incident):
    at = arrest_incident.created_at - timedelta(seconds=20)
    r = _post(call_taker, arrest_incident, {"step": "first_compression", "at": at.isoformat()})
    assert r.status_code == 201, r.content
    block = r.json()["cardiac_arrest"]
    assert block["first_compression_at"] == r.json()["at"]
    assert CardiacArrest.objects.get(incident=arrest_incident).first_compression_at == at
    event = TimelineEvent.objects.get(incident=arrest_incident, kind="cardiac_arrest.step")
    assert datetime.fromisoformat(event.payload["at"]) == at and event.payload["replaces"] is None
    # and the first time stands against a later `at` too
    again = _post(call_taker, arrest_incident, {"step": "first_compression", "at": (at + timedelta(seconds=5)).isoformat()})
    assert again.status_code == 200 and CardiacArrest.objects.get(incident=arrest_incident).first_compression_at == at


@pytest.mark.parametrize("shift", [timedelta(minutes=-11), timedelta(minutes=2)], ids=["before-the-call", "in-the-future"])
def test_an_at_out_of_bounds_is_400_and_stores_nothing(call_taker, arrest_incident, shift):
    base = arrest_incident.created_at if shift < timedelta(0) else timezone.now()
    r = _post(call_taker, arrest_incident, {"step": "first_compression", "at": (base + shift).isoformat()})
    assert error_of(r, 400)["fields"]["at"]
    assert CardiacArrest.objects.get(incident=arrest_incident).first_compression_at is None
    assert not TimelineEvent.objects.filter(incident=arrest_incident, kind="cardiac_arrest.step").exists()


def test_an_at_that_is_not_a_time_is_400(call_taker, arrest_incident):
    r = _post(call_taker, arrest_incident, {"step": "first_compression", "at": "kemarin"})
    assert error_of(r, 400)["fields"]["at"]


def test_the_call_takers_earlier_recognition_replaces_the_servers_once(call_taker, arrest_incident):
    arrest = CardiacArrest.objects.get(incident=arrest_incident)
    assert arrest.recognition == CardiacArrest.Recognition.ANSWERS
    server_time = arrest.recognised_at
    at = arrest_incident.created_at - timedelta(seconds=40)
    r = _post(call_taker, arrest_incident, {"step": "recognised", "at": at.isoformat()})
    assert r.status_code == 201, r.content
    assert CardiacArrest.objects.get(incident=arrest_incident).recognised_at == at
    event = TimelineEvent.objects.get(incident=arrest_incident, kind="cardiac_arrest.step")
    assert event.payload["step"] == "recognised" and datetime.fromisoformat(event.payload["replaces"]) == server_time
    # once: an even earlier time later changes nothing
    again = _post(call_taker, arrest_incident, {"step": "recognised", "at": (at - timedelta(seconds=10)).isoformat()})
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert CardiacArrest.objects.get(incident=arrest_incident).recognised_at == at
    # a later time never replaces it either
    assert _post(call_taker, arrest_incident, {"step": "recognised", "at": timezone.now().isoformat()}).status_code == 200


def test_a_flagged_collapse_keeps_the_time_it_was_flagged(call_taker, make_medical):
    incident = make_medical(answers={"conscious": True, "breathing": True})
    at = incident.created_at - timedelta(seconds=3)
    r = _post(call_taker, incident, {"step": "recognised", "at": at.isoformat()})
    assert r.status_code == 201, r.content
    arrest = CardiacArrest.objects.get(incident=incident)
    assert arrest.recognition == CardiacArrest.Recognition.FLAGGED and arrest.recognised_at == at
