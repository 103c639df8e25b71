"""The caller's fixes (issue 24): validation, a fix never moves the incident by itself, adopting it does."""
import math

import pytest
from django.contrib.gis.geos import Point

from incidents.models import CallerPosition, Incident, TimelineEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

NEAR = {"lat": -2.2150, "lon": 113.9260, "accuracy_m": 7.5, "heading": 90, "speed": 1.2}


def _post(anon, token, body):
    return anon.post(f"/api/v1/caller-links/{token}/positions/", body, format="json")


@pytest.mark.parametrize("body, field", [
    ({"lat": 91, "lon": 113.9, "accuracy_m": 5}, "lat"),
    ({"lat": -2.2, "lon": -181, "accuracy_m": 5}, "lon"),
    ({"lat": -2.2, "lon": 113.9, "accuracy_m": -1}, "accuracy_m"),
    ({"lat": "NaN", "lon": 113.9, "accuracy_m": 5}, "lat"),
    ({"lat": -2.2, "lon": "Infinity", "accuracy_m": 5}, "lon"),
    ({"lat": -2.2, "lon": 113.9, "accuracy_m": "1e999"}, "accuracy_m"),
    ({"lat": True, "lon": 113.9, "accuracy_m": 5}, "lat"),
    ({"lat": "utara", "lon": 113.9, "accuracy_m": 5}, "lat"),
    ({"lon": 113.9, "accuracy_m": 5}, "lat"),
    ({"lat": -2.2, "lon": 113.9}, "accuracy_m"),
    ({"lat": -2.2, "lon": 113.9, "accuracy_m": 5, "heading": 400}, "heading"),
    ({"lat": -2.2, "lon": 113.9, "accuracy_m": 5, "speed": -3}, "speed"),
])
def test_bad_fixes_are_400_in_the_one_shape_and_store_nothing(anon, sent_link, body, field):
    _link, token = sent_link
    response = _post(anon, token, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] and error["message"] and field in error["fields"]
    assert CallerPosition.objects.count() == 0


def test_a_fix_does_not_move_the_incident_until_adopted(api, anon, incident, sent_link):
    _link, token = sent_link
    before = (incident.location.x, incident.location.y, incident.location_accuracy_m, incident.location_source)
    # when the caller's phone sends a fix
    response = _post(anon, token, NEAR)
    assert response.status_code == 201 and set(response.json()) == {"id", "received_at"}
    # then it is on the timeline (staff only) and in the list, newest first…
    event = TimelineEvent.objects.get(kind="caller.position")
    fix = event.payload["caller_position"]
    assert (fix["lat"], fix["lon"], fix["accuracy_m"]) == (NEAR["lat"], NEAR["lon"], NEAR["accuracy_m"])
    assert event.community_ids == [] and event.centre_ids == [incident.command_centre_id]
    _post(anon, token, {**NEAR, "accuracy_m": 4})
    listed = api.get(f"/api/v1/incidents/{incident.pk}/caller-positions/").json()
    assert [p["accuracy_m"] for p in listed] == [4, 7.5]
    assert {"id", "lat", "lon", "accuracy_m", "received_at"} <= set(listed[0])
    # …and the incident has not moved
    incident.refresh_from_db()
    assert (incident.location.x, incident.location.y, incident.location_accuracy_m, incident.location_source) == before
    assert not TimelineEvent.objects.filter(kind="incident.updated").exists()

    # when the call-taker adopts the second fix
    adopted = api.post(f"/api/v1/incidents/{incident.pk}/caller-positions/{listed[0]['id']}/adopt/", {}, format="json")
    assert adopted.status_code == 200
    body = adopted.json()
    # then the incident moved, with accuracy and source, in one incident.updated event
    incident.refresh_from_db()
    assert math.isclose(incident.location.y, NEAR["lat"]) and math.isclose(incident.location.x, NEAR["lon"])
    assert incident.location_accuracy_m == 4 and incident.location_source == "caller_link"
    [update] = TimelineEvent.objects.filter(kind="incident.updated")
    assert set(update.payload["changes"]) == {"location", "location_accuracy_m", "location_source"}
    assert update.payload["adopted_position"] == listed[0]["id"]
    assert body["location_source"] == "caller_link" and "nearest_units" in body and "duplicates" in body
    assert CallerPosition.objects.get(pk=listed[0]["id"]).adopted_at is not None
    # adopting the same fix again changes nothing
    api.post(f"/api/v1/incidents/{incident.pk}/caller-positions/{listed[0]['id']}/adopt/", {}, format="json")
    assert TimelineEvent.objects.filter(kind="incident.updated").count() == 1


