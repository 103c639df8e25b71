"""generate_history writes realistic history through bulk SQL, with its timeline, and the report reads it."""
import datetime as dt

from django.core.management import call_command
from rest_framework.test import APIClient

from incidents.models import Assignment, Call, Incident, TimelineEvent, UnitDispatch


def test_generate_history_writes_incidents_calls_events_and_the_report_sees_them(report_world):
    w = report_world
    before = Incident.objects.filter(command_centre=w.pky).count()
    call_command("generate_history", incidents=400, centre="pky", start="2026-09-01", days=30)
    generated = Incident.objects.filter(command_centre=w.pky, reference__contains="-H")
    assert generated.count() == 400 and Incident.objects.filter(command_centre=w.pky).count() == before + 400
    calls = Call.objects.filter(command_centre=w.pky, ringing_at__gte=dt.datetime(2026, 8, 31, 17, tzinfo=dt.timezone.utc),
                                ringing_at__lt=dt.datetime(2026, 9, 30, 17, tzinfo=dt.timezone.utc))
    answered = calls.filter(answered_at__isnull=False)
    prank_share = answered.filter(disposition="prank").count() / answered.count()
    assert 0.35 < prank_share < 0.55, prank_share  # the published mix (Gresik 2025: 45.5 %)
    assert calls.filter(answered_at__isnull=True).count() > 0  # dropped before an answer
    assert Assignment.objects.filter(incident__in=generated, status="expired").exists()
    assert UnitDispatch.objects.filter(assignment__incident__in=generated).exists()
    assert TimelineEvent.objects.filter(incident__in=generated, kind="incident.created").count() == 400

    client = APIClient()
    client.force_authenticate(w.official)
    report = client.get("/api/v1/reports/coordination/", {"from": "2026-09-01", "to": "2026-09-30"}).json()
    assert report["incidents"]["total"] == generated.filter(created_at__lt=dt.datetime(2026, 9, 30, 17, tzinfo=dt.timezone.utc)).count()
    assert report["calls"]["received"] == calls.count()
    assert 3 <= report["intervals"]["answer"]["p50_s"] <= 10
    assert report["repeat_numbers"] and report["repeat_numbers"][0]["count"] >= 2
