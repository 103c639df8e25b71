"""One bad PBX timestamp must not freeze every centre's reports (issue 28, item 1).

(a) the API refuses a start outside [now − 24 h, now + 5 min] and the database refuses impossible call times;
(b) the rollup refresh survives any single bad row inserted behind the API's back — it is counted as a data error,
    shown in the report, and every other centre and day is brought up to date;
(c) a refresh that fails or lags more than 5 minutes raises one supervisor alert per centre and /healthz says
    `reports: stale`.
"""
import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Call, Incident, SupervisorAlert, TimelineEvent
from incidents.services import call_close, call_start, incident_create
from reporting import rollup
from reporting.models import RollupState
from reporting.selectors import rollup_status
from reporting.services import reports_alert_if_stale
from tests import factories as f
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

YEAR_ONE = "0001-01-01T00:00:00Z"


@pytest.fixture
def two_centres(fire_category):
    pky = f.CommandCentreFactory()
    smd = f.samarinda_centre()
    return {
        "pky": pky, "smd": smd,
        "ct_pky": f.call_taker(pky, username="ct_bad_pky"), "ct_smd": f.call_taker(smd, username="ct_bad_smd"),
        "spv_pky": f.supervisor(pky, username="spv_bad_pky"), "spv_smd": f.supervisor(smd, username="spv_bad_smd"),
        "category": fire_category,
    }


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _report(user, centre):
    today = timezone.localtime(timezone.now(), timezone=__import__("zoneinfo").ZoneInfo(centre.timezone)).date()
    r = _client(user).get("/api/v1/reports/coordination/", {"from": today.replace(day=1).isoformat(), "to": today.isoformat()})
    assert r.status_code == 200, r.content
    return r.json()


def _ring(client, started_at, external_id="pbx-1"):
    return client.post("/api/v1/calls/", {"caller_number": "081311112222", "external_id": external_id, "started_at": started_at}, format="json")


# ───────────── (a) the API and the database ─────────────
def test_a_pbx_start_from_a_reset_clock_is_refused_and_nothing_is_stored(two_centres):
    client = _client(two_centres["ct_pky"])
    assert_error(_ring(client, YEAR_ONE), 400, "too_old", "started_at")
    assert_error(_ring(client, (timezone.now() - dt.timedelta(hours=25)).isoformat()), 400, "too_old", "started_at")
    assert_error(_ring(client, (timezone.now() + dt.timedelta(minutes=6)).isoformat()), 400, "future", "started_at")
    assert_error(_ring(client, "2099-12-31T23:59:59Z"), 400, "future", "started_at")
    assert_error(_ring(client, "9999-12-31T23:59:59Z"), 400, field="started_at")  # beyond the zone conversion: DRF's overflow
    assert not Call.objects.exists() and not TimelineEvent.objects.exists()


def test_a_pbx_start_within_the_window_is_stored_and_never_in_the_future(two_centres):
    client = _client(two_centres["ct_pky"])
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    assert _ring(client, an_hour_ago.isoformat(), "pbx-old").status_code == 201
    assert Call.objects.get(external_id="pbx-old").ringing_at == an_hour_ago
    # a PBX clock 3 minutes fast is accepted, but the call is not dated in the future
    before = timezone.now()
    assert _ring(client, (timezone.now() + dt.timedelta(minutes=3)).isoformat(), "pbx-fast").status_code == 201
    assert before <= Call.objects.get(external_id="pbx-fast").ringing_at <= timezone.now()


@pytest.mark.parametrize("times", [
    {"ringing_at": dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)},
    {"ringing_at": dt.datetime(1999, 12, 31, 23, tzinfo=dt.timezone.utc)},
    {"answered_at": dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)},
    {"ended_at": dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)},
    # answered or ended hours before the call started: a broken clock, not skew
    {"ringing_at": timezone.now(), "answered_at": timezone.now() - dt.timedelta(hours=3)},
    {"answered_at": timezone.now(), "ended_at": timezone.now() - dt.timedelta(hours=3)},
])
def test_the_database_refuses_impossible_call_times_whoever_writes_them(two_centres, times):
    call = call_start(actor=two_centres["ct_pky"], caller_number="0812")
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(**times)