def test_adopt_recomputes_the_nearest_units(api, anon, incident, sent_link, damkar):
    _link, token = sent_link
    f.UnitFactory(agency=damkar, call_sign="NEAR-1", position=Point(113.9262, -2.2151, srid=4326))
    f.UnitFactory(agency=damkar, call_sign="FAR-1", position=Point(113.80, -2.10, srid=4326))
    pid = _post(anon, token, NEAR).json()["id"]
    body = api.post(f"/api/v1/incidents/{incident.pk}/caller-positions/{pid}/adopt/", {}, format="json").json()
    assert body["nearest_units"][0]["call_sign"] == "NEAR-1"
    assert body["nearest_units"][0]["distance_m"] < 100


def test_adopt_refuses_what_is_not_this_incidents_fix(api, anon, sent_link, make_incident, incident):
    _link, token = sent_link
    pid = _post(anon, token, NEAR).json()["id"]
    other = make_incident(caller_number="081200000009")
    assert api.post(f"/api/v1/incidents/{other.pk}/caller-positions/{pid}/adopt/", {}, format="json").status_code == 404
    # a fix outside Indonesia is kept, but cannot become the incident's place
    far = _post(anon, token, {"lat": 1.35, "lon": 103.82, "accuracy_m": 5}).json()["id"]
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-positions/{far}/adopt/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "outside_indonesia"


def test_adopt_on_a_closed_incident_is_refused(api, anon, sent_link, incident, call_taker):
    from incidents.services import incident_close

    _link, token = sent_link
    pid = _post(anon, token, NEAR).json()["id"]
    incident_close(incident_id=incident.pk, actor=call_taker)
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-positions/{pid}/adopt/", {}, format="json")
    assert response.status_code == 409
    assert Incident.objects.get(pk=incident.pk).location_source != "caller_link"


def test_one_fix_a_second_is_allowed_and_a_flood_is_throttled(anon, sent_link):
    _link, token = sent_link
    # a phone sending a fix every second for a minute and a half: every one accepted (the rate is per minute)
    answers = [_post(anon, token, {**NEAR, "accuracy_m": 5 + i % 7}).status_code for i in range(90)]
    assert answers == [201] * 90
    # a flood beyond two a second is refused, per token, in the one error shape with Retry-After
    statuses = [_post(anon, token, NEAR) for _ in range(40)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused and refused[0].json()["error"]["code"] == "throttled" and refused[0].has_header("Retry-After")
    assert CallerPosition.objects.count() == 120


def test_the_throttle_is_per_address_too(anon, api, make_incident, settings):
    from incidents.api import caller_public

    settings_rate = caller_public.PositionAddressThrottle.rate
    caller_public.PositionAddressThrottle.rate = "5/min"
    try:
        tokens = []
        for n in range(3):
            incident = make_incident(caller_number=f"08120000010{n}")
            url = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json").json()["url"]
            tokens.append(url.rsplit("/c/", 1)[1])
        codes = [_post(anon, tokens[i % 3], NEAR).status_code for i in range(8)]
        assert codes[:5] == [201] * 5 and set(codes[5:]) == {429}
    finally:
        caller_public.PositionAddressThrottle.rate = settings_rate


def test_answers_reveal_nothing_about_the_incident(anon, sent_link, incident):
    _link, token = sent_link
    body = _post(anon, token, NEAR).content.decode()
    messages = anon.get(f"/api/v1/caller-links/{token}/messages/").content.decode()
    for secret in (incident.reference, incident.description, incident.caller_number, incident.category.name_id):
        assert secret not in body and secret not in messages
