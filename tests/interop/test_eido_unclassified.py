"""Issue 23: a neighbour's EIDO without an incident type never bounces. NENA's own call-transfer sample (no
incidentComponent at all) is imported as "perlu diklasifikasi", flagged on every console until someone sets the
category; setting it routes as usual. Its civic address reaches `address`, and a civic address that names
Kemendagri regions records the village."""
import copy
import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import Region, TimeZoneName
from incidents.interop.eido import incident_to_eido
from incidents.interop.validate import SCHEMAS
from incidents.models import Assignment, Incident, IncidentCategory, Priority, TimelineEvent
from incidents.services import assignment_accept, incident_create, incident_route
from incidents.services.interop import incident_import_eido
from tests import factories as f

pytestmark = pytest.mark.django_db

SAMPLE = json.loads((SCHEMAS / "eido" / "sample-call-transfer.json").read_text())


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def _civic_document(civic_xml, tracking="urn:emergency:uid:incidentid:K-9:cad.kalteng.example"):
    document = copy.deepcopy(SAMPLE)
    document["$id"] = tracking
    pidf = (
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
        'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:x@example"><dm:device id="d1"><gp:geopriv>'
        '<gp:location-info><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">' + civic_xml
        + '</civicAddress></gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv></dm:device></presence>'
    )
    document["locationComponent"] = [{**document["locationComponent"][0], "locationByValue": pidf}]
    document["callComponent"][0]["locationReference"] = [{"$ref": document["locationComponent"][0]["$id"]}]
    return document


def test_nenas_sample_without_incident_type_is_imported_unclassified(centre, call_taker, fire_category, damkar):
    # given NENA's own call-transfer sample: no incidentComponent, a civic address only (US)
    assert "incidentComponent" not in SAMPLE
    # when our call-taker's CAD receives it
    response = client(call_taker).post("/api/v1/eido/", SAMPLE, format="json")
    # then it is imported, never refused
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=int(response["X-Incident-Id"]))
    assert incident.category.code == IncidentCategory.UNCLASSIFIED and incident.is_unclassified
    assert incident.category.name_id == "Perlu diklasifikasi" and not incident.category.is_active
    assert incident.priority == Priority.URGENT  # P2 until someone knows what it is
    # the civic address elements reach the address (PRD RD STS HNO, A3, A1, country)
    assert incident.address == "W Cellular Street 42, Wilmington, DE, US"
    assert incident.location_source == Incident.LOCATION_TO_CONFIRM
    # the flag travels with every live event and the import says why
    created = TimelineEvent.objects.get(incident=incident, kind="incident.created")
    assert created.payload["incident"]["unclassified"] is True
    imported = TimelineEvent.objects.get(incident=incident, kind="incident.imported")
    assert imported.payload["unclassified"] is True and imported.payload["sender_type"] == ""
    # and the call-taker list (and the API list) flags it
    listed = client(call_taker).get("/api/v1/incidents/").json()["results"]
    assert [(i["id"], i["unclassified"]) for i in listed] == [(incident.pk, True)]
    # the same document again: the same incident (idempotent), no second one
    again = client(call_taker).post("/api/v1/eido/", SAMPLE, format="json")
    assert again.status_code == 200 and int(again["X-Incident-Id"]) == incident.pk
    assert Incident.objects.count() == 1


