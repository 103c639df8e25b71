"""The call-out API contract: names, refusals (clear 4xx, nothing stored), scoping, and privacy — a volunteer
never receives the caller's number or name (call-out API, incident detail, EIDO, events feed)."""
import json

import pytest
from django.contrib.gis.geos import Point

from agencies.models import User
from incidents.models import TimelineEvent
from incidents.services import call_link_duplicate, call_start, incident_update
from tests import factories as f
from tests.volunteers.conftest import api_for, error_of
from volunteers.models import CallOut, CallOutResponse, Volunteer

pytestmark = pytest.mark.django_db

CALLER_NUMBER = "081377778888"
CALLER_NAME = "Bu Rahasia"


@pytest.fixture
def incident(make_incident):
    return make_incident(caller_number=CALLER_NUMBER, caller_name=CALLER_NAME, address="Jl. Yos Sudarso 12")


def post_callout(client, incident, body):
    return client.post(f"/api/v1/incidents/{incident.pk}/callouts/", body, format="json")


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"skills": ["terbang"], "radius_m": 1000, "needed": 1}, "skills", "unknown_skill"),
        ({"skills": ["first_aid"], "radius_m": 0, "needed": 1}, "radius_m", "out_of_range"),
        ({"skills": ["first_aid"], "radius_m": -5, "needed": 1}, "radius_m", "out_of_range"),
        ({"skills": ["first_aid"], "radius_m": 100_001, "needed": 1}, "radius_m", "out_of_range"),
        ({"skills": ["first_aid"], "radius_m": 1000, "needed": 0}, "needed", "out_of_range"),
        ({"skills": ["first_aid"], "radius_m": 1000, "needed": "dua"}, "needed", "invalid"),
        ({"skills": ["first_aid"], "radius_m": 1000}, "needed", "required"),
        ({"skills": ["first_aid"], "needed": 1}, "radius_m", "required"),
        ({"needed": 1}, "skills", "required"),
        ({"skills": "first_aid", "radius_m": 1000, "needed": 1}, "skills", "required"),
        ({"community": 999999, "needed": 1}, "community", "unknown_community"),
    ],
)
def test_bad_input_is_a_clear_400_and_stores_nothing(call_taker, incident, members, body, field, code):
    error = error_of(post_callout(api_for(call_taker), incident, body), 400)
    assert field in error["fields"], error
    assert code in error["field_codes"][field] or error["code"] == code, error
    assert not CallOut.objects.exists() and not CallOutResponse.objects.exists()
    assert not TimelineEvent.objects.filter(kind__startswith="callout.").exists()


