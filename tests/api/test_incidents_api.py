"""Incidents through the API: create (idempotent, validated), list (scoped, filtered, no N+1), detail, correct,
route, close, cancel."""
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Assignment, IdempotencyRecord, Incident, TimelineEvent
from incidents.services import assignment_accept, incident_route
from tests import factories as f
from tests.api.conftest import assert_error, client_for
from tests.api.race import race

pytestmark = pytest.mark.django_db


class TestCreate:
    def test_answers_the_incident_with_proposed_agencies_and_nearest_units(self, api, incident_body, damkar, fire_unit):
        r = api.post("/api/v1/incidents/", {**incident_body, "answers": {"people_trapped": True}}, format="json")
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["reference"] == f"PKY-{Incident.objects.get().year}-000001"
        assert body["status"] == "new" and body["category"] == "kebakaran"
        # a trapped person raises the category's P2 to P1
        assert body["priority"] == 1
        assert body["location"] == {"type": "Point", "coordinates": list(f.PKY)}
        assert body["regency"] == "62.71" and body["outside_service_area"] is False
        assert body["proposed_agencies"] == [
            {"id": damkar.pk, "name": damkar.name, "short_name": "Damkar PKY", "type": "fire", "reason": "region"}
        ]
        [unit] = body["nearest_units"]
        assert unit["id"] == fire_unit.pk and unit["distance_m"] == 0 and unit["eta_min"] == 0

    def test_nearest_units_need_the_categorys_capabilities(self, api, incident_body, damkar):
        f.UnitFactory(agency=damkar, call_sign="AMB-1", capabilities=["medical"])
        assert api.post("/api/v1/incidents/", incident_body, format="json").json()["nearest_units"] == []

    def test_same_idempotency_key_returns_the_first_incident_with_200(self, api, incident_body):
        first = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
        again = api.post("/api/v1/incidents/", {**incident_body, "description": "diketik ulang"}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"] and again.json()["description"] == incident_body["description"]
        assert Incident.objects.count() == 1
        # a different key is a different incident
        assert api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="other").status_code == 201

    def test_without_a_key_each_post_is_a_new_incident(self, api, incident_body):
        api.post("/api/v1/incidents/", incident_body, format="json")
        api.post("/api/v1/incidents/", incident_body, format="json")
        assert Incident.objects.count() == 2

    @pytest.mark.parametrize(
        "change, status, code, field",
        [
            ({"category": "tidak-ada"}, 400, "unknown_category", "category"),
            ({"location": {"type": "Point", "coordinates": [151.21, -33.87]}}, 400, "outside_indonesia", "location"),
            ({"location": None}, 400, "required", "location"),
            ({"location": "__absent__"}, 400, "required", "location"),
            ({"location": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}, 400, "invalid", "location"),
            ({"location": "POINT(113.9 -2.2)"}, 400, "invalid", "location"),
            ({"caller_number": ""}, 400, "required", "caller_number"),
            ({"description": "x" * 4001}, 400, "too_long", "description"),
            ({"address": "x" * 256}, 400, "too_long", "address"),
            ({"priority": 9}, 400, "invalid", "priority"),
            ({"answers": {"unknown_q": 1}}, 400, "unknown_question", "answers"),
            ({"call": 999999}, 400, "call_not_found", "call"),
        ],
    )
    def test_bad_input_is_refused_with_a_field_message_and_nothing_saved(self, api, incident_body, change, status, code, field):
        body = {k: v for k, v in {**incident_body, **change}.items() if v != "__absent__"}
        r = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert_error(r, status, code, field)
        assert Incident.objects.count() == 0 and IdempotencyRecord.objects.count() == 0
        assert not TimelineEvent.objects.filter(kind="incident.created").exists()

    def test_outside_the_service_area_needs_an_explicit_override(self, api, incident_body, smd_centre):
        body = {**incident_body, "location": {"type": "Point", "coordinates": list(f.SMD)}}
        assert_error(api.post("/api/v1/incidents/", body, format="json"), 400, "outside_service_area", "location")
        r = api.post("/api/v1/incidents/", {**body, "allow_outside_service_area": True}, format="json")
        assert r.status_code == 201, r.content
        assert r.json()["outside_service_area"] is True

    def test_dispatchers_cannot_log_incidents(self, dispatcher_api, incident_body):
        assert_error(dispatcher_api.post("/api/v1/incidents/", incident_body, format="json"), 403)

    def test_from_a_call_ends_the_call_as_genuine(self, api, incident_body):
        call_id = api.post("/api/v1/calls/start/", {"caller_number": "0812"}, format="json").json()["id"]
        r = api.post("/api/v1/incidents/", {**incident_body, "call": call_id, "caller_number": ""}, format="json")
        assert r.status_code == 201, r.content
        assert r.json()["caller_number"] == "0812" and r.json()["call_answered_at"]
        # the same call cannot become a second incident
        assert_error(api.post("/api/v1/incidents/", {**incident_body, "call": call_id}, format="json"), 409, "call_already_closed")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_the_same_key_make_one_incident(centre, call_taker, incident_body, damkar):
    # given a double click: the same body and key sent twice at the same moment
    key = str(uuid.uuid4())

    def post():
        return client_for(call_taker).post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    results = race(post, post)

    # then one creates (201), the other answers with the same incident (200)
    assert sorted(r.status_code for r in results) == [200, 201], [getattr(r, "content", r) for r in results]
    assert results[0].json()["id"] == results[1].json()["id"]
    assert Incident.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="incident.created").count() == 1


