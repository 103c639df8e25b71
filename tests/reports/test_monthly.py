"""The monthly report: due on the 1st in each centre's zone, stored, listed with download URLs, rebuilt
idempotently (one row, same file names, latest numbers)."""
import csv
import datetime as dt
import io

from rest_framework.test import APIClient

from incidents.models import Incident, TimelineEvent
from reporting.models import MonthlyReport
from reporting.services import monthly_report_build, monthly_reports_due
from reporting.tasks import build_monthly_reports

UTC = dt.timezone.utc


def test_due_on_the_first_in_each_centres_zone(report_world):
    w = report_world
    # 30 Nov 16:30 UTC = 1 Dec 00:30 in Samarinda (WITA) but still 30 Nov 23:30 in Palangka Raya (WIB)
    due = monthly_reports_due(now=dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    assert (w.smd, dt.date(2026, 11, 1)) in due
    assert (w.pky, dt.date(2026, 10, 1)) in due and (w.pky, dt.date(2026, 11, 1)) not in due
    due = monthly_reports_due(now=dt.datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    assert (w.pky, dt.date(2026, 11, 1)) in due


def test_beat_task_builds_stores_lists_and_rebuilds_idempotently(report_world, monkeypatch):
    w = report_world
    monkeypatch.setattr("reporting.services.timezone.now", lambda: dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    built = build_monthly_reports()
    assert sorted(built) == ["pky:2026-11", "smd:2026-11"]
    assert build_monthly_reports() == []  # nothing due twice
    report = MonthlyReport.objects.get(command_centre=w.pky, month=dt.date(2026, 11, 1))
    assert report.data["period"] == {**report.data["period"], "from": "2026-11-01", "to": "2026-11-30"}
    received = report.data["calls"]["received"]
    assert received > 0

    client = APIClient()
    client.force_authenticate(w.official)
    listing = client.get("/api/v1/reports/monthly/").json()["results"]
    assert [(r["centre"]["code"], r["month"]) for r in listing] == [("pky", "2026-11")]  # the official's centre only
    csv_url = listing[0]["downloads"]["csv"]
    response = client.get(csv_url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    # stored by the beat task in the product's language (Bahasa Indonesia)
    assert {(r["Bagian"], r["Ukuran"]): r["Nilai"] for r in rows if r["Bagian"] == "Panggilan"}[("Panggilan", "Masuk")] == str(received)
    for ext in ("xlsx", "pdf"):
        assert client.get(listing[0]["downloads"][ext]).status_code == 200
    # another centre's report is not found
    other = MonthlyReport.objects.get(command_centre=w.smd)
    assert client.get(f"/api/v1/reports/monthly/{other.pk}/csv/").status_code == 404

    # a rebuild after new history: same row, same file names, the new numbers
    names = (report.csv_file.name, report.xlsx_file.name, report.pdf_file.name)
    incident = Incident.objects.filter(command_centre=w.pky, created_at__gte=dt.datetime(2026, 11, 2, tzinfo=UTC), closed_at__isnull=True).first()
    Incident.objects.filter(pk=incident.pk).update(closed_at=incident.created_at + dt.timedelta(hours=3), status="closed")
    TimelineEvent.objects.create(kind="incident.status_changed", at=incident.created_at, incident=incident, centre_ids=[w.pky.pk], payload={})
    again = monthly_report_build(centre=w.pky, month=dt.date(2026, 11, 1))
    assert again.pk == report.pk and again.build_count == 2
    assert (again.csv_file.name, again.xlsx_file.name, again.pdf_file.name) == names
    assert MonthlyReport.objects.filter(command_centre=w.pky).count() == 1
    assert again.data["intervals"]["created_to_closed"]["n"] == report.data["intervals"]["created_to_closed"]["n"] + 1