def test_the_database_allows_clock_skew_of_a_few_minutes(two_centres):
    call = call_start(actor=two_centres["ct_pky"], caller_number="0812")
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(ringing_at=now, answered_at=now - dt.timedelta(minutes=4), ended_at=now - dt.timedelta(minutes=3))


# ───────────── (b) the refresh survives any single bad row ─────────────
def _ordinary_day(w):
    """A closed call and an incident in each centre, through the services."""
    for centre in ("pky", "smd"):
        ct = w[f"ct_{centre}"]
        call = call_start(actor=ct, caller_number="081234500000")
        call_close(call_id=call.pk, actor=ct, disposition="prank")
        incident_create(actor=ct, category=w["category"].code, location=Point(*(f.PKY if centre == "pky" else f.SMD), srid=4326),
                        caller_number="081234500001")


def test_bad_rows_behind_the_apis_back_are_counted_and_every_centre_stays_current(two_centres):
    w = two_centres
    _ordinary_day(w)
    # bad rows written behind the API's back (the database allows them: only Call has a CHECK)
    bad, _ = incident_create(actor=w["ct_pky"], category=w["category"].code, location=Point(*f.PKY, srid=4326), caller_number="0812")
    Incident.objects.filter(pk=bad.pk).update(resolved_at=dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc),
                                              on_scene_at=timezone.now())
    undated, _ = incident_create(actor=w["ct_smd"], category=w["category"].code, location=Point(*f.SMD, srid=4326), caller_number="0812")
    Incident.objects.filter(pk=undated.pk).update(created_at=dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc))
    old_pbx = call_start(actor=w["ct_pky"], caller_number="0813")  # rang in 2000 (allowed by the CHECK), answered today
    Call.objects.filter(pk=old_pbx.pk).update(ringing_at=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
                                              answered_at=timezone.now(), ended_at=timezone.now())
    TimelineEvent.objects.create(kind="call.closed", at=timezone.now(), centre_ids=[w["pky"].pk],
                                 payload={"call": {"id": "not-a-number"}})
    TimelineEvent.objects.create(kind="call.closed", at=timezone.now(), centre_ids=[w["pky"].pk],
                                 payload={"call": {"id": old_pbx.pk}})

    result = rollup.rollup_refresh()

    assert result["failed"] == 0
    state = RollupState.objects.get(pk=1)
    assert state.last_seq == TimelineEvent.objects.order_by("-seq").first().seq and not state.retry_days
    pky, smd = _report(w["spv_pky"], w["pky"]), _report(w["spv_smd"], w["smd"])
    for report in (pky, smd):
        assert report["data_status"] == "ok" and report["data_as_of"] is not None
        assert report["calls"]["prank"] == 1 and report["incidents"]["total"] >= 1
    # what the numbers leave out is shown, with the reason
    errors = {row["interval"]: row for row in pky["data_errors"]["intervals"]}
    assert errors["on_scene_to_resolved"]["too_long"] == 1
    assert "answer" not in errors  # the 2000 call is dated 2000, not today: in no report of this month
    assert smd["data_errors"]["undated_incidents"] == 1 and smd["incidents"]["total"] == 1
    # the 2000 call's own day holds its too-long answer interval
    y2k = _client(w["spv_pky"]).get("/api/v1/reports/coordination/", {"from": "2000-01-01", "to": "2000-01-02"}).json()
    assert {r["interval"]: r["too_long"] for r in y2k["data_errors"]["intervals"]} == {"answer": 1}
    assert y2k["calls"]["received"] == 1 and y2k["intervals"]["answer"]["n"] == 0