def test_create_answers_the_contract_and_only_centre_staff_may(call_taker, incident, members, community, centre):
    response = post_callout(api_for(call_taker), incident, {"skills": ["first_aid"], "radius_m": 1500, "needed": 2, "note": "bawa tandu"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "status", "needed", "accepted", "recipients"} <= set(body)
    assert (body["status"], body["needed"], body["accepted"], body["recipients"]) == ("sent", 2, 0, 2)
    # a volunteer may not call out; another centre's call-taker does not even see the incident
    error_of(post_callout(api_for(members["ani"].user), incident, {"community": community.pk, "needed": 1}), 403)
    other = f.call_taker(f.samarinda_centre(), username="ct_smd")
    error_of(post_callout(api_for(other), incident, {"community": community.pk, "needed": 1}), 404)


def test_volunteer_list_accept_filled_and_status(call_taker, incident, members):
    callout_id = post_callout(api_for(call_taker), incident, {"skills": ["first_aid"], "radius_m": 1500, "needed": 1}).json()["id"]
    ani, budi = api_for(members["ani"].user), api_for(members["budi"].user)
    [item] = ani.get("/api/v1/callouts/").json()
    assert {"id", "status", "needed", "accepted", "reference", "category", "location", "address", "description"} <= set(item)
    assert item["address"] == "Jl. Yos Sudarso 12" and item["location"]["type"] == "Point"
    assert item["my_response"]["status"] == "pending" and "responses" not in item
    accepted = ani.post(f"/api/v1/callouts/{callout_id}/accept/", {"reply": "20 menit lagi"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted" and accepted.json()["reply"] == "20 menit lagi"
    error = error_of(budi.post(f"/api/v1/callouts/{callout_id}/accept/", {}, format="json"), 409)
    assert error["code"] == "callout_filled" and error["current_status"] == "filled"
    [told] = budi.get("/api/v1/callouts/").json()
    assert told["my_response"]["stood_down_reason"] == "filled" and told["taken"][0]["volunteer_name"] == "Ani"
    moved = ani.post(f"/api/v1/callouts/{callout_id}/status/",
                     {"status": "on_scene", "location": {"type": "Point", "coordinates": [113.92, -2.21]}, "note": "tiba"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "on_scene" and moved.json()["location"]["coordinates"] == [113.92, -2.21]
    error_of(ani.post(f"/api/v1/callouts/{callout_id}/status/", {"status": "flying"}, format="json"), 400)
    # the requester sees every answer, live counts included
    [staff_view] = api_for(call_taker).get(f"/api/v1/callouts/?incident={incident.pk}").json()
    assert staff_view["accepted"] == 1 and {r["volunteer_name"] for r in staff_view["responses"]} == {"Ani", "Budi"}


def test_scoping_volunteer_sees_only_callouts_sent_to_them(call_taker, incident, members, make_member, community, centre):
    callout_id = post_callout(api_for(call_taker), incident, {"skills": ["first_aid"], "radius_m": 1000, "needed": 1}).json()["id"]
    # same community, not alerted (too far): 404 everywhere
    far = make_member("Jauh", metres=20_000)
    # another community of the same centre
    other_comm = f.CommunityFactory(command_centre=centre, name="Komunitas Lain")
    stranger = make_member("Asing", metres=100, comm=other_comm)
    # a Samarinda volunteer
    smd_comm = f.CommunityFactory(command_centre=f.samarinda_centre(), name="Relawan SMD")
    smd = make_member("Samarinda", metres=100, comm=smd_comm)
    for member in (far, stranger, smd):
        client = api_for(member.user)
        assert client.get("/api/v1/callouts/").json() == []
        error_of(client.get(f"/api/v1/callouts/{callout_id}/"), 404)
        error_of(client.post(f"/api/v1/callouts/{callout_id}/accept/", {}, format="json"), 404)
    assert api_for(members["ani"].user).get(f"/api/v1/callouts/{callout_id}/").status_code == 200
    # communities list: the volunteer sees their own; the call-taker the centre's, with members available
    assert [c["id"] for c in api_for(smd.user).get("/api/v1/communities/").json()] == [smd_comm.pk]
    listed = {c["id"]: c for c in api_for(call_taker).get("/api/v1/communities/").json()}
    assert set(listed) == {community.pk, other_comm.pk}
    assert {"id", "name", "kind", "command_centre", "members_available"} <= set(listed[community.pk])
    assert listed[community.pk]["command_centre"] == "pky"
    # Ani, Budi, Citra, Dodi and Jauh are available; none busy yet
    assert listed[community.pk]["members_available"] == 5


def test_volunteer_never_receives_caller_data(call_taker, incident, members, community):
    ani = api_for(members["ani"].user)
    post_callout(api_for(call_taker), incident, {"community": community.pk, "needed": 1})
    # caller data changes after the call-out: a second caller is linked, the name corrected
    call = call_start(actor=call_taker, caller_number="085211112222", caller_name="Penelepon Dua")
    call_link_duplicate(call_id=call.pk, incident_id=incident.pk, actor=call_taker)
    incident_update(incident_id=incident.pk, actor=call_taker, caller_name="Bu Rahasia Sekali", description="Api membesar")
    incident_update(incident_id=incident.pk, actor=call_taker, address="Jl. Yos Sudarso 14")
    secrets = [CALLER_NUMBER, CALLER_NAME, "085211112222", "Penelepon Dua", "Rahasia Sekali", "caller_number", "caller_name"]

    feed = ani.get("/api/v1/events/?after=0")
    assert feed.status_code == 200
    text = feed.content.decode()
    kinds = [e["kind"] for e in feed.json()["results"]] if isinstance(feed.json(), dict) else [e["kind"] for e in feed.json()]
    assert "callout.sent" in kinds and "incident.updated" in kinds  # the address change still reaches them
    for secret in secrets:
        assert secret not in text, secret
    for path in ("/api/v1/callouts/", f"/api/v1/incidents/{incident.pk}/"):
        body = ani.get(path).content.decode()
        for secret in secrets[:5]:
            assert secret not in body, (path, secret)
    error_of(ani.get(f"/api/v1/incidents/{incident.pk}/eido/"), 404)
    # the centre still sees everything
    staff = api_for(call_taker).get("/api/v1/events/?after=0").content.decode()
    assert "085211112222" in staff and "Rahasia Sekali" in staff
    # and the audience stored with those events has no community
    for kind in ("incident.duplicate_linked",):
        assert TimelineEvent.objects.get(kind=kind).community_ids == []


def test_sms_webhook_authenticates_like_aml_and_is_idempotent(call_taker, incident, members, settings, client):
    settings.VOLUNTEER_SMS_SECRET = "rahasia-gateway"
    callout_id = post_callout(api_for(call_taker), incident, {"skills": ["first_aid"], "radius_m": 1000, "needed": 1}).json()["id"]
    url = "/api/v1/callouts/sms/"
    # the number on file is written with spaces; the gateway sends it international
    Volunteer.objects.filter(pk=members["budi"].pk).update(phone="0812 7777 1234")
    body = {"message_id": "gw-1", "from": "+6281277771234", "body": "YA 15 menit"}
    assert client.post(url, body, content_type="application/json").status_code in (401, 403)
    assert client.post(url, body, content_type="application/json", HTTP_X_SMS_SECRET="salah").status_code in (401, 403)
    # a supervisor's token is not the gateway
    supervisor = f.supervisor(call_taker.command_centre, username="spv_sms")
    assert api_for(supervisor).post(url, body, format="json").status_code in (401, 403)
    first = client.post(url, body, content_type="application/json", HTTP_X_SMS_SECRET="rahasia-gateway")
    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False, "outcome": "accepted"}
    response = CallOutResponse.objects.get(callout_id=callout_id, volunteer=members["budi"])
    assert (response.status, response.channel, response.reply) == ("accepted", "sms", "15 menit")
    again = client.post(url, body, content_type="application/json", HTTP_X_SMS_SECRET="rahasia-gateway")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert TimelineEvent.objects.filter(kind="callout.accepted").count() == 1
    # Ani answers 2 after it filled: refused as filled (stored, acknowledged)
    late = client.post(url, {"message_id": "gw-2", "from": members["ani"].phone, "body": "2"}, content_type="application/json",
                       HTTP_X_SMS_SECRET="rahasia-gateway")
    assert late.status_code == 200 and late.json()["outcome"] in ("no_open_callout", "response_not_pending")
    unknown = client.post(url, {"message_id": "gw-3", "from": "0899000111", "body": "1"}, content_type="application/json",
                          HTTP_X_SMS_SECRET="rahasia-gateway")
    assert unknown.json()["outcome"] == "unknown_sender"
    error_of(client.post(url, {"from": "0899000111", "body": "1"}, content_type="application/json", HTTP_X_SMS_SECRET="rahasia-gateway"), 400)


def test_callout_lists_do_not_grow_queries_with_rows(call_taker, make_incident, members, django_assert_max_num_queries):
    # given 6 call-outs on 6 incidents, each alerting 3 members
    for _ in range(6):
        post_callout(api_for(call_taker), make_incident(), {"skills": ["first_aid"], "radius_m": 5000, "needed": 1})
    staff, ani = api_for(call_taker), api_for(members["ani"].user)
    # then the staff list and a volunteer's list each take a fixed number of queries (prefetched answers)
    with django_assert_max_num_queries(8):
        assert len(staff.get("/api/v1/callouts/").json()) == 6
    with django_assert_max_num_queries(8):
        assert len(ani.get("/api/v1/callouts/").json()) == 6
