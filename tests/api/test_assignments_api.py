"""Assignments through the API: accept (one winner under a race), decline, hand off, complete; scoped lists."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Assignment, Incident
from incidents.services import assignment_accept, incident_route
from tests import factories as f
from tests.api.conftest import assert_error, client_for
from tests.api.race import race


@pytest.fixture
def offered(make_incident, call_taker):
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    return assignment


@pytest.mark.django_db
class TestTransitions:
    def test_accept_then_accept_again_is_a_409_with_the_current_state(self, dispatcher_api, offered):
        r = dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/accept/")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "accepted" and r.json()["accepted_at"]
        assert Incident.objects.get(pk=offered.incident_id).status == "accepted"
        error = assert_error(dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/accept/"), 409, "assignment_not_offered")
        assert error["current_status"] == "accepted"
        assert error["assignment"]["id"] == offered.pk

    def test_decline_needs_a_reason(self, dispatcher_api, offered):
        assert_error(dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/decline/", {"reason": " "}, format="json"), 400, "required", "reason")
        assert_error(dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/decline/", {}, format="json"), 400, field="reason")
        r = dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/decline/", {"reason": "semua unit bertugas"}, format="json")
        assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["reason"] == "semua unit bertugas"

    def test_handoff_answers_the_new_offer_to_the_other_agency(self, dispatcher_api, offered, centre):
        other = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar Kab")
        r = dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/handoff/", {"to_agency": other.pk, "reason": "di luar wilayah"}, format="json")
        assert r.status_code == 200, r.content
        new = r.json()
        assert new["agency"] == other.pk and new["status"] == "offered" and new["previous"] == offered.pk
        assert Assignment.objects.get(pk=offered.pk).status == "handed_off"
        assert_error(
            dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/handoff/", {"to_agency": other.pk, "reason": "x"}, format="json"), 409
        )

    def test_handoff_refusals(self, dispatcher_api, offered, damkar):
        url = f"/api/v1/assignments/{offered.pk}/handoff/"
        assert_error(dispatcher_api.post(url, {"to_agency": 999999, "reason": "x"}, format="json"), 400, "unknown_agency", "to_agency")
        assert_error(dispatcher_api.post(url, {"to_agency": damkar.pk, "reason": "x"}, format="json"), 400, "same_agency", "to_agency")
        assert_error(dispatcher_api.post(url, {"reason": "x"}, format="json"), 400, field="to_agency")

    def test_complete_after_accept(self, dispatcher_api, offered, damkar_dispatcher):
        assert_error(dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/complete/", {}, format="json"), 409)
        assignment_accept(assignment_id=offered.pk, actor=damkar_dispatcher)
        r = dispatcher_api.post(f"/api/v1/assignments/{offered.pk}/complete/", {"note": "api padam"}, format="json")
        assert r.status_code == 200 and r.json()["status"] == "completed"
        assert Incident.objects.get(pk=offered.incident_id).status == "resolved"

    def test_another_agencys_dispatcher_gets_404_and_a_call_taker_403(self, offered, centre, api):
        police = f.AgencyFactory(command_centre=centre, type="police")
        outsider = client_for(f.dispatcher(police, username="disp_police"))
        assert_error(outsider.post(f"/api/v1/assignments/{offered.pk}/accept/"), 404, "assignment_not_found")
        assert_error(api.post(f"/api/v1/assignments/{offered.pk}/accept/"), 403)
        assert Assignment.objects.get(pk=offered.pk).status == "offered"


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_accepting_through_the_api_one_200_one_409(make_incident, call_taker, damkar, damkar_dispatcher):
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    second = f.dispatcher(damkar, username="disp_damkar_2")

    results = race(
        lambda: client_for(damkar_dispatcher).post(f"/api/v1/assignments/{assignment.pk}/accept/"),
        lambda: client_for(second).post(f"/api/v1/assignments/{assignment.pk}/accept/"),
    )

    assert sorted(r.status_code for r in results) == [200, 409], [r.content for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert assert_error(loser, 409, "assignment_not_offered")["current_status"] == "accepted"
    winner = next(r for r in results if r.status_code == 200).json()
    assert Assignment.objects.get(pk=assignment.pk).acted_by_id in (damkar_dispatcher.pk, second.pk)
    assert winner["status"] == "accepted"


@pytest.mark.django_db
class TestList:
    def test_dispatcher_sees_their_agencys_and_filters_by_status(self, dispatcher_api, make_incident, call_taker, centre, damkar_dispatcher):
        police = f.AgencyFactory(command_centre=centre, type="police")
        mine, theirs = make_incident(), make_incident()
        [a] = incident_route(incident_id=mine.pk, actor=call_taker)
        incident_route(incident_id=theirs.pk, actor=call_taker, agency_ids=[police.pk])
        body = dispatcher_api.get("/api/v1/assignments/?status=offered").json()
        assert [x["id"] for x in body["results"]] == [a.pk]
        row = body["results"][0]
        assert row["incident_reference"] == mine.reference and row["incident_category"] == "kebakaran"
        assignment_accept(assignment_id=a.pk, actor=damkar_dispatcher)
        assert dispatcher_api.get("/api/v1/assignments/?status=offered").json()["count"] == 0
        assert dispatcher_api.get("/api/v1/assignments/?status=offered,accepted").json()["count"] == 1
        assert_error(dispatcher_api.get("/api/v1/assignments/?status=nope"), 400, field="status")

    def test_centre_staff_see_their_centres_and_samarinda_sees_none(self, api, smd_api, offered):
        assert [x["id"] for x in api.get("/api/v1/assignments/").json()["results"]] == [offered.pk]
        assert api.get(f"/api/v1/assignments/?incident={offered.incident_id}").json()["count"] == 1
        assert smd_api.get("/api/v1/assignments/").json()["count"] == 0

    def test_list_has_no_n_plus_one(self, dispatcher_api, make_incident, call_taker):
        incident_route(incident_id=make_incident().pk, actor=call_taker)
        with CaptureQueriesContext(connection) as few:
            dispatcher_api.get("/api/v1/assignments/")
        for _i in range(10):
            incident_route(incident_id=make_incident().pk, actor=call_taker)
        with CaptureQueriesContext(connection) as many:
            assert dispatcher_api.get("/api/v1/assignments/").json()["count"] == 11
        assert len(many.captured_queries) == len(few.captured_queries) <= 3
