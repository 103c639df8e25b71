"""NENA-STA-021 EIDO: export validates against the official schema, import round-trips between centres,
repeats are deduplicated, invalid documents are refused with their violations and leave nothing behind."""
import copy
import json
import re
from datetime import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.interop.eido import incident_to_eido, own_tracking_id
from incidents.interop.validate import SCHEMAS, validate_eido
from incidents.models import Incident, TimelineEvent
from incidents.services import (
    assignment_accept,
    assignment_complete,
    call_start,
    incident_close,
    incident_create,
    incident_route,
    unit_dispatch,
)
from incidents.services.interop import call_attach_device_location, incident_import_eido
from tests import factories as f

RFC3339_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def _timestamps(node, path="$"):
    """Every value of a key the schema declares as date-time, with its JSON path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("lastUpdateTimeStamp", "callStartTimestamp", "answerDate", "eta", "startTimestamp") and isinstance(value, str):
                yield f"{path}.{key}", value
            else:
                yield from _timestamps(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _timestamps(item, f"{path}[{i}]")


def assert_valid_eido(document):
    assert validate_eido(document) == []
    # The official check does not test formats: timestamps must be RFC 3339 with an explicit offset.
    stamps = list(_timestamps(document))
    assert stamps
    for path, value in stamps:
        assert RFC3339_OFFSET.match(value), (path, value)
        assert datetime.fromisoformat(value).utcoffset() is not None
    # Every reference points at a component present in the document.
    ids = set(_ids(document))
    for path, ref in _refs(document):
        assert ref in ids, (path, ref)


def _ids(node):
    if isinstance(node, dict):
        if "$id" in node:
            yield node["$id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _ids(item)


def _refs(node, path="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield path, value
            else:
                yield from _refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _refs(item, f"{path}[{i}]")


def test_project_copy_of_schema_accepts_nenas_sample_and_rejects_a_broken_one():
    sample = json.loads((SCHEMAS / "eido" / "sample-call-transfer.json").read_text())
    assert validate_eido(sample) == []
    broken = copy.deepcopy(sample)
    del broken["eidoVersion"]
    broken["agentComponent"][0]["agentRoleRegistryText"] = []
    errors = validate_eido(broken)
    assert any("eidoVersion" in e for e in errors)
    assert any("agentRoleRegistryText" in e for e in errors)


@pytest.mark.django_db
def test_eido_of_a_new_incident_validates_and_carries_the_incident(make_incident):
    # given a new incident logged by a Palangka Raya call-taker (WIB)
    incident = make_incident(caller_name="Budi Santoso", address="Jl. Tjilik Riwut Km 2", location_accuracy_m=25, priority=1)
    # when it is exported
    document = incident_to_eido(incident)
    # then it conforms and says what happened, where, and who called
    assert_valid_eido(document)
    assert document["$id"] == f"urn:emergency:uid:incidentid:{incident.reference}:pky.dispatch112.local"
    component = document["incidentComponent"]
    assert component["incidentTypeInternalCode"] == "kebakaran"
    assert component["incidentTypeCommonRegistryText"] == "sos.fire"
    assert component["incidentCommonPriorityNumber"] == 1
    assert component["incidentStatusInternalText"] == ["new"]
    assert document["lastUpdateTimeStamp"].endswith("+07:00")  # Palangka Raya is WIB
    assert "Jl. Tjilik Riwut Km 2" in document["locationComponent"][0]["locationByValue"]
    assert "-2.209600 113.921300" in document["locationComponent"][0]["locationByValue"]
    assert document["callbackComponent"][0]["callBackInformationUri"] == ["tel:081234567890;phone-context=+62"]
    assert "Budi Santoso" in document["additionalDataComponent"][0]["additionalDataByValue"]


@pytest.mark.django_db
def test_eido_of_routed_dispatched_and_closed_incidents_validate(make_incident, damkar, damkar_dispatcher, call_taker, centre):
    # given an incident that came from a call with the handset's AML location
    call = call_start(actor=call_taker, caller_number="081234567890")
    call_attach_device_location(call_id=call.pk, point=Point(113.9215, -2.2097, srid=4326), accuracy_m=12, located_at=timezone.now())
    incident = make_incident(call_id=call.pk, caller_number="")
    # routed to Damkar: one offered assignment
    incident_route(incident_id=incident.pk, actor=call_taker)
    routed = incident_to_eido(Incident.objects.get(pk=incident.pk))
    assert_valid_eido(routed)
    assert [a["agencyType"] for a in routed["agencyComponent"]] == [["psap"], ["fire"]]
    assert len(routed["dispatchComponent"]) == 1
    assert routed["callComponent"][0]["callStateRegistryText"] == "callEnd"
    assert any(loc["locationTypeDescriptionRegistryText"] == "Caller" for loc in routed["locationComponent"])

    # accepted, a unit sent
    assignment = incident.assignments.get()
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    unit = f.UnitFactory(agency=damkar, call_sign="DMK-01")
    unit_dispatch(assignment_id=assignment.pk, unit_ids=[unit.pk], actor=damkar_dispatcher)
    dispatched = incident_to_eido(Incident.objects.get(pk=incident.pk))
    assert_valid_eido(dispatched)
    assert dispatched["emergencyResourceComponent"][0]["emergencyResourceName"] == "DMK-01"
    assert dispatched["dispatchComponent"][0]["emergencyResourceReference"]

    # completed and closed: a disposition appears
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher, note="Api padam")
    incident_close(incident_id=incident.pk, actor=call_taker)
    closed = incident_to_eido(Incident.objects.get(pk=incident.pk))
    assert_valid_eido(closed)
    assert closed["incidentComponent"]["incidentStatusInternalText"] == ["closed"]
    assert closed["incidentComponent"]["dispositionComponent"][0]["dispositionCommonRegistryCode"] == "Closed"


@pytest.mark.django_db
def test_eido_endpoint_is_scoped(api, make_incident, smd_call_taker):
    incident = make_incident()
    own = api(incident.created_by).get(f"/api/v1/incidents/{incident.pk}/eido/")
    assert own.status_code == 200
    assert_valid_eido(own.json())
    # another centre's call-taker cannot read it
    assert api(smd_call_taker).get(f"/api/v1/incidents/{incident.pk}/eido/").status_code == 404
    assert api().get(f"/api/v1/incidents/{incident.pk}/eido/").status_code in (401, 403)


def _border_incident(smd_call_taker, psr_point):
    """A Samarinda caller reports a fire across the border in Paser: Samarinda logs it and hands it over."""
    f.CategoryFactory()
    incident, _ = incident_create(
        actor=smd_call_taker,
        category="kebakaran",
        priority=1,
        location=psr_point,
        location_accuracy_m=40,
        address="Jl. Jenderal Sudirman No. 12, Tanah Grogot",
        description="Gudang kayu terbakar <besar>, asap hitam & api tinggi.\nDua orang terjebak.",
        caller_number="+6281350001111",
        caller_name="Siti Aminah",
        allow_outside_service_area=True,
    )
    return incident


SAME_DATA = ("category_id", "priority", "address", "description", "caller_number", "caller_name", "location_accuracy_m", "regency_id")


@pytest.mark.django_db
def test_round_trip_samarinda_to_paser(api, smd_call_taker, psr_call_taker, psr_point):
    # given Samarinda's incident, exported as EIDO
    original = _border_incident(smd_call_taker, psr_point)
    exported = api(smd_call_taker).get(f"/api/v1/incidents/{original.pk}/eido/")
    assert exported.status_code == 200
    document = exported.json()
    assert_valid_eido(document)
    assert document["lastUpdateTimeStamp"].endswith("+08:00")  # WITA

    # when Paser imports it
    response = api(psr_call_taker).post("/api/v1/eido/", document, format="json")

    # then Paser holds an incident of its own with the same data
    assert response.status_code == 201, response.content
    imported = Incident.objects.get(pk=int(response["X-Incident-Id"]))
    assert imported.command_centre.code == "psr"
    assert imported.reference.startswith("PSR-")
    for field in SAME_DATA:
        assert getattr(imported, field) == getattr(original, field), field
    assert imported.location.distance(original.location) < 1e-6
    assert imported.external_tracking_id == own_tracking_id(original)
    assert imported.outside_service_area is False  # the fire is in Paser's own area
    # the answer is the imported incident as EIDO, keeping the one tracking id across agencies
    assert_valid_eido(response.json())
    assert response.json()["$id"] == document["$id"]
    # and Paser's timeline says where it came from
    event = TimelineEvent.objects.get(incident=imported, kind="incident.imported")
    assert event.payload["tracking_id"] == document["$id"]
    assert event.payload["sender"] == "smd.dispatch112.local"
    assert event.payload["sender_reference"] == original.reference
    assert event.centre_ids == [imported.command_centre_id]


@pytest.mark.django_db
def test_same_eido_twice_gives_one_incident(api, smd_call_taker, psr_call_taker, psr_point):
    document = incident_to_eido(_border_incident(smd_call_taker, psr_point))
    first = api(psr_call_taker).post("/api/v1/eido/", document, format="json")
    events_after_first = TimelineEvent.objects.count()
    second = api(psr_call_taker).post("/api/v1/eido/", document, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first["X-Incident-Id"] == second["X-Incident-Id"]
    assert Incident.objects.filter(command_centre__code="psr").count() == 1
    assert TimelineEvent.objects.count() == events_after_first  # a repeat writes nothing


@pytest.mark.django_db
def test_own_incident_coming_back_is_not_duplicated(smd_call_taker, psr_point):
    original = _border_incident(smd_call_taker, psr_point)
    incident, created = incident_import_eido(document=incident_to_eido(original), actor=smd_call_taker)
    assert (incident.pk, created) == (original.pk, False)
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_invalid_eido_is_refused_with_violations_and_nothing_stored(api, psr_call_taker, smd_call_taker, psr_point):
    document = incident_to_eido(_border_incident(smd_call_taker, psr_point))
    document["$id"] = "urn:emergency:uid:incidentid:OTHER-1:elsewhere.example"
    del document["eidoVersion"]
    document["incidentComponent"]["incidentCommonPriorityNumber"] = "tinggi"
    document["agencyComponent"][0]["agencyType"] = "psap"
    incidents_before, events_before = Incident.objects.count(), TimelineEvent.objects.count()

    response = api(psr_call_taker).post("/api/v1/eido/", document, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "eido_invalid"
    violations = " | ".join(error["fields"]["document"])
    assert "eidoVersion" in violations
    assert "$.incidentComponent.incidentCommonPriorityNumber" in violations
    assert "$.agencyComponent[0].agencyType" in violations
    assert (Incident.objects.count(), TimelineEvent.objects.count()) == (incidents_before, events_before)


@pytest.mark.django_db
def test_non_json_and_non_object_bodies_are_400(api, psr_call_taker):
    client = api(psr_call_taker)
    assert client.post("/api/v1/eido/", "not json", content_type="application/json").status_code == 400
    response = client.post("/api/v1/eido/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "eido_invalid"


@pytest.mark.django_db
def test_nenas_own_sample_with_a_civic_address_only_is_imported_with_the_pin_to_confirm(psr_call_taker):
    # NENA's own sample is valid and gives its location as a civic address only (no coordinates): issue 14 — what
    # the standard allows is accepted, placed by name or at the receiving centre, and marked "to be confirmed".
    # (it has no incident type: it arrives "perlu diklasifikasi", tests/interop/test_eido_unclassified.py)
    sample = json.loads((SCHEMAS / "eido" / "sample-call-transfer.json").read_text())
    incident, created = incident_import_eido(document=sample, actor=psr_call_taker)
    assert created and incident.location_source == Incident.LOCATION_TO_CONFIRM
    assert "42" in incident.address and "Wilmington" in incident.address
    assert incident.location is not None and incident.location_accuracy_m is None
    # the call-taker places the pin: the mark goes, and the timeline says so
    from incidents.services import incident_update

    incident_update(incident_id=incident.pk, actor=psr_call_taker, location=Point(116.20, -1.91, srid=4326))
    incident.refresh_from_db()
    assert incident.location_source == "map"


@pytest.mark.django_db
def test_a_civic_address_naming_a_kemendagri_region_is_placed_there(psr_call_taker, psr, smd_call_taker, smd_point):
    from agencies.models import Region

    district = Region.objects.create(code="64.01.05", level=Region.Level.DISTRICT, name="Tanah Grogot", parent_id="64.01",
                                     timezone="Asia/Makassar", centroid=Point(116.19, -1.90, srid=4326))
    document = incident_to_eido(_border_incident(smd_call_taker, smd_point))
    document["$id"] = "urn:emergency:uid:incidentid:C-1:cad.other.example"
    civic = (
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
        'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:x@example"><dm:device id="d1"><gp:geopriv>'
        '<gp:location-info><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>ID</country>'
        '<A1>Kalimantan Timur</A1><A2>Kabupaten Paser</A2><A3>Kecamatan Tanah Grogot</A3><RD>Jl. Jenderal Sudirman</RD>'
        '<HNO>12</HNO></civicAddress></gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv>'
        '</dm:device></presence>'
    )
    for location in document["locationComponent"]:
        location["locationByValue"] = civic
    incident, _created = incident_import_eido(document=document, actor=psr_call_taker)
    assert incident.location_source == Incident.LOCATION_TO_CONFIRM
    assert (round(incident.location.x, 2), round(incident.location.y, 2)) == (116.19, -1.90)
    assert incident.address.startswith("Jl. Jenderal Sudirman 12")
    assert district.code  # the district named by A3 placed it


@pytest.mark.django_db
def test_foreign_cad_eido_maps_type_and_keeps_link_codes(psr_call_taker, psr_point, smd_call_taker):
    # given an EIDO from another vendor's CAD: its own type code, only the common registry type, a link
    neighbour = _border_incident(smd_call_taker, psr_point)
    document = incident_to_eido(neighbour)
    document["$id"] = "urn:emergency:uid:incidentid:F-778:cad.kutai.example"
    document["incidentComponent"]["incidentTypeInternalCode"] = "STRUCT-FIRE"
    document["incidentComponent"]["incidentTypeInternalText"] = "Structure fire"
    stamp = document["lastUpdateTimeStamp"]
    document["linkComponent"] = [
        {
            "$id": "link-1",
            "lastUpdateTimeStamp": stamp,
            "updatedByAgencyReference": {"$ref": "smd.dispatch112.local"},
            "incidentTrackingIdentifier": own_tracking_id(neighbour),
            "linkDirectionCode": "RELATED",
            "transactionReasonText": "same smoke",
        }
    ]
    document["mergeComponent"] = [
        {
            "$id": "merge-1",
            "lastUpdateTimeStamp": stamp,
            "updatedByAgencyReference": {"$ref": "smd.dispatch112.local"},
            "incidentTrackingIdentifier": "urn:emergency:uid:incidentid:F-770:cad.kutai.example",
            "incidentMergeDirectionCode": "REPLACING",
        }
    ]
    assert validate_eido(document) == []
    # when Paser imports it
    incident, created = incident_import_eido(document=document, actor=psr_call_taker)
    # then the common type picks our fire category and the link/merge codes are kept on the timeline
    assert created and incident.category.code == "kebakaran"
    payload = TimelineEvent.objects.get(incident=incident, kind="incident.imported").payload
    assert payload["links"] == [
        {"tracking_id": own_tracking_id(neighbour), "direction": "RELATED", "reason": "same smoke", "local_incident": neighbour.pk}
    ]
    assert payload["merges"][0]["direction"] == "REPLACING"
    assert payload["merges"][0]["local_incident"] is None


@pytest.mark.django_db
def test_dispatcher_cannot_import(api, psr):
    agency = f.AgencyFactory(command_centre=psr)
    dispatcher = f.dispatcher(agency, username="disp_psr")
    response = api(dispatcher).post("/api/v1/eido/", {"eidoVersion": "1.0"}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_newer_version_from_the_sender_applies_what_the_sender_changed_and_keeps_local_corrections(
    api, smd_call_taker, psr_call_taker, psr_point
):
    from datetime import timedelta

    from incidents.services import incident_update

    original = _border_incident(smd_call_taker, psr_point)
    first = incident_to_eido(original)
    assert api(psr_call_taker).post("/api/v1/eido/", first, format="json").status_code == 201
    imported = Incident.objects.get(command_centre__code="psr")
    # Paser's call-taker corrects the caller's name after talking to her
    incident_update(incident_id=imported.pk, actor=psr_call_taker, caller_name="Siti Aminah (tetangga)")
    # Samarinda learns more: a worse fire, and its description grows
    incident_update(incident_id=original.pk, actor=smd_call_taker, priority=2, description="Gudang kayu terbakar, dua orang sudah keluar.")
    Incident.objects.filter(pk=original.pk).update(updated_at=original.updated_at + timedelta(minutes=3))
    second = incident_to_eido(Incident.objects.get(pk=original.pk))
    assert second["lastUpdateTimeStamp"] > first["lastUpdateTimeStamp"]

    response = api(psr_call_taker).post("/api/v1/eido/", second, format="json")

    assert response.status_code == 200 and int(response["X-Incident-Id"]) == imported.pk
    assert response.json()["incidentComponent"]["incidentCommonPriorityNumber"] == 2  # the answer is the updated incident
    imported.refresh_from_db()
    assert (imported.priority, imported.description) == (2, "Gudang kayu terbakar, dua orang sudah keluar.")
    assert imported.caller_name == "Siti Aminah (tetangga)"  # the sender did not change it: ours stays
    update = TimelineEvent.objects.filter(incident=imported, kind="incident.updated").order_by("-seq").first()
    assert set(update.payload["changes"]) == {"priority", "description"}
    applied = TimelineEvent.objects.get(incident=imported, kind="incident.eido_updated")
    assert applied.payload["applied"] == ["description", "priority"]
    assert applied.payload["sender_updated"] == second["lastUpdateTimeStamp"]

    # the same version again, or the older one arriving late, changes nothing and writes nothing
    events = TimelineEvent.objects.count()
    assert api(psr_call_taker).post("/api/v1/eido/", second, format="json").status_code == 200
    assert api(psr_call_taker).post("/api/v1/eido/", first, format="json").status_code == 200
    assert TimelineEvent.objects.count() == events
    imported.refresh_from_db()
    assert imported.priority == 2


@pytest.mark.django_db
def test_an_update_for_a_closed_import_changes_nothing(api, smd_call_taker, psr_call_taker, psr_point):
    from datetime import timedelta

    from incidents.services import incident_cancel, incident_update

    original = _border_incident(smd_call_taker, psr_point)
    api(psr_call_taker).post("/api/v1/eido/", incident_to_eido(original), format="json")
    imported = Incident.objects.get(command_centre__code="psr")
    incident_cancel(incident_id=imported.pk, actor=psr_call_taker, reason="Ditangani Samarinda")
    incident_update(incident_id=original.pk, actor=smd_call_taker, priority=3)
    Incident.objects.filter(pk=original.pk).update(updated_at=original.updated_at + timedelta(minutes=3))
    events = TimelineEvent.objects.count()
    response = api(psr_call_taker).post("/api/v1/eido/", incident_to_eido(Incident.objects.get(pk=original.pk)), format="json")
    assert response.status_code == 200
    assert TimelineEvent.objects.count() == events
    imported.refresh_from_db()
    assert imported.priority == 1