def test_an_unclassified_incident_proposes_nobody_but_routes_by_hand_and_flags_the_dispatcher(centre, call_taker, fire_category,
                                                                                          damkar, damkar_dispatcher):
    incident, _created = incident_import_eido(document=SAMPLE, actor=call_taker)
    c = client(call_taker)
    # routing to "the proposal" says why there is none, and stores nothing
    refused = c.post(f"/api/v1/incidents/{incident.pk}/route/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "incident_unclassified" and "category" in refused.json()["error"]["fields"]
    assert not Assignment.objects.exists()
    # the call-taker who knows which agency it is routes it by hand: the dispatcher sees the flag
    routed = c.post(f"/api/v1/incidents/{incident.pk}/route/", {"agencies": [damkar.pk]}, format="json")
    assert routed.status_code == 200
    offers = client(damkar_dispatcher).get("/api/v1/assignments/?status=offered&open=1").json()["results"]
    assert [(a["incident"], a["incident_unclassified"]) for a in offers] == [(incident.pk, True)]


def test_setting_the_category_clears_the_flag_and_routes_as_usual(centre, call_taker, fire_category, damkar, damkar_dispatcher):
    incident, _created = incident_import_eido(document=SAMPLE, actor=call_taker)
    Incident.objects.filter(pk=incident.pk).update(priority=Priority.STANDARD)  # as if the sender had sent P3
    c = client(call_taker)
    # the call-taker reads the transfer and sets the category
    response = c.patch(f"/api/v1/incidents/{incident.pk}/", {"category": fire_category.code}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] == "kebakaran" and body["unclassified"] is False
    # the answer proposes the responsible agency at once
    assert [a["id"] for a in body["proposed_agencies"]] == [damkar.pk]
    incident.refresh_from_db()
    assert not incident.is_unclassified
    # priority raised to the category's default (P2), never lowered
    assert incident.priority == Priority.URGENT
    updated = TimelineEvent.objects.get(incident=incident, kind="incident.updated")
    assert updated.payload["changes"]["category"] == {"old": IncidentCategory.UNCLASSIFIED, "new": "kebakaran"}
    assert updated.payload["changes"]["priority"] == {"old": 3, "new": 2}
    assert updated.payload["incident"]["unclassified"] is False
    # and routing by the proposal works as for any incident
    routed = c.post(f"/api/v1/incidents/{incident.pk}/route/", {}, format="json")
    assert routed.status_code == 200 and [a["agency"] for a in routed.json()] == [damkar.pk]
    # setting the same category again writes nothing
    c.patch(f"/api/v1/incidents/{incident.pk}/", {"category": fire_category.code}, format="json")
    assert TimelineEvent.objects.filter(incident=incident, kind="incident.updated").count() == 1


def test_classifying_after_an_agency_accepted_starts_the_service_target_from_the_acceptance(centre, call_taker, fire_category,
                                                                                           damkar, damkar_dispatcher):
    incident, _created = incident_import_eido(document=SAMPLE, actor=call_taker)
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.on_scene_due_at is None  # no category, no target yet
    client(call_taker).patch(f"/api/v1/incidents/{incident.pk}/", {"category": fire_category.code}, format="json")
    incident.refresh_from_db()
    assert incident.on_scene_due_at == incident.accepted_at + timedelta(minutes=fire_category.on_scene_target_min)


def test_nobody_logs_or_reclassifies_an_incident_as_unclassified(centre, call_taker, fire_category, damkar, make_incident):
    incident_import_eido(document=SAMPLE, actor=call_taker)  # the category row exists from here on
    c = client(call_taker)
    new = c.post("/api/v1/incidents/", {
        "category": IncidentCategory.UNCLASSIFIED, "location": {"type": "Point", "coordinates": list(f.PKY)},
        "caller_number": "081234567890",
    }, format="json")
    assert new.status_code == 400 and new.json()["error"]["code"] == "unknown_category"
    fire = make_incident()
    back = c.patch(f"/api/v1/incidents/{fire.pk}/", {"category": IncidentCategory.UNCLASSIFIED}, format="json")
    assert back.status_code == 400 and back.json()["error"]["code"] == "unknown_category"
    fire.refresh_from_db()
    assert fire.category == fire_category
    # and the category pickers never offer it
    codes = [c["code"] for c in client(call_taker).get("/api/v1/categories/").json()]
    assert IncidentCategory.UNCLASSIFIED not in codes


def test_a_type_we_cannot_map_is_unclassified_too_and_the_senders_type_is_kept(centre, call_taker, fire_category, damkar):
    smd_taker = f.call_taker(f.samarinda_centre(), username="ct_smd")
    neighbour, _created = incident_create(actor=smd_taker, category=fire_category.code, location=Point(*f.SMD, srid=4326),
                                          caller_number="081234567890")
    document = incident_to_eido(neighbour)
    document["$id"] = "urn:emergency:uid:incidentid:X-1:cad.other.example"
    document["incidentComponent"]["incidentTypeInternalCode"] = "KLX-77"
    document["incidentComponent"]["incidentTypeInternalText"] = "Kode lokal"
    document["incidentComponent"]["incidentTypeCommonRegistryText"] = "sos"
    incident, created = incident_import_eido(document=document, actor=call_taker, command_centre_id=centre.pk)
    assert created and incident.is_unclassified
    imported = TimelineEvent.objects.get(incident=incident, kind="incident.imported")
    assert imported.payload["sender_type"] == "KLX-77"


def test_a_newer_version_that_carries_a_type_classifies_it_unless_someone_did(centre, call_taker, fire_category, damkar):
    incident, _created = incident_import_eido(document=SAMPLE, actor=call_taker)
    smd_taker = f.call_taker(f.samarinda_centre(), username="ct_smd")
    typed, _c = incident_create(actor=smd_taker, category=fire_category.code, location=Point(*f.SMD, srid=4326),
                                caller_number="081234567890")
    newer = copy.deepcopy(SAMPLE)
    newer["incidentComponent"] = copy.deepcopy(incident_to_eido(typed)["incidentComponent"])
    newer["incidentComponent"]["$id"] = SAMPLE["$id"]
    newer["lastUpdateTimeStamp"] = "2021-04-30T14:50:00.0-04:00"
    incident_import_eido(document=newer, actor=call_taker)
    incident.refresh_from_db()
    assert incident.category == fire_category and not incident.is_unclassified


def _palangka_raya_regions():
    """The Kemendagri names of Palangka Raya: district Pahandut and two of its villages — one also named Pahandut."""
    Region.objects.create(code="62.71.01", level=Region.Level.DISTRICT, name="Pahandut", parent_id="62.71",
                          timezone=TimeZoneName.WIB, centroid=Point(113.925, -2.205, srid=4326))
    Region.objects.create(code="62.71.01.1001", level=Region.Level.VILLAGE, name="Pahandut", parent_id="62.71.01",
                          timezone=TimeZoneName.WIB)
    return Region.objects.create(code="62.71.01.1003", level=Region.Level.VILLAGE, name="Langkai", parent_id="62.71.01",
                                 timezone=TimeZoneName.WIB, centroid=Point(113.915, -2.215, srid=4326))


def test_a_civic_address_naming_a_kemendagri_village_records_it(centre, call_taker, fire_category):
    langkai = _palangka_raya_regions()
    document = _civic_document(
        "<country>ID</country><A1>Kalimantan Tengah</A1><A2>Kota Palangkaraya</A2><A3>Kecamatan Pahandut</A3>"
        "<A4>Kelurahan Langkai</A4><RD>Jl. Tjilik Riwut</RD><HNO>7</HNO>"
    )
    incident, created = incident_import_eido(document=document, actor=call_taker)
    assert created
    assert incident.address == "Jl. Tjilik Riwut 7, Kelurahan Langkai, Kecamatan Pahandut, Kota Palangkaraya, Kalimantan Tengah"
    incident.refresh_from_db()
    assert (incident.village_id, incident.district_id, incident.regency_id) == ("62.71.01.1003", "62.71.01", "62.71")
    # placed at the village's point, to be confirmed
    assert incident.location.equals_exact(langkai.centroid, tolerance=1e-9)
    assert incident.location_source == Incident.LOCATION_TO_CONFIRM


def test_a_village_named_like_its_district_is_told_apart_by_the_hierarchy(centre, call_taker, fire_category):
    _palangka_raya_regions()
    # A3 Pahandut is the district, A4 Pahandut its village of the same name (no geometry: the district places it)
    incident, _created = incident_import_eido(
        document=_civic_document("<A2>Palangkaraya</A2><A3>Pahandut</A3><A4>Pahandut</A4><RD>Jl. Darmosugondo</RD>"),
        actor=call_taker,
    )
    incident.refresh_from_db()
    assert (incident.village_id, incident.district_id) == ("62.71.01.1001", "62.71.01")
    assert (round(incident.location.x, 3), round(incident.location.y, 3)) == (113.925, -2.205)
    # only the district named: no village guessed
    other, _created = incident_import_eido(
        document=_civic_document("<A3>Pahandut</A3><RD>Jl. Darmosugondo</RD>", tracking="urn:emergency:uid:incidentid:K-10:x.example"),
        actor=call_taker,
    )
    other.refresh_from_db()
    assert (other.village_id, other.district_id) == (None, "62.71.01")


def test_the_supervisor_board_flags_it_until_classified(centre, call_taker, fire_category):
    from reporting.board.selectors import board_incident, board_snapshot

    supervisor = f.supervisor(centre, username="sup")
    incident, _created = incident_import_eido(document=SAMPLE, actor=call_taker)
    [row] = board_snapshot(user=supervisor)["incidents"]
    assert (row["id"], row["unclassified"]) == (incident.pk, True)
    assert board_incident(user=supervisor, incident_id=incident.pk)["unclassified"] is True
    client(call_taker).patch(f"/api/v1/incidents/{incident.pk}/", {"category": fire_category.code}, format="json")
    [row] = board_snapshot(user=supervisor)["incidents"]
    assert row["unclassified"] is False and row["category"] == "kebakaran"