def test_a_run_that_still_fails_is_retried_and_the_other_centres_are_current(two_centres, monkeypatch):
    w = two_centres
    _ordinary_day(w)
    real = rollup.rebuild_days

    def broken_for_pky(*, centre, first, last, **parts):
        if centre.code == "pky":
            raise RuntimeError("simulated bug")
        return real(centre=centre, first=first, last=last, **parts)

    monkeypatch.setattr(rollup, "rebuild_days", broken_for_pky)
    result = rollup.rollup_refresh()
    assert result["failed"] == 1
    state = RollupState.objects.get(pk=1)
    assert [c for c, *_ in state.retry_days] == [w["pky"].pk] and "simulated bug" in state.last_error
    assert _report(w["spv_smd"], w["smd"])["calls"]["prank"] == 1  # SMD is current
    assert _report(w["spv_pky"], w["pky"])["data_status"] == "stale"
    assert rollup_status()["status"] == "stale"

    monkeypatch.setattr(rollup, "rebuild_days", real)
    assert rollup.rollup_refresh()["failed"] == 0  # nothing new on the timeline: the retry alone
    assert RollupState.objects.get(pk=1).retry_days == []
    pky = _report(w["spv_pky"], w["pky"])
    assert pky["calls"]["prank"] == 1 and pky["data_status"] == "ok"


# ───────────── (c) stale: alert and /healthz ─────────────
def _waiting_event(minutes_ago, centre):
    return TimelineEvent.objects.create(kind="call.closed", at=timezone.now() - dt.timedelta(minutes=minutes_ago),
                                        centre_ids=[centre.pk], payload={})


def test_rollups_lagging_more_than_five_minutes_alert_every_centre_once(two_centres, client):
    w = two_centres
    rollup.rollup_refresh()
    _waiting_event(4, w["pky"])
    assert rollup_status()["status"] == "ok"
    assert reports_alert_if_stale()["alerted"] == 0
    rollup.rollup_refresh()
    _waiting_event(6, w["pky"])  # a refresh that has not run for 6 minutes
    assert client.get("/healthz").json()["reports"] == "stale"

    assert reports_alert_if_stale()["alerted"] == 2
    alerts = SupervisorAlert.objects.filter(kind="reports_stale")
    assert sorted(a.command_centre_id for a in alerts) == sorted([w["pky"].pk, w["smd"].pk])
    assert all(a.incident_id is None and "tertinggal" in a.message for a in alerts)
    raised = TimelineEvent.objects.filter(kind="alert.raised")
    assert sorted(e.centre_ids[0] for e in raised) == sorted([w["pky"].pk, w["smd"].pk])
    assert all(e.payload["command_centre"] == e.centre_ids[0] and e.agency_ids == [] for e in raised)
    # the same episode alerts once
    assert reports_alert_if_stale()["alerted"] == 0 and alerts.count() == 2

    rollup.rollup_refresh()
    assert client.get("/healthz").json()["reports"] == "ok"
    assert reports_alert_if_stale()["alerted"] == 0 and RollupState.objects.get(pk=1).stale_alerted_at is None


def test_a_refresh_that_fails_alerts_and_healthz_says_stale(two_centres, client, monkeypatch):
    from reporting import tasks

    w = two_centres
    _ordinary_day(w)
    monkeypatch.setattr(tasks, "rollup_refresh", lambda **_kw: (_ for _ in ()).throw(RuntimeError("database gone")))
    with pytest.raises(RuntimeError):
        tasks.refresh_rollups()
    assert "database gone" in RollupState.objects.get(pk=1).last_error
    assert SupervisorAlert.objects.filter(kind="reports_stale").count() == 2
    assert client.get("/healthz").json()["reports"] == "stale"
    assert _report(w["spv_pky"], w["pky"])["data_status"] == "stale"


def test_the_supervisors_board_and_alert_api_show_the_centre_alert(two_centres):
    w = two_centres
    _waiting_event(10, w["pky"])
    reports_alert_if_stale()
    board = _client(w["spv_pky"]).get("/api/v1/board/").json()
    [alert] = [a for a in board["alerts"] if a["kind"] == "reports_stale"]
    assert alert["incident"] is None and alert["command_centre"] == w["pky"].pk
    listed = _client(w["spv_pky"]).get("/api/v1/alerts/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [a["incident"] for a in rows if a["kind"] == "reports_stale"] == [None]
    acked = _client(w["spv_pky"]).post(f"/api/v1/alerts/{alert['id']}/acknowledge/", {"note": "admin dihubungi"}, format="json")
    assert acked.status_code == 200, acked.content
