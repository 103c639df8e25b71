"""Location recorded as chosen (issue 23, item 6): the kelurahan/desa the call-taker picks is the incident's `village`
(its district and regency follow from its parents), a point inside a village polygon sets it, an explicit village
that contradicts nothing wins over the lookup of its pin, and a village outside the centre's area is refused."""
import json
import re

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import Region, TimeZoneName
from incidents.models import Incident, TimelineEvent
from tests import factories as f
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

# Langkai (62.71.01.1001) has an exact boundary around (113.915, -2.21); Pahandut's boundary is approximate
# (tests/calltaker/conftest.py: pky_places).
IN_LANGKAI = [113.915, -2.21]
PAHANDUT_CENTRE = [113.93, -2.21]


@pytest.fixture
def api(call_taker):
    client = APIClient()
    client.force_authenticate(call_taker)
    return client


@pytest.fixture
def villages(pky_places, smd_places):
    """Villages without polygons, as in the Kemendagri list (placed at their district's centre, like the demo)."""
    seberang = Region.objects.create(
        code="62.71.01.1002", level=Region.Level.VILLAGE, name="Pahandut Seberang", parent=pky_places["pahandut"],
        timezone=TimeZoneName.WIB, centroid=Point(*PAHANDUT_CENTRE, srid=4326),
    )
    bukit = Region.objects.create(
        code="62.71.02.1001", level=Region.Level.VILLAGE, name="Bukit Tunggal", parent=pky_places["jekan"],
        timezone=TimeZoneName.WIB, centroid=Point(113.88, -2.20, srid=4326),
    )
    palaran = Region.objects.create(
        code="64.72.01.1001", level=Region.Level.VILLAGE, name="Rawa Makmur", parent=smd_places["district"],
        timezone=TimeZoneName.WITA, centroid=Point(*f.SMD, srid=4326),
    )
    return {"seberang": seberang, "bukit": bukit, "palaran": palaran, "langkai": pky_places["langkai"]}


def body(fire_category, coordinates, **extra):
    return {
        "category": fire_category.code, "location": {"type": "Point", "coordinates": coordinates},
        "address": "Jl. Rajawali", "caller_number": "081234567890", **extra,
    }


def test_a_kelurahan_picked_is_recorded_with_its_district_and_regency(api, fire_category, villages):
    # given a kelurahan without a polygon, its pin at its kecamatan's centre (what picking it in the console sends)
    r = api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="62.71.01.1002"), format="json")
    # then it is the incident's village, and the district and regency follow from its parents
    assert r.status_code == 201, r.content
    assert r.json()["village"] == "62.71.01.1002" and r.json()["district"] == "62.71.01" and r.json()["regency"] == "62.71"
    incident = Incident.objects.get()
    assert (incident.village_id, incident.district_id, incident.regency_id) == ("62.71.01.1002", "62.71.01", "62.71")
    # and every console hears it: the summary of the incident's events carries it
    event = TimelineEvent.objects.get(kind="incident.created")
    assert event.payload["incident"]["village"] == "62.71.01.1002" and event.payload["incident"]["district"] == "62.71.01"


def test_without_a_village_the_point_decides_and_a_polygon_sets_it(api, fire_category, villages):
    # no village named, the point inside Langkai's polygon: Langkai
    r = api.post("/api/v1/incidents/", body(fire_category, IN_LANGKAI), format="json")
    assert r.status_code == 201 and r.json()["village"] == "62.71.01.1001" and r.json()["district"] == "62.71.01"
    # no village named, no village polygon at the point: no village (the district from its approximate polygon)
    r = api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE), format="json")
    assert r.status_code == 201 and r.json()["village"] is None and r.json()["district"] == "62.71.01"


def test_an_explicit_village_wins_over_an_approximate_boundary(api, fire_category, villages):
    # the pin lies in Pahandut's approximate (demo) polygon, the caller said Bukit Tunggal of Jekan Raya: an
    # approximate boundary contradicts nothing, the kelurahan named wins and its own district follows
    r = api.post("/api/v1/incidents/", body(fire_category, [113.945, -2.215], village="62.71.02.1001"), format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["village"], r.json()["district"]) == ("62.71.02.1001", "62.71.02")