class TestListAndDetail:
    def test_list_is_scoped_filtered_and_paginated(self, api, smd_api, make_incident, call_taker):
        a = make_incident()
        b = make_incident(priority=1)
        from incidents.services import incident_cancel

        incident_cancel(incident_id=b.pk, actor=call_taker, reason="salah")
        body = api.get("/api/v1/incidents/").json()
        assert body["count"] == 2 and [i["id"] for i in body["results"]] == [b.pk, a.pk]
        assert [i["id"] for i in api.get("/api/v1/incidents/?open=1").json()["results"]] == [a.pk]
        assert [i["id"] for i in api.get("/api/v1/incidents/?open=0").json()["results"]] == [b.pk]
        assert [i["id"] for i in api.get("/api/v1/incidents/?status=cancelled,new").json()["results"]] == [b.pk, a.pk]
        assert [i["id"] for i in api.get("/api/v1/incidents/?priority=1").json()["results"]] == [b.pk]
        assert api.get("/api/v1/incidents/?category=banjir").json()["count"] == 0
        assert api.get("/api/v1/incidents/?since=2999-01-01T00:00:00Z").json()["count"] == 0
        assert api.get("/api/v1/incidents/?limit=1").json()["next"]
        assert_error(api.get("/api/v1/incidents/?status=bogus"), 400, field="status")
        # Samarinda sees none of it
        assert smd_api.get("/api/v1/incidents/").json()["count"] == 0

    def test_list_costs_the_same_queries_for_3_or_30_incidents(self, api, make_incident, django_assert_max_num_queries):
        for _i in range(3):
            make_incident()
        with CaptureQueriesContext(connection) as few:
            api.get("/api/v1/incidents/")
        for _i in range(27):
            make_incident()
        with django_assert_max_num_queries(len(few.captured_queries)):
            r = api.get("/api/v1/incidents/")
        assert r.json()["count"] == 30
        assert len(few.captured_queries) <= 3

    def test_detail_has_assignments_and_the_timeline_tail(self, api, make_incident, call_taker, damkar):
        incident = make_incident()
        incident_route(incident_id=incident.pk, actor=call_taker)
        body = api.get(f"/api/v1/incidents/{incident.pk}/").json()
        assert [a["agency"] for a in body["assignments"]] == [damkar.pk]
        kinds = [e["kind"] for e in body["events"]]
        assert kinds[0] == "incident.created" and "assignment.offered" in kinds
        assert [e["seq"] for e in body["events"]] == sorted(e["seq"] for e in body["events"])

    def test_samarinda_user_gets_404_for_a_palangka_raya_incident(self, smd_api, make_incident):
        incident = make_incident()
        for r in [
            smd_api.get(f"/api/v1/incidents/{incident.pk}/"),
            smd_api.patch(f"/api/v1/incidents/{incident.pk}/", {"description": "x"}, format="json"),
            smd_api.post(f"/api/v1/incidents/{incident.pk}/route/", {}, format="json"),
            smd_api.post(f"/api/v1/incidents/{incident.pk}/close/", {}, format="json"),
            smd_api.post(f"/api/v1/incidents/{incident.pk}/cancel/", {"reason": "x"}, format="json"),
        ]:
            assert_error(r, 404, "incident_not_found")
        assert Incident.objects.get(pk=incident.pk).status == "new"

    def test_a_dispatcher_sees_only_incidents_offered_to_their_agency(self, dispatcher_api, make_incident, call_taker):
        offered, other = make_incident(), make_incident()
        incident_route(incident_id=offered.pk, actor=call_taker)
        assert [i["id"] for i in dispatcher_api.get("/api/v1/incidents/").json()["results"]] == [offered.pk]
        assert dispatcher_api.get(f"/api/v1/incidents/{offered.pk}/").status_code == 200
        assert_error(dispatcher_api.get(f"/api/v1/incidents/{other.pk}/"), 404)
        # seeing is not editing
        assert_error(dispatcher_api.patch(f"/api/v1/incidents/{offered.pk}/", {"description": "x"}, format="json"), 403)


