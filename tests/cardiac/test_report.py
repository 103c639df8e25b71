"""The coordination report's `cardiac_arrest` section (issue 30): known times → known percentiles and shares,
computed from the timeline; per call-taker; CSV/XLSX/PDF."""
import csv
import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import User
from incidents.models import Call, Incident, TimelineEvent
from incidents.services.cardiac import cardiac_arrest_step
from tests import factories as f
from volunteers.cardiac import callout_cardiac_arrest
from volunteers.services import callout_accept, callout_report_status

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc
URL = "/api/v1/reports/coordination/"
START = dt.datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 2 Nov 2026, 10.00 WIB

# (call-taker, answer → recognised s, answer → first compression s or None, volunteer on scene s, EMS on scene s)
ARRESTS = [
    ("ct1", 30.2, 95, 300, 600),
    ("ct1", 45, 130, 500, 400),
    ("ct2", 61, 175.5, None, None),
    ("ct2", 20, None, None, None),
    ("ct2", 100, 240, None, 900),
]


@pytest.fixture
def world(centre, medical, community, make_member):
    takers = {name: f.call_taker(centre, username=name, first_name=name.upper()) for name in ("ct1", "ct2")}
    sup = f.supervisor(centre, username="sup")
    make_member("Ani", metres=100)

    def incident(k, answered, taker):
        created = answered + dt.timedelta(seconds=10)
        incident = Incident.objects.create(
            command_centre=centre, reference=f"CA-{k}", year=2026, number=k + 1, category=medical, priority=1,
            status="new", location=Point(*f.PKY, srid=4326), caller_number="081200000000", created_at=created,
            call_answered_at=answered if taker is not None else None, address="Jl. Uji",
        )
        if taker is not None:
            Call.objects.create(command_centre=centre, caller_number="081200000000", status="ended", disposition="genuine",
                                answered_at=answered, ended_at=created, call_taker=taker, incident=incident)
        return incident

    for k, (taker, rec, comp, vol, ems) in enumerate(ARRESTS):
        answered = START + dt.timedelta(hours=k)
        inc = incident(k, answered, takers[taker])
        at = lambda s: answered + dt.timedelta(seconds=s)  # noqa: E731
        cardiac_arrest_step(incident_id=inc.pk, actor=takers[taker], step="recognised", now=at(rec))
        if comp is not None:
            cardiac_arrest_step(incident_id=inc.pk, actor=takers[taker], step="instructions_started", now=at(rec + 5))
            cardiac_arrest_step(incident_id=inc.pk, actor=takers[taker], step="first_compression", now=at(comp))
        if vol is not None:
            [callout] = callout_cardiac_arrest(incident_id=inc.pk, now=at(rec + 1))
            member = callout.responses.get().volunteer
            callout_accept(callout_id=callout.pk, member=member, now=at(rec + 20))
            callout_report_status(callout_id=callout.pk, actor=member.user, status="en_route", now=at(rec + 30))
            callout_report_status(callout_id=callout.pk, actor=member.user, status="on_scene", now=at(vol))
            callout_report_status(callout_id=callout.pk, actor=member.user, status="done", now=at(vol + 600))
        if ems is not None:
            cardiac_arrest_step(incident_id=inc.pk, actor=takers[taker], step="ems_on_scene", now=at(ems))
    # flagged by a supervisor on an incident without a call: counted, not timed
    untimed = incident(10, START + dt.timedelta(hours=10), None)
    cardiac_arrest_step(incident_id=untimed.pk, actor=sup, step="recognised", now=START + dt.timedelta(hours=10, seconds=5))
    # outside the period, and another centre's: not counted
    late = incident(11, START + dt.timedelta(days=3), takers["ct1"])
    cardiac_arrest_step(incident_id=late.pk, actor=takers["ct1"], step="recognised", now=START + dt.timedelta(days=3, seconds=9))
    other = f.samarinda_centre()
    f.call_taker(other, username="ct_smd")
    official = f.UserFactory(username="official_ca", role=User.Role.OFFICIAL, command_centre=centre)
    api = APIClient()
    api.force_authenticate(official)
    return takers, api


def _report(api, fmt=None):
    params = {"from": "2026-11-01", "to": "2026-11-03"}
    if fmt:
        params["format"] = fmt
    r = api.get(URL, params)
    assert r.status_code == 200, r.content[:500]
    return r


