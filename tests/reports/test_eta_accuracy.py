"""Predicted vs actual travel (issue 25): the travel time predicted when a unit was sent (UnitDispatch.predicted_eta_s)
against en route → on scene, per agency and basis, in the report, its CSV and its PDF."""
import csv
import datetime as dt
import io
import math
from collections import Counter

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import User
from incidents.models import Assignment, Incident, TimelineEvent, UnitDispatch
from reporting.rollup import rollup_refresh
from reporting.selectors import percentiles_disc
from tests import factories as f

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc
URL = "/api/v1/reports/coordination/"

# (agency, basis, predicted s, actual s): Damkar's road ETAs are close, PSC's straight-line guesses are not
ROWS = [
    ("damkar", "road", 300, 320.2), ("damkar", "road", 420, 400.0), ("damkar", "road", 600, 719.5), ("damkar", "road", 250, 251.0),
    ("damkar", "straight_line", 500, 800.0),
    ("psc", "straight_line", 400, 900.4), ("psc", "straight_line", 300, 290.0), ("psc", "road", 200, 260.0),
]


@pytest.fixture
def world():
    centre = f.CommandCentreFactory()
    category = f.CategoryFactory()
    agencies = {"damkar": f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar PKY"),
                "psc": f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119 PKY")}
    start = dt.datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 2 Nov 2026, 10.00 WIB
    for k, (key, basis, predicted, actual) in enumerate(ROWS + [("damkar", "road", 300, None), ("damkar", "", None, 500.0)]):
        created = start + dt.timedelta(minutes=10 * k)
        incident = Incident.objects.create(
            command_centre=centre, reference=f"ETA-{k}", year=2026, number=k + 1, category=category, priority=2, status="on_scene",
            location=Point(*f.PKY, srid=4326), caller_number="081200000000", created_at=created,
        )
        assignment = Assignment.objects.create(incident=incident, agency=agencies[key], offered_at=created, status="accepted",
                                               accepted_at=created + dt.timedelta(seconds=30))
        en_route = created + dt.timedelta(seconds=90)
        UnitDispatch.objects.create(
            assignment=assignment, unit=f.UnitFactory(agency=agencies[key]), dispatched_at=created + dt.timedelta(seconds=40),
            en_route_at=en_route, on_scene_at=en_route + dt.timedelta(seconds=actual) if actual is not None else None,
            predicted_eta_s=predicted, eta_basis=basis, released_at=en_route + dt.timedelta(hours=1),
        )
        TimelineEvent.objects.create(kind="incident.created", at=created, incident=incident, centre_ids=[centre.pk], payload={})
    rollup_refresh()  # issue 27: the section reads the rollup cells, kept from the timeline like the intervals
    official = f.UserFactory(username="official_eta", role=User.Role.OFFICIAL, command_centre=centre)
    api = APIClient()
    api.force_authenticate(official)
    return centre, agencies, api


def expected(rows):
    n = len(rows)
    errors = Counter(math.ceil(a) - p for _k, _b, p, a in rows)
    return {
        "n": n,
        "predicted_p50_s": percentiles_disc(Counter(p for _k, _b, p, _a in rows), [0.5])[0],
        "actual_p50_s": percentiles_disc(Counter(math.ceil(a) for *_x, a in rows), [0.5])[0],
        "error_p50_s": percentiles_disc(errors, [0.5])[0],
        "abs_error_p90_s": percentiles_disc(Counter(abs(math.ceil(a) - p) for _k, _b, p, a in rows), [0.9])[0],
        "within_20_percent": round(100.0 * sum(abs(math.ceil(a) - p) <= 0.2 * p for _k, _b, p, a in rows) / n, 1),
        "late_percent": round(100.0 * sum(math.ceil(a) > p for _k, _b, p, a in rows) / n, 1),
    }


def test_predicted_against_actual_travel_per_agency_and_basis(world):
    centre, agencies, api = world
    r = api.get(URL, {"from": "2026-11-01", "to": "2026-11-30", "centre": centre.pk})
    assert r.status_code == 200, r.content
    acc = r.json()["eta_accuracy"]
    # only units with a prediction and both stamps count
    assert acc["dispatches"] == len(ROWS)
    for basis in ("road", "straight_line"):
        assert acc["by_basis"][basis] == {"basis": basis, **expected([x for x in ROWS if x[1] == basis])}
    got = {(e["id"], e["basis"]): e for e in acc["by_agency"]}
    for key in ("damkar", "psc"):
        for basis in ("road", "straight_line"):
            rows = [x for x in ROWS if x[0] == key and x[1] == basis]
            assert got[(agencies[key].pk, basis)] == {"id": agencies[key].pk, "name": str(agencies[key]), "basis": basis, **expected(rows)}
    # the road ETAs of this fixture are the better ones, as the centre should see
    assert acc["by_basis"]["road"]["within_20_percent"] > acc["by_basis"]["straight_line"]["within_20_percent"]


def test_the_agency_filter_and_the_period_narrow_it(world):
    centre, agencies, api = world
    acc = api.get(URL, {"from": "2026-11-01", "to": "2026-11-30", "centre": centre.pk, "agency": agencies["psc"].pk}).json()["eta_accuracy"]
    assert acc["dispatches"] == 3 and {e["id"] for e in acc["by_agency"]} == {agencies["psc"].pk}
    assert api.get(URL, {"from": "2026-11-03", "to": "2026-11-30", "centre": centre.pk}).json()["eta_accuracy"] == {
        "dispatches": 0, "by_basis": {}, "by_agency": []}


def test_the_exports_carry_it(world):
    centre, agencies, api = world
    params = {"from": "2026-11-01", "to": "2026-11-30", "centre": centre.pk}
    body = api.get(URL, {**params, "format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    road = {r["Ukuran"]: r["Nilai"] for r in rows if r["Bagian"] == "Perkiraan vs waktu tempuh" and r["Nama"] == "Rute jalan"}
    assert road["n"] == "5" and road["Dalam ±20% (%)"] == "80.0"
    by_agency = [r for r in rows if r["Bagian"] == "Perkiraan tempuh per instansi"]
    assert any(r["Kode"] == str(agencies["psc"].pk) and r["Nama"].endswith("Garis lurus") and r["Ukuran"] == "Lebih lambat (%)"
               and r["Nilai"] == "50.0" for r in by_agency)
    # our keys (road, straight_line) never reach the file an official opens
    assert not any(r["Kode"] in ("road", "straight_line") or r["Kode"].endswith(":straight_line") for r in rows)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(api.get(URL, {**params, "format": "xlsx"}).content), read_only=True)
    head, *sheet = list(book["Perkiraan vs waktu tempuh"].iter_rows(values_only=True))
    assert head == ("Kode", "Nama", "n", "Perkiraan, median (detik)", "Sebenarnya, median (detik)", "Selisih, median (detik)",
                    "Selisih mutlak, p90 (detik)", "Dalam ±20% (%)", "Lebih lambat (%)")
    assert sorted(row[1] for row in sheet) == ["Garis lurus", "Rute jalan"] and {row[0] for row in sheet} <= {"", None}
    pdf = api.get(URL, {**params, "format": "pdf"}).content
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Perkiraan waktu tempuh vs sebenarnya" in text and "Rute jalan" in text
