"""Who may see which report, and bad input: always a 4xx in the one error shape, nothing computed."""
import pytest
from rest_framework.test import APIClient

from agencies.models import User
from tests import factories as f

URL = "/api/v1/reports/coordination/"


def client_for(user):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    if field:
        assert field in body["fields"]


@pytest.mark.parametrize("role", ["call_taker", "dispatcher", "volunteer"])
def test_other_roles_are_refused(report_world, role):
    if role == "dispatcher":
        user = f.dispatcher(report_world.damkar, username="d_rep")
    elif role == "volunteer":
        user = f.UserFactory(username="v_rep", role=role, command_centre=None, community=f.CommunityFactory(command_centre=report_world.pky))
    else:
        user = report_world.call_taker
    for url in (URL, "/api/v1/reports/monthly/"):
        assert_error(client_for(user).get(url, {"from": "2026-11-01", "to": "2026-11-05"}), 403, "permission_denied")


def test_anonymous_is_refused(report_world):
    assert client_for(None).get(URL).status_code in (401, 403)


def test_centre_official_sees_only_their_centre(report_world):
    w = report_world
    body = client_for(w.official).get(URL, {"from": "2026-11-01", "to": "2026-11-05"}).json()
    assert [c["id"] for c in body["period"]["centres"]] == [w.pky.pk]
    # another centre's id is as unknown as one that does not exist
    for centre in (w.smd.pk, 999999):
        assert_error(client_for(w.official).get(URL, {"from": "2026-11-01", "to": "2026-11-05", "centre": centre}), 400, "unknown_centre", "centre")
    # an agency of another centre is unknown too
    assert_error(client_for(w.official).get(URL, {"agency": w.damkar_smd.pk}), 400, "unknown_agency", "agency")


def test_provincial_official_sees_the_province_and_admin_everything(report_world):
    w = report_world
    kaltim = User.objects.create(username="off_kaltim2", role="official", province=w.smd.province)
    body = client_for(kaltim).get(URL, {"from": "2026-11-01", "to": "2026-11-05"}).json()
    assert [c["code"] for c in body["period"]["centres"]] == ["smd"]
    admin = User.objects.create(username="adm_rep", role="admin")
    body = client_for(admin).get(URL, {"from": "2026-11-01", "to": "2026-11-05"}).json()
    assert sorted(c["code"] for c in body["period"]["centres"]) == ["pky", "smd"]
    body = client_for(admin).get(URL, {"from": "2026-11-01", "to": "2026-11-05", "centre": w.smd.pk}).json()
    assert [c["code"] for c in body["period"]["centres"]] == ["smd"]


@pytest.mark.parametrize(
    "params, code, field",
    [
        ({"from": "2026-11-05", "to": "2026-11-01"}, "invalid_range", "from"),
        ({"from": "2025-11-01", "to": "2026-11-02"}, "range_too_long", "to"),
        ({"from": "2026-13-01", "to": "2026-11-02"}, "invalid_date", "from"),
        ({"from": "01-11-2026", "to": "2026-11-02"}, "invalid_date", "from"),
        ({"from": "2026-11-01", "to": "kemarin"}, "invalid_date", "to"),
        ({"from": "2026-02-30", "to": "2026-03-02"}, "invalid_date", "from"),
        ({"category": "tidak_ada"}, "unknown_category", "category"),
        ({"district": "99.99.99"}, "unknown_district", "district"),
        ({"centre": "abc"}, "invalid", "centre"),
        ({"agency": "999999"}, "unknown_agency", "agency"),
        ({"format": "docx"}, "invalid_choice", "format"),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape(report_world, params, code, field):
    response = client_for(report_world.supervisor).get(URL, params)
    assert_error(response, 400, code, field)
    assert response["Content-Type"].startswith("application/json")


def test_366_days_is_allowed(report_world):
    response = client_for(report_world.supervisor).get(URL, {"from": "2025-11-02", "to": "2026-11-02"})
    assert response.status_code == 200
    assert response.json()["period"]["days"] == 366