class TestPatch:
    def test_correction_writes_one_event_with_old_and_new(self, api, make_incident):
        incident = make_incident()
        r = api.patch(
            f"/api/v1/incidents/{incident.pk}/",
            {"address": "Jl. Baru 1", "priority": 1, "location": {"type": "Point", "coordinates": [113.93, -2.21]}},
            format="json",
        )
        assert r.status_code == 200, r.content
        assert r.json()["address"] == "Jl. Baru 1" and r.json()["priority"] == 1
        event = TimelineEvent.objects.get(kind="incident.updated")
        assert event.payload["changes"]["priority"] == {"old": 2, "new": 1}

    def test_no_change_writes_nothing(self, api, make_incident):
        incident = make_incident()
        api.patch(f"/api/v1/incidents/{incident.pk}/", {"description": incident.description}, format="json")
        assert not TimelineEvent.objects.filter(kind="incident.updated").exists()

    def test_bad_values_are_field_errors(self, api, make_incident):
        incident = make_incident()
        assert_error(api.patch(f"/api/v1/incidents/{incident.pk}/", {"priority": 7}, format="json"), 400, field="priority")
        assert_error(
            api.patch(f"/api/v1/incidents/{incident.pk}/", {"location": {"type": "Point", "coordinates": [0, 0]}}, format="json"),
            400, "outside_indonesia", "location",
        )


class TestRouteCloseCancel:
    def test_route_with_no_body_offers_the_proposal(self, api, make_incident, damkar):
        incident = make_incident()
        r = api.post(f"/api/v1/incidents/{incident.pk}/route/")
        assert r.status_code == 200, r.content
        [a] = r.json()
        assert a["agency"] == damkar.pk and a["agency_name"] == "Damkar PKY" and a["status"] == "offered" and a["ack_deadline"]
        assert Incident.objects.get(pk=incident.pk).status == "routed"
        # routing again leaves the live assignment as it is
        assert [x["id"] for x in api.post(f"/api/v1/incidents/{incident.pk}/route/").json()] == [a["id"]]

    def test_route_to_named_agencies(self, api, make_incident, damkar, centre):
        police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polresta")
        incident = make_incident()
        r = api.post(f"/api/v1/incidents/{incident.pk}/route/", {"agencies": [police.pk, damkar.pk]}, format="json")
        assert sorted(a["agency"] for a in r.json()) == sorted([police.pk, damkar.pk])

    def test_route_refusals(self, api, make_incident):
        incident = make_incident()
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/route/", {"agencies": [999999]}, format="json"), 400, "unknown_agency", "agencies")
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/route/", {"agencies": []}, format="json"), 400, "required", "agencies")
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/route/", {"agencies": ["x"]}, format="json"), 400, field="agencies")
        assert not Assignment.objects.exists()

    def test_close_with_agencies_working_needs_force_from_a_supervisor(self, api, make_incident, call_taker, damkar_dispatcher, supervisor):
        incident = make_incident()
        [a] = incident_route(incident_id=incident.pk, actor=call_taker)
        assignment_accept(assignment_id=a.pk, actor=damkar_dispatcher)
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/close/", {}, format="json"), 409, "incident_has_live_assignments")
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/close/", {"force": True}, format="json"), 409, "force_close_needs_supervisor")
        r = client_for(supervisor).post(f"/api/v1/incidents/{incident.pk}/close/", {"force": True, "note": "selesai"}, format="json")
        assert r.status_code == 200 and r.json()["status"] == "closed"
        assert Assignment.objects.get(pk=a.pk).status == "cancelled"
        # closing again is a conflict with the current status
        assert assert_error(api.post(f"/api/v1/incidents/{incident.pk}/close/", {}, format="json"), 409)["current_status"] == "closed"

    def test_cancel_needs_a_reason_and_withdraws_assignments(self, api, make_incident, call_taker):
        incident = make_incident()
        [a] = incident_route(incident_id=incident.pk, actor=call_taker)
        assert_error(api.post(f"/api/v1/incidents/{incident.pk}/cancel/", {"reason": ""}, format="json"), 400, "required", "reason")
        r = api.post(f"/api/v1/incidents/{incident.pk}/cancel/", {"reason": "laporan palsu"}, format="json")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert Assignment.objects.get(pk=a.pk).status == "cancelled"



def test_list_limit_is_capped(api, make_incident, monkeypatch):
    from dispatch.api import CappedLimitOffsetPagination

    for _i in range(3):
        make_incident()
    monkeypatch.setattr(CappedLimitOffsetPagination, "max_limit", 2)
    body = api.get("/api/v1/incidents/?limit=100000").json()
    assert body["count"] == 3 and len(body["results"]) == 2


def test_a_volunteer_sees_only_incidents_their_community_was_called_out_to(make_incident, centre):
    from django.utils import timezone

    from agencies.models import User
    from volunteers.models import CallOut

    called, other = make_incident(), make_incident()
    community = f.CommunityFactory(command_centre=centre)
    # No call-out service exists yet in this area: the row stands for one sent by the dispatcher.
    CallOut.objects.create(incident=called, community=community, sent_at=timezone.now())
    volunteer = client_for(f.UserFactory(username="relawan", role=User.Role.VOLUNTEER, command_centre=None, community=community))
    assert [i["id"] for i in volunteer.get("/api/v1/incidents/").json()["results"]] == [called.pk]
    assert volunteer.get(f"/api/v1/incidents/{called.pk}/").status_code == 200
    assert_error(volunteer.get(f"/api/v1/incidents/{other.pk}/"), 404)