def test_a_village_an_exact_boundary_contradicts_is_refused(api, fire_category, villages):
    # the pin inside Langkai's exact polygon, but Pahandut Seberang named: two answers, 400, nothing stored
    assert_error(
        api.post("/api/v1/incidents/", body(fire_category, IN_LANGKAI, village="62.71.01.1002"), format="json"),
        400, "village_mismatch", "village",
    )
    assert Incident.objects.count() == 0


def test_a_village_outside_the_centres_area_or_unknown_is_refused(api, fire_category, villages):
    assert_error(
        api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="64.72.01.1001"), format="json"),
        400, "village_outside_service_area", "village",
    )
    # not even with the outside-area override: that is for a point, not for a kelurahan of another city
    assert_error(
        api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="64.72.01.1001", allow_outside_service_area=True), format="json"),
        400, "village_outside_service_area", "village",
    )
    assert_error(api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="62.71.01.9999"), format="json"), 400, "unknown_village", "village")
    # a kecamatan's code is not a village
    assert_error(api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="62.71.01"), format="json"), 400, "unknown_village", "village")
    assert_error(api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="x" * 14), format="json"), 400, None, "village")
    assert Incident.objects.count() == 0


def test_editing_records_the_village_and_says_so_on_the_timeline(api, fire_category, villages):
    incident_id = api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE), format="json").json()["id"]
    # when the call-taker learns the kelurahan and sets it
    r = api.patch(f"/api/v1/incidents/{incident_id}/", {"village": "62.71.01.1002"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["village"] == "62.71.01.1002" and r.json()["district"] == "62.71.01"
    event = TimelineEvent.objects.filter(kind="incident.updated").latest("seq")
    assert event.payload["changes"] == {"village": {"old": None, "new": "62.71.01.1002"}}
    assert event.payload["incident"]["village"] == "62.71.01.1002"
    # the same again is a no-op: no event
    count = TimelineEvent.objects.count()
    assert api.patch(f"/api/v1/incidents/{incident_id}/", {"village": "62.71.01.1002"}, format="json").status_code == 200
    assert TimelineEvent.objects.count() == count
    # a village elsewhere is refused and nothing changes
    assert_error(api.patch(f"/api/v1/incidents/{incident_id}/", {"village": "64.72.01.1001"}, format="json"), 400, "village_outside_service_area")
    assert Incident.objects.get(pk=incident_id).village_id == "62.71.01.1002"
    # moving the pin into Langkai's polygon without naming a village: the polygon decides
    r = api.patch(f"/api/v1/incidents/{incident_id}/", {"location": {"type": "Point", "coordinates": IN_LANGKAI}}, format="json")
    assert r.status_code == 200 and r.json()["village"] == "62.71.01.1001"
    changes = TimelineEvent.objects.filter(kind="incident.updated").latest("seq").payload["changes"]
    assert changes["village"] == {"old": "62.71.01.1002", "new": "62.71.01.1001"} and "location" in changes
    # a village and a point that contradict each other in one edit: refused
    assert_error(api.patch(f"/api/v1/incidents/{incident_id}/", {"village": "62.71.01.1002"}, format="json"), 400, "village_mismatch")


def test_the_console_lists_incidents_with_their_village_and_knows_the_centres_village_names(client, call_taker, fire_category, villages, api):
    api.post("/api/v1/incidents/", body(fire_category, PAHANDUT_CENTRE, village="62.71.01.1002"), format="json")
    client.force_login(call_taker)
    html = client.get("/console/call-taker/").content.decode()
    rows = json.loads(re.search(r'<script id="ct-incidents" type="application/json">(.*?)</script>', html, re.S).group(1))
    config = json.loads(re.search(r'<script id="ct-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert rows[0]["village"] == "62.71.01.1002"
    # every village of the centre's regency by name (live events carry only the code); none of Samarinda's
    assert config["villages"] == {"62.71.01.1001": "Langkai", "62.71.01.1002": "Pahandut Seberang", "62.71.02.1001": "Bukit Tunggal"}
