"""The AED registry (issue 30): the search API (sorted, radius, scope, roles, bad input) and the CSV import (all or
nothing, from the command and the admin)."""
import pytest
from django.core.management import CommandError, call_command
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.aed_import import ImportFailed, aeds_import
from agencies.models import Aed, User
from tests import factories as f
from tests.cardiac.conftest import api_for, error_of

pytestmark = pytest.mark.django_db

NEAR = f"{f.PKY[0]},{f.PKY[1]}"


@pytest.fixture
def aeds(make_aed):
    return {
        "mall": make_aed("Palangka Raya Mall", metres=600, access=Aed.Access.RESTRICTED, available_hours="10.00–22.00"),
        "rsud": make_aed("RSUD Doris Sylvanus", metres=150),
        "masjid": make_aed("Masjid Raya Darussalam", metres=-300),
        "far": make_aed("Bandara Tjilik Riwut", metres=3000),
        "off": make_aed("Rusak", metres=50, is_active=False),
    }


def test_nearest_first_within_the_radius(call_taker, aeds):
    r = api_for(call_taker).get("/api/v1/aeds/", {"near": NEAR, "radius_m": 800})
    assert r.status_code == 200, r.content
    rows = r.json()
    assert [a["name"] for a in rows] == ["RSUD Doris Sylvanus", "Masjid Raya Darussalam", "Palangka Raya Mall"]
    assert set(rows[0]) == {"id", "name", "location", "address", "access", "available_hours", "distance_m"}
    assert 140 <= rows[0]["distance_m"] <= 160 and 590 <= rows[2]["distance_m"] <= 610
    assert rows[2]["access"] == "restricted" and rows[2]["available_hours"] == "10.00–22.00"
    assert rows[0]["location"]["type"] == "Point"
    # the default radius is 800 m; a wider one reaches the airport
    assert len(api_for(call_taker).get("/api/v1/aeds/", {"near": NEAR}).json()) == 3
    assert api_for(call_taker).get("/api/v1/aeds/", {"near": NEAR, "radius_m": 5000}).json()[-1]["name"] == "Bandara Tjilik Riwut"


def test_another_centres_aeds_are_not_listed(aeds):
    smd = f.samarinda_centre()
    Aed.objects.create(command_centre=smd, name="Di sini tapi Samarinda", location=aeds["rsud"].location)
    other = f.call_taker(smd, username="ct_smd")
    assert [a["name"] for a in api_for(other).get("/api/v1/aeds/", {"near": NEAR}).json()] == ["Di sini tapi Samarinda"]


def test_dispatchers_see_their_centres_and_others_are_refused(centre, aeds, psc, community):
    assert len(api_for(f.dispatcher(psc, username="d1")).get("/api/v1/aeds/", {"near": NEAR}).json()) == 3
    volunteer = f.UserFactory(username="v1", role=User.Role.VOLUNTEER, command_centre=None, community=community)
    error_of(api_for(volunteer).get("/api/v1/aeds/", {"near": NEAR}), 403)
    official = f.UserFactory(username="o1", role=User.Role.OFFICIAL, command_centre=centre)
    error_of(api_for(official).get("/api/v1/aeds/", {"near": NEAR}), 403)


@pytest.mark.parametrize("params", [
    {}, {"near": "113.9"}, {"near": "abc,def"}, {"near": "200,5"}, {"near": "nan,1"}, {"near": NEAR, "radius_m": 0},
    {"near": NEAR, "radius_m": 60000}, {"near": NEAR, "radius_m": "x"},
])
def test_bad_parameters_are_400(call_taker, aeds, params):
    error_of(api_for(call_taker).get("/api/v1/aeds/", params), 400)


GOOD = """nama,bujur,lintang,alamat,akses,jam,aktif
RSUD Doris Sylvanus,113.9185,-2.2067,IGD lantai 1,umum,24 jam,ya
Palangka Raya Mall,113.9100,-2.2100,Lobi utama,terbatas,10.00–22.00,1
"""


def test_a_csv_imports_and_updates_by_name(centre):
    assert aeds_import(centre=centre, text=GOOD) == (2, 0)
    assert aeds_import(centre=centre, text=GOOD.replace("IGD lantai 1", "IGD")) == (0, 2)
    rsud = Aed.objects.get(name="RSUD Doris Sylvanus")
    assert rsud.address == "IGD" and rsud.access == "public" and rsud.available_hours == "24 jam"
    assert Aed.objects.get(name="Palangka Raya Mall").access == "restricted"


def test_a_bad_row_stores_nothing_and_every_bad_row_is_reported(centre):
    bad = GOOD + "Tanpa koordinat,,,x,umum,,\nTertukar,-2.21,113.92,,umum,,\nAkses aneh,113.9,-2.2,,kadang,,\n"
    with pytest.raises(ImportFailed) as failed:
        aeds_import(centre=centre, text=bad)
    assert [e.split(":")[0] for e in failed.value.errors] == ["Baris 4", "Baris 5", "Baris 6"]
    assert not Aed.objects.exists()


def test_the_command(centre, tmp_path):
    path = tmp_path / "aed.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_aeds", str(path), "--centre", centre.code)
    assert Aed.objects.count() == 2
    path.write_text("nama,bujur\nX,1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_aeds", str(path), "--centre", centre.code)


def test_the_admin_import_and_map_form(admin_client, centre):
    r = admin_client.post("/admin/agencies/aed/import/", {
        "command_centre": centre.pk, "file": SimpleUploadedFile("aed.csv", GOOD.encode(), content_type="text/csv"),
    })
    assert r.status_code == 302 and Aed.objects.count() == 2
    r = admin_client.post("/admin/agencies/aed/import/", {
        "command_centre": centre.pk, "file": SimpleUploadedFile("aed.csv", b"nama,bujur,lintang\nX,abc,1\n", content_type="text/csv"),
    })
    assert r.status_code == 200 and "Baris 2" in r.content.decode()
    assert Aed.objects.count() == 2
    assert admin_client.get("/admin/agencies/aed/").status_code == 200
    page = admin_client.get(f"/admin/agencies/aed/{Aed.objects.first().pk}/change/").content.decode()
    assert "leaflet" in page.lower()
