"""GET /api/v1/places/ and /api/v1/places/at/: the location type-ahead and point-in-polygon of the console."""
import pytest
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(call_taker):
    client = APIClient()
    client.force_authenticate(call_taker)
    return client


def test_typeahead_finds_kelurahan_kecamatan_and_landmarks_of_my_centre_only(api, pky_places, smd_places):
    # given places in Palangka Raya and Samarinda, both with a "Bundaran"
    # when a Palangka Raya call-taker types "bundaran"
    body = api.get("/api/v1/places/", {"q": "bundaran"}).json()
    # then only the own centre's landmark comes back, with its point and an accuracy
    names = [r["name"] for r in body["results"]]
    assert names == ["Bundaran Besar"]
    row = body["results"][0]
    assert row["kind"] == "landmark" and row["lat"] == pytest.approx(-2.208) and row["accuracy_m"] == 50.0


def test_typeahead_orders_prefix_matches_first_and_uses_centroids(api, pky_places, smd_places):
    body = api.get("/api/v1/places/", {"q": "pa"}).json()
    names = [r["name"] for r in body["results"]]
    # Pahandut starts with "pa"; Samarinda's Palaran is out of scope.
    assert names[0] == "Pahandut"
    assert "Palaran" not in names
    pahandut = body["results"][0]
    assert pahandut["kind"] == "district" and pahandut["code"] == "62.71.01"
    assert (pahandut["lon"], pahandut["lat"]) == pytest.approx((113.93, -2.21))
    assert pahandut["boundary_is_approximate"] is True
    assert pahandut["accuracy_m"] > 1000  # a whole kecamatan is no street address


def test_typeahead_region_without_boundary_still_found_by_centroid(api, pky_places):
    body = api.get("/api/v1/places/", {"q": "jekan"}).json()
    assert [r["name"] for r in body["results"]] == ["Jekan Raya"]
    assert body["results"][0]["accuracy_m"] is None


def test_typeahead_village_detail_names_its_district(api, pky_places):
    row = api.get("/api/v1/places/", {"q": "langk"}).json()["results"][0]
    assert row["kind"] == "village" and "Pahandut" in row["detail"]


def test_pasted_coordinates_are_parsed(api, pky_places):
    body = api.get("/api/v1/places/", {"q": "2°12'34.5\"S 113°55'16.7\"E"}).json()
    assert body["coordinates"]["lat"] == pytest.approx(-2.2095833, abs=1e-6)
    assert body["coordinates"]["lon"] == pytest.approx(113.9213056, abs=1e-6)
    assert body["coordinates"]["in_indonesia"] is True
    body = api.get("/api/v1/places/", {"q": "48.85, 2.35"}).json()
    assert body["coordinates"]["in_indonesia"] is False
    body = api.get("/api/v1/places/", {"q": "2°75'S 113°55'E"}).json()
    assert body["coordinates"] is None and "60" in body["coordinates_error"]


def test_dispatcher_gets_no_centre_places(damkar_dispatcher, pky_places):
    client = APIClient()
    client.force_authenticate(damkar_dispatcher)
    assert client.get("/api/v1/places/", {"q": "pahandut"}).json()["results"] == []


def test_anonymous_is_refused(pky_places):
    assert APIClient().get("/api/v1/places/", {"q": "pahandut"}).status_code in (401, 403)


def test_point_in_polygon_resolves_village_district_regency(api, pky_places):
    body = api.get("/api/v1/places/at/", {"lat": -2.21, "lon": 113.915}).json()
    assert body["village"] == {"code": "62.71.01.1001", "name": "Langkai"}
    assert body["district"]["name"] == "Pahandut"
    assert body["regency"]["code"] == "62.71"
    assert body["served"] is True and body["in_indonesia"] is True
    assert body["boundary_is_approximate"] is True


def test_point_outside_served_area_and_outside_indonesia(api, pky_places, smd_places):
    body = api.get("/api/v1/places/at/", {"lat": f.SMD[1], "lon": f.SMD[0]}).json()
    assert body["regency"]["code"] == "64.72" and body["served"] is False
    # inside Indonesia's box but in no boundary, while the served regency has one: not served
    body = api.get("/api/v1/places/at/", {"lat": -3.0, "lon": 115.0}).json()
    assert body["in_indonesia"] is True and body["regency"] is None and body["served"] is False
    body = api.get("/api/v1/places/at/", {"lat": 48.85, "lon": 2.35}).json()
    assert body["in_indonesia"] is False and body["served"] is False


def test_point_params_are_checked(api):
    resp = api.get("/api/v1/places/at/", {"lat": "abc", "lon": "1"})
    assert resp.status_code == 400
    assert resp.json()["error"]["fields"]["location"]
