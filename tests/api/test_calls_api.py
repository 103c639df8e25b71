"""Calls through the API: PBX ringing (idempotent), the atomic claim, one-key closing, caller history, duplicates."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import User
from incidents.models import Call, TimelineEvent
from incidents.services import call_close, call_start
from tests import factories as f
from tests.api.conftest import assert_error, client_for
from tests.api.race import race

# the PBX's start is at most a day old (issue 28): a minute ago, written as the PBX writes it
RING = {"caller_number": "081311112222", "external_id": "ast-1700000000.42", "line": "SIP/trunk-1",
        "started_at": (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.mark.django_db
class TestRinging:
    def test_first_post_creates_a_ringing_call_and_pops_it_up_on_the_centre(self, api, centre):
        r = api.post("/api/v1/calls/", RING, format="json")
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["status"] == "ringing" and body["caller_number"] == "081311112222" and body["command_centre"] == "pky"
        event = TimelineEvent.objects.get(kind="call.ringing")
        assert event.centre_ids == [centre.pk] and event.payload["call"]["id"] == body["id"]

    def test_repeat_of_the_same_external_id_returns_the_same_call_with_200(self, api):
        first = api.post("/api/v1/calls/", RING, format="json").json()
        r = api.post("/api/v1/calls/", RING, format="json")
        assert r.status_code == 200
        assert r.json()["id"] == first["id"]
        assert Call.objects.count() == 1
        assert TimelineEvent.objects.filter(kind="call.ringing").count() == 1

    def test_admin_integration_account_names_the_centre(self, centre):
        admin = f.UserFactory(username="pbx", role=User.Role.ADMIN, command_centre=None)
        client = client_for(admin)
        assert_error(client.post("/api/v1/calls/", RING, format="json"), 400, "required", "command_centre")
        assert_error(client.post("/api/v1/calls/", {**RING, "command_centre": "nope"}, format="json"), 400, "unknown_centre")
        r = client.post("/api/v1/calls/", {**RING, "command_centre": "pky"}, format="json")
        assert r.status_code == 201 and r.json()["command_centre"] == "pky"

    def test_staff_of_another_centre_cannot_ring_into_this_one(self, smd_api, centre):
        assert_error(smd_api.post("/api/v1/calls/", {**RING, "command_centre": "pky"}, format="json"), 400, "unknown_centre")

    def test_a_dispatcher_is_not_a_pbx_account(self, dispatcher_api):
        assert_error(dispatcher_api.post("/api/v1/calls/", {**RING, "command_centre": "pky"}, format="json"), 403)

    def test_external_id_is_required_and_number_validated(self, api):
        assert_error(api.post("/api/v1/calls/", {"caller_number": "0812"}, format="json"), 400, "invalid", "external_id")
        assert_error(api.post("/api/v1/calls/", {**RING, "caller_number": "abc"}, format="json"), 400, "invalid_phone", "caller_number")

    def test_ringing_list_shows_the_centres_waiting_calls_only(self, api, smd_api):
        api.post("/api/v1/calls/", RING, format="json")
        assert [c["status"] for c in api.get("/api/v1/calls/?status=ringing").json()] == ["ringing"]
        assert smd_api.get("/api/v1/calls/?status=ringing").json() == []


@pytest.mark.django_db(transaction=True)
def test_two_call_takers_claiming_at_once_exactly_one_gets_the_call(centre):
    # given a ringing call and two idle call-takers of the centre
    a, b = f.call_taker(centre, username="ct_a"), f.call_taker(centre, username="ct_b")
    call_id = client_for(a).post("/api/v1/calls/", RING, format="json").json()["id"]

    # when both claim it at the same moment
    results = race(
        lambda: client_for(a).post(f"/api/v1/calls/{call_id}/claim/"),
        lambda: client_for(b).post(f"/api/v1/calls/{call_id}/claim/"),
    )

    # then one gets 200 with the caller's history, the other a 409
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409], [r.content for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 409)
    assert_error(loser, 409, "call_already_claimed")
    assert winner["caller_history"]["number"] == RING["caller_number"]
    call = Call.objects.get(pk=call_id)
    assert call.status == "active" and call.call_taker_id == winner["call_taker"]
    assert TimelineEvent.objects.filter(kind="call.answered").count() == 1


@pytest.mark.django_db
class TestAnswerAndClose:
    def test_start_answers_a_typed_call_with_the_number_history(self, api, call_taker):
        old = call_start(actor=call_taker, caller_number="0811000111")
        call_close(call_id=old.pk, actor=call_taker, disposition="prank")
        r = api.post("/api/v1/calls/start/", {"caller_number": "0811000111"}, format="json")
        assert r.status_code == 201, r.content
        assert r.json()["status"] == "active"
        assert r.json()["caller_history"]["prank_count"] == 1

    def test_close_as_prank_in_one_request(self, api):
        call_id = api.post("/api/v1/calls/start/", {"caller_number": "0811000111"}, format="json").json()["id"]
        r = api.post(f"/api/v1/calls/{call_id}/close/", {"disposition": "prank"}, format="json")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "ended" and r.json()["disposition"] == "prank"
        # closing twice is a conflict carrying the current status
        error = assert_error(api.post(f"/api/v1/calls/{call_id}/close/", {"disposition": "ghost"}, format="json"), 409)
        assert error["current_status"] == "ended"

    def test_genuine_is_not_a_one_key_disposition(self, api):
        call_id = api.post("/api/v1/calls/start/", {}, format="json").json()["id"]
        assert_error(api.post(f"/api/v1/calls/{call_id}/close/", {"disposition": "genuine"}, format="json"), 400, field="disposition")

    def test_a_dispatcher_cannot_answer_calls(self, dispatcher_api):
        assert_error(dispatcher_api.post("/api/v1/calls/start/", {}, format="json"), 403)

    def test_another_centres_call_is_not_found(self, api, smd_api):
        call_id = api.post("/api/v1/calls/start/", {}, format="json").json()["id"]
        assert_error(smd_api.post(f"/api/v1/calls/{call_id}/close/", {"disposition": "ghost"}, format="json"), 404, "call_not_found")
        assert_error(smd_api.post(f"/api/v1/calls/{call_id}/claim/"), 404, "call_not_found")

    def test_end_hangs_up_once(self, api):
        call_id = api.post("/api/v1/calls/start/", {}, format="json").json()["id"]
        assert api.post(f"/api/v1/calls/{call_id}/end/").json()["status"] == "ended"
        assert api.post(f"/api/v1/calls/{call_id}/end/").status_code == 200
        assert TimelineEvent.objects.filter(kind="call.closed").count() == 1


@pytest.mark.django_db
class TestLinkDuplicate:
    def test_link_counts_another_caller_on_the_open_incident(self, api, make_incident):
        incident = make_incident()
        call_id = api.post("/api/v1/calls/start/", {"caller_number": "0899"}, format="json").json()["id"]
        r = api.post(f"/api/v1/calls/{call_id}/link/", {"incident": incident.pk}, format="json")
        assert r.status_code == 200, r.content
        assert r.json()["incident"]["caller_count"] == 2
        assert r.json()["call"]["disposition"] == "duplicate" and r.json()["call"]["incident"] == incident.pk

    def test_link_to_another_centres_incident_is_not_found(self, smd_api, make_incident):
        incident = make_incident()
        call_id = smd_api.post("/api/v1/calls/start/", {}, format="json").json()["id"]
        assert_error(smd_api.post(f"/api/v1/calls/{call_id}/link/", {"incident": incident.pk}, format="json"), 404)

    def test_link_to_a_closed_incident_is_a_conflict(self, api, make_incident, call_taker):
        from incidents.services import incident_cancel

        incident = make_incident()
        incident_cancel(incident_id=incident.pk, actor=call_taker, reason="salah input")
        call_id = api.post("/api/v1/calls/start/", {}, format="json").json()["id"]
        assert_error(api.post(f"/api/v1/calls/{call_id}/link/", {"incident": incident.pk}, format="json"), 409, "incident_closed")


@pytest.mark.django_db
class TestCallerHistory:
    def test_counts_by_disposition_last_calls_and_incidents(self, api, call_taker, make_incident):
        number = "081222333444"
        for disposition in ["prank", "prank", "ghost"]:
            call = call_start(actor=call_taker, caller_number=number)
            call_close(call_id=call.pk, actor=call_taker, disposition=disposition)
        open_incident = make_incident(caller_number=number)
        r = api.get(f"/api/v1/callers/{number}/history/")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["prank_count"] == 2
        assert body["by_disposition"] == {"prank": 2, "ghost": 1}
        assert body["total_calls"] == 3 and len(body["last_calls"]) == 3
        assert [i["reference"] for i in body["open_incidents"]] == [open_incident.reference]
        assert body["past_incidents"] == []

    def test_calls_older_than_the_window_are_not_counted(self, api, call_taker):
        from datetime import timedelta

        from django.utils import timezone

        call = call_start(actor=call_taker, caller_number="0811")
        call_close(call_id=call.pk, actor=call_taker, disposition="prank")
        Call.objects.filter(pk=call.pk).update(answered_at=timezone.now() - timedelta(days=40))
        assert api.get("/api/v1/callers/0811/history/").json()["prank_count"] == 0
        assert api.get("/api/v1/callers/0811/history/?days=60").json()["prank_count"] == 1

    def test_another_centre_does_not_see_the_number_history(self, smd_api, call_taker, make_incident):
        call = call_start(actor=call_taker, caller_number="0811")
        call_close(call_id=call.pk, actor=call_taker, disposition="prank")
        make_incident(caller_number="0811")
        body = smd_api.get("/api/v1/callers/0811/history/").json()
        assert body["total_calls"] == 0 and body["open_incidents"] == [] and body["last_calls"] == []

    def test_dispatchers_have_no_caller_history(self, dispatcher_api):
        assert_error(dispatcher_api.get("/api/v1/callers/0811/history/"), 404)

    def test_history_is_a_fixed_number_of_queries(self, api, call_taker):
        for _i in range(8):
            call = call_start(actor=call_taker, caller_number="0811")
            call_close(call_id=call.pk, actor=call_taker, disposition="prank")
        with CaptureQueriesContext(connection) as ctx:
            api.get("/api/v1/callers/0811/history/")
        assert len(ctx.captured_queries) <= 4, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_the_pbx_retrying_the_same_ring_at_once_makes_one_call(centre):
    pbx = f.call_taker(centre, username="pbx_pky")
    results = race(
        lambda: client_for(pbx).post("/api/v1/calls/", RING, format="json"),
        lambda: client_for(pbx).post("/api/v1/calls/", RING, format="json"),
    )
    assert sorted(r.status_code for r in results) == [200, 201], [r.content for r in results]
    assert results[0].json()["id"] == results[1].json()["id"]
    assert Call.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="call.ringing").count() == 1
