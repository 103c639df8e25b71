"""The whole intake path through the REST API: ring → claim → incident → route → accept → complete → close."""
from incidents.models import Assignment, Call, Incident


def test_ring_claim_create_route_accept_close(api, dispatcher_api, incident_body, fire_unit, damkar, centre):
    # given a ringing call pushed by the PBX
    r = api.post("/api/v1/calls/", {"caller_number": "081234567890", "external_id": "pbx-1", "line": "1"}, format="json")
    assert r.status_code == 201, r.json()
    call_id = r.json()["id"]
    assert r.json()["status"] == "ringing"
    # when the call-taker claims it
    r = api.post(f"/api/v1/calls/{call_id}/claim/")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "active"
    assert r.json()["caller_history"]["number"] == "081234567890"
    # and logs the incident from it
    r = api.post("/api/v1/incidents/", {**incident_body, "call": call_id}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["reference"].startswith("PKY-")
    assert body["status"] == "new"
    assert [a["id"] for a in body["proposed_agencies"]] == [damkar.pk]
    assert body["nearest_units"][0]["call_sign"] == "DMK-01"
    incident_id = body["id"]
    assert Call.objects.get(pk=call_id).incident_id == incident_id
    # then routes it to the proposal
    r = api.post(f"/api/v1/incidents/{incident_id}/route/", {}, format="json")
    assert r.status_code == 200, r.json()
    [assignment] = r.json()
    assert assignment["agency"] == damkar.pk and assignment["status"] == "offered" and assignment["ack_deadline"]
    # the agency accepts and completes
    r = dispatcher_api.post(f"/api/v1/assignments/{assignment['id']}/accept/")
    assert r.status_code == 200, r.json()
    r = dispatcher_api.post(f"/api/v1/assignments/{assignment['id']}/complete/", {"note": "padam"}, format="json")
    assert r.status_code == 200, r.json()
    assert Assignment.objects.get(pk=assignment["id"]).status == "completed"
    # and the centre closes the ticket
    r = api.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "selesai"}, format="json")
    assert r.status_code == 200, r.json()
    assert Incident.objects.get(pk=incident_id).status == "closed"