def test_the_figures_are_exact(world):
    takers, api = world
    section = _report(api).json()["cardiac_arrest"]
    # recognition: 31, 45, 61, 20, 100 s → p50 45 (3rd of 5), p90 100; ≤ 60 s: 3 of 5
    # first compression: 95, 130, 176, 240 s → p50 130, p90 240; ≤ 60: 0, ≤ 120: 1, ≤ 180: 3 of 4
    assert {k: v for k, v in section.items() if k != "by_call_taker"} == {
        "count": 6, "recognised_timed": 5, "recognition_p50_s": 45, "recognition_p90_s": 100, "recognised_within_60_s": 60.0,
        "first_compressions": 4, "first_compression_p50_s": 130, "first_compression_p90_s": 240,
        "within_60_s": 0.0, "within_120_s": 25.0, "within_180_s": 75.0,
        "volunteer_on_scene": 2, "volunteers_first_on_scene": 1, "ems_on_scene": 3,
    }
    by = {e["name"]: e for e in section["by_call_taker"]}
    assert set(by) == {"CT1", "CT2", "sup"}
    assert (by["CT1"]["count"], by["CT1"]["recognition_p50_s"], by["CT1"]["recognition_p90_s"]) == (2, 31, 45)
    assert (by["CT1"]["first_compression_p50_s"], by["CT1"]["first_compression_p90_s"], by["CT1"]["within_120_s"]) == (95, 130, 50.0)
    assert (by["CT2"]["count"], by["CT2"]["recognition_p50_s"], by["CT2"]["recognition_p90_s"]) == (3, 61, 100)
    assert (by["CT2"]["first_compression_p50_s"], by["CT2"]["within_180_s"], by["CT2"]["volunteers_first_on_scene"]) == (176, 50.0, 0)
    assert by["sup"]["count"] == 1 and by["sup"]["recognition_p50_s"] is None and by["sup"]["within_60_s"] is None


def test_the_timeline_is_the_source(world):
    # a step's time on the arrest row alone (no event) changes nothing: the report reads the events
    takers, api = world
    from incidents.models import CardiacArrest
    CardiacArrest.objects.filter(first_compression_at__isnull=True).update(first_compression_at=START)
    assert _report(api).json()["cardiac_arrest"]["first_compressions"] == 4
    assert TimelineEvent.objects.filter(kind="cardiac_arrest.step", payload__step="first_compression").count() == 4


def test_an_empty_period(world):
    _takers, api = world
    r = api.get(URL, {"from": "2026-10-01", "to": "2026-10-02"}).json()["cardiac_arrest"]
    assert r["count"] == 0 and r["recognition_p50_s"] is None and r["within_120_s"] is None and r["by_call_taker"] == []


def test_the_files_carry_the_section(world):
    _takers, api = world
    text = _report(api, "csv").content.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0] in ("Henti jantung", "Henti jantung per petugas")]
    values = {(r[0], r[2], r[3]): r[4] for r in rows}
    assert values[("Henti jantung", "", "Dijawab → kompresi pertama, p50 (detik)")] == "130"
    assert values[("Henti jantung", "", "Kompresi ≤ 120 detik (%)")] == "25.0"
    assert values[("Henti jantung per petugas", "CT2", "Dijawab → dikenali, p50 (detik)")] == "61"
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(_report(api, "xlsx").content))
    assert "Henti jantung" in book.sheetnames and "Henti jantung per petugas" in book.sheetnames
    pdf = _report(api, "pdf")
    assert pdf.content[:4] == b"%PDF"


def test_the_call_takers_earlier_recognition_is_the_one_counted(world):
    # CT1's first arrest (recognised 31 s after the answer) was recognised by the server from the answers at the save;
    # the console then sends the time the rule was met on the draft, 10 s after the answer: the report counts that one
    takers, api = world
    from incidents.models import CardiacArrest
    arrest = CardiacArrest.objects.get(incident__reference="CA-0")
    CardiacArrest.objects.filter(pk=arrest.pk).update(recognition=CardiacArrest.Recognition.ANSWERS)
    _, recorded = cardiac_arrest_step(incident_id=arrest.incident_id, actor=takers["ct1"], step="recognised",
                                      at=START + dt.timedelta(seconds=10), now=START + dt.timedelta(minutes=5))
    assert recorded
    by = {e["name"]: e for e in _report(api).json()["cardiac_arrest"]["by_call_taker"]}
    assert (by["CT1"]["recognition_p50_s"], by["CT1"]["recognition_p90_s"]) == (10, 45)
