"""REST endpoints of the dispatcher area: units list, status, AVL, dispatch, recommendations; concurrent accept."""
import threading
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Unit, UnitPosition
from incidents.models import Assignment, Incident, TimelineEvent
from incidents.services import assignment_accept, incident_route
from tests import factories as f


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.mark.django_db
def test_units_list_is_scoped(engine, damkar_dispatcher, centre, call_taker):
    other = f.AgencyFactory(command_centre=f.samarinda_centre(), type="fire")
    f.UnitFactory(agency=other, call_sign="SMD-01")
    body = client_for(damkar_dispatcher).get("/api/v1/units/").json()
    assert [u["call_sign"] for u in body] == ["PKY-DMK-01"]
    assert body[0]["status"] == "available" and body[0]["position"] == list(f.PKY)
    # the centre's staff see their agencies' units, not Samarinda's
    assert [u["call_sign"] for u in client_for(call_taker).get("/api/v1/units/").json()] == ["PKY-DMK-01"]


@pytest.mark.django_db
def test_dispatch_status_and_409(accepted, engine, damkar_dispatcher):
    c = client_for(damkar_dispatcher)
    r = c.post(f"/api/v1/assignments/{accepted.pk}/dispatch/", {"units": [engine.pk]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()[0]["status"] == "dispatched" and r.json()[0]["dispatch"]["incident"] == accepted.incident_id
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "en_route"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "en_route"
    # skipping to hospital is illegal: 409 in the one error shape, with the unit's current state
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "at_hospital"}, format="json")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "illegal_transition" and err["current_status"] == "en_route" and err["unit"]["id"] == engine.pk
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "on_scene"}, format="json")
    assert Incident.objects.get(pk=accepted.incident_id).status == "on_scene"
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "resolved", "note": "Api padam"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "available"
    assert Assignment.objects.get(pk=accepted.pk).status == "completed"
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "terbang"}, format="json")
    assert r.status_code == 400 and "status" in r.json()["error"]["fields"]


@pytest.mark.django_db
def test_dispatch_on_offered_assignment_is_409(offered, engine, damkar_dispatcher):
    r = client_for(damkar_dispatcher).post(f"/api/v1/assignments/{offered.pk}/dispatch/", {"units": [engine.pk]}, format="json")
    assert r.status_code == 409


@pytest.mark.django_db
def test_avl_position_endpoint(engine, damkar_dispatcher, call_taker):
    c = client_for(damkar_dispatcher)
    at = timezone.now() - timedelta(seconds=3)
    r = c.post(
        f"/api/v1/units/{engine.pk}/position/",
        {"lat": -2.2101, "lon": 113.9302, "accuracy_m": 12.5, "speed_kmh": 38, "heading": 270, "recorded_at": at.isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.content
    pos = UnitPosition.objects.get()
    assert (pos.position.y, pos.position.x, pos.accuracy_m, pos.speed_kmh, pos.heading) == (-2.2101, 113.9302, 12.5, 38, 270)
    engine.refresh_from_db()
    assert engine.position_at == at
    unit = c.get("/api/v1/units/").json()[0]
    assert unit["position"] == [113.9302, -2.2101] and 2 <= unit["position_age_s"] <= 60
    assert TimelineEvent.objects.filter(kind="unit.position").count() == 1
    # bad input: one error shape, nothing stored
    r = c.post(f"/api/v1/units/{engine.pk}/position/", {"lat": 200, "lon": 113}, format="json")
    assert r.status_code == 400 and "lat" in r.json()["error"]["fields"]
    # a call-taker reads units but does not post positions for them
    assert client_for(call_taker).post(f"/api/v1/units/{engine.pk}/position/", {"lat": -2.2, "lon": 113.9}, format="json").status_code == 403
    assert UnitPosition.objects.count() == 1


@pytest.mark.django_db
def test_recommendations_nearest_with_capability(accepted, damkar, damkar_dispatcher):
    near = f.UnitFactory(agency=damkar, call_sign="DEKAT", position=Point(113.925, -2.21, srid=4326))
    far = f.UnitFactory(agency=damkar, call_sign="JAUH", position=Point(113.99, -2.25, srid=4326))
    f.UnitFactory(agency=damkar, call_sign="AMBULANS", capabilities=["medical"], position=Point(113.9214, -2.2097, srid=4326))
    f.UnitFactory(agency=damkar, call_sign="RUSAK", status=Unit.Status.OUT_OF_SERVICE, position=Point(113.9213, -2.2096, srid=4326))
    r = client_for(damkar_dispatcher).get(f"/api/v1/incidents/{accepted.incident_id}/unit-recommendations/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["capabilities"] == ["fire_suppression"]
    assert [u["call_sign"] for u in body["units"]] == ["DEKAT", "JAUH"]
    d = body["units"][0]
    assert 300 < d["distance_m"] < 600 and d["eta_min"] > 0
    assert body["units"][1]["distance_m"] > d["distance_m"]
    body = client_for(damkar_dispatcher).get(f"/api/v1/incidents/{accepted.incident_id}/unit-recommendations/?any=1").json()
    assert [u["call_sign"] for u in body["units"]][0] == "AMBULANS"
    assert {near.pk, far.pk} <= {u["id"] for u in body["units"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_one_wins_other_409(make_incident, call_taker, damkar):
    # given one offer and two dispatchers of the agency pressing Accept at the same moment
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    users = [f.dispatcher(damkar, username=f"d{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def press(user):
        try:
            c = client_for(user)
            barrier.wait(timeout=10)
            r = c.post(f"/api/v1/assignments/{assignment.pk}/accept/")
            results.append((r.status_code, r.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # then exactly one 200; the other a 409 that says it is already accepted
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    loser = next(body for code, body in results if code == 409)
    assert loser["error"]["current_status"] == "accepted"
    assert TimelineEvent.objects.filter(kind="assignment.accepted").count() == 1
