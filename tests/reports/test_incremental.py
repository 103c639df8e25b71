"""The incremental refresh (issue 27) gives exactly what a full rebuild gives: random changes to incidents, their
assignments, their calls and new incidents, refreshed a few events at a time, compared with every rollup thrown away
and rebuilt from the whole timeline — cell by cell, row by row. And two refreshes at once never apply the same
events twice."""
import datetime as dt
import io
import random
import threading
from collections import Counter

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, connections

from incidents.models import Assignment, Call, Incident, TimelineEvent
from reporting.models import CallerStat, CallStat, DataErrorStat, EscalationStat, IncidentKey, IncidentStat, IntervalCell, RollupState
from reporting.rollup import rollup_rebuild_all, rollup_refresh
from tests import factories as f

from .test_rollup_cells import _assert_sums_of_days


def snapshot() -> dict:
    """Every rollup as {key: value}, rows of one key summed, zeros dropped (the shape a report reads)."""
    out = {}
    cells = {}
    for c in IntervalCell.objects.all():
        cells[(c.centre_id, c.grain, c.start, c.category_id, c.district, c.interval, c.agency_id)] = (
            list(c.seconds), list(c.counts), c.n, round(c.total_s, 6))
    out["cells"] = cells
    for name, model, fields in (
        ("calls", CallStat, ("centre_id", "day", "hour", "disposition", "answered", "abandoned", "channel")),
        ("incidents", IncidentStat, ("centre_id", "day", "category_id", "district", "agency_id")),
        ("escalations", EscalationStat, ("centre_id", "day", "category_id", "district", "agency_id", "kind")),
        ("callers", CallerStat, ("centre_id", "grain", "start", "caller_key", "disposition")),
        ("errors", DataErrorStat, ("centre_id", "day", "interval", "kind")),
    ):
        sums = Counter()
        for row in model.objects.values(*fields, "n"):
            sums[tuple(row[k] for k in fields)] += row["n"]
        out[name] = {k: v for k, v in sums.items() if v}
    return out


def assert_same_as_full_rebuild():
    _assert_sums_of_days()
    incremental = snapshot()
    rollup_rebuild_all()
    rebuilt = snapshot()
    for table in rebuilt:
        assert incremental[table].keys() == rebuilt[table].keys(), table
        for key, value in rebuilt[table].items():
            assert incremental[table][key] == value, (table, key)


def _touch(incident, kind="incident.updated"):
    TimelineEvent.objects.create(kind=kind, at=incident.created_at, incident=incident, centre_ids=[incident.command_centre_id], payload={})


def _mutate(rnd, w):
    """One random change as a service would make it (a row changed, an event written)."""
    incidents = list(Incident.objects.order_by("pk"))
    incident = rnd.choice(incidents)
    what = rnd.randrange(10)
    if what == 0:  # category corrected: the numbers move to the other category's cells
        incident.category = w.medic if incident.category_id == w.fire.pk else w.fire
    elif what == 1 and incident.command_centre_id == w.pky.pk:  # district corrected (or cleared)
        incident.district = rnd.choice([*w.districts, None])
    elif what == 2:  # a late close, or a close undone
        incident.closed_at = None if incident.closed_at else incident.created_at + dt.timedelta(seconds=rnd.uniform(60, 9000))
    elif what == 3:  # on scene / resolved stamped
        incident.on_scene_at = incident.created_at + dt.timedelta(seconds=rnd.uniform(100, 2000))
        incident.resolved_at = incident.on_scene_at + dt.timedelta(seconds=rnd.uniform(1, 3000))
    elif what == 4:  # an assignment accepted later, or a new one offered
        assignment = incident.assignments.order_by("pk").last()
        if assignment and assignment.offered_at:
            assignment.accepted_at = assignment.offered_at + dt.timedelta(seconds=rnd.uniform(1, 400))
            assignment.status = "accepted"
            assignment.save(update_fields=["accepted_at", "status"])
        else:
            Assignment.objects.create(incident=incident, agency=w.damkar if incident.command_centre_id == w.pky.pk else w.damkar_smd,
                                      offered_at=incident.created_at + dt.timedelta(seconds=rnd.uniform(5, 100)), status="offered")
    elif what == 5:  # a skewed clock: a negative interval, counted as a data error
        incident.resolved_at = (incident.on_scene_at or incident.created_at) - dt.timedelta(seconds=rnd.uniform(1, 50))
    elif what == 6:  # a call reclassified (prank ↔ ghost ↔ info): its own event
        call = rnd.choice(list(Call.objects.filter(answered_at__isnull=False).order_by("pk")))
        call.disposition = rnd.choice(["prank", "ghost", "info", "genuine"])
        call.save(update_fields=["disposition"])
        TimelineEvent.objects.create(kind="call.closed", at=call.answered_at, centre_ids=[call.command_centre_id],
                                     payload={"call": {"id": call.pk}})
        return
    elif what == 7:  # a new call and incident on another day (the next month sometimes)
        at = dt.datetime(2026, 11, rnd.randint(1, 30), rnd.randint(0, 23), tzinfo=dt.timezone.utc)
        call = Call.objects.create(command_centre=w.pky, caller_number="081234567890", status="ended", disposition="genuine",
                                   ringing_at=at, answered_at=at + dt.timedelta(seconds=rnd.uniform(1, 30)), ended_at=at + dt.timedelta(seconds=300))
        n = Incident.objects.count() + 1000
        new = Incident.objects.create(
            command_centre=w.pky, reference=f"INC-{n}", year=2026, number=n, category=rnd.choice([w.fire, w.medic]), priority=2,
            status="new", location=Point(*f.PKY, srid=4326), district=rnd.choice([*w.districts, None]), caller_number="081234567890",
            created_at=call.answered_at + dt.timedelta(seconds=20), call_answered_at=call.answered_at,
            routed_at=call.answered_at + dt.timedelta(seconds=rnd.uniform(21, 200)),
        )
        call.incident = new
        call.save(update_fields=["incident"])
        _touch(new, "incident.created")
        return
    elif what == 9:  # a unit's travel predicted (issue 25's ETA accuracy is a rollup too)
        from incidents.models import UnitDispatch

        dispatch = UnitDispatch.objects.filter(assignment__incident__command_centre=incident.command_centre).order_by("?").first()
        if dispatch is None:
            return
        dispatch.predicted_eta_s = rnd.randint(60, 900)
        dispatch.eta_basis = rnd.choice(["road", "straight_line", ""])
        dispatch.save(update_fields=["predicted_eta_s", "eta_basis"])
        _touch(dispatch.assignment.incident)
        return
    else:  # the incident's time moved to another day (a data fix)
        incident.created_at += dt.timedelta(days=rnd.choice([-1, 1]), seconds=rnd.randint(-60, 60))
    incident.save()
    _touch(incident)


@pytest.mark.parametrize("seed", [1, 27])
def test_incremental_refresh_equals_a_full_rebuild(report_world, seed):
    rnd = random.Random(seed)
    rollup_refresh()
    assert_same_as_full_rebuild()
    for step in range(6):
        for _ in range(rnd.randint(1, 5)):
            _mutate(rnd, report_world)
        result = rollup_refresh()
        assert result["failed"] == 0
        # only what the events touched: a few partitions, not every incident of every day
        assert result["incidents"] <= 5
        if step % 2:
            assert_same_as_full_rebuild()
    assert_same_as_full_rebuild()


def test_a_refresh_rebuilds_only_the_touched_partitions(report_world):
    rollup_refresh()
    incident = Incident.objects.filter(command_centre=report_world.pky, district__isnull=False).order_by("pk").first()
    untouched = IncidentStat.objects.exclude(category_id=incident.category_id, district=incident.district_id, day=incident.created_at.date())
    before = {row.pk for row in untouched}  # rows of other partitions keep their identity (never deleted and rewritten)
    incident.closed_at = incident.created_at + dt.timedelta(minutes=42)
    incident.save(update_fields=["closed_at"])
    _touch(incident)
    assert rollup_refresh()["incidents"] == 1
    assert before <= set(IncidentStat.objects.values_list("pk", flat=True))
    assert_same_as_full_rebuild()


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_apply_each_event_once(report_world):
    """Two workers refresh while new events keep coming; the row lock on RollupState serialises them (one waits, or
    with wait=False returns `skipped`), and the result is exactly the full rebuild's."""
    rollup_refresh()
    rnd = random.Random(5)
    for _ in range(4):
        _mutate(rnd, report_world)
    results, errors = [], []
    barrier = threading.Barrier(3)

    def worker(wait):
        try:
            barrier.wait()
            results.append(rollup_refresh(wait=wait))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(w,)) for w in (True, True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(1 for r in results if not r.get("skipped") and r["incidents"]) == 1  # the events applied once
    assert RollupState.objects.get(pk=1).last_seq == TimelineEvent.objects.order_by("-seq").first().seq
    assert_same_as_full_rebuild()
    connection.close()


def test_the_beat_refreshes_every_two_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-report-rollups"]
    assert entry["task"] == "reporting.tasks.refresh_rollups"
    assert entry["schedule"] <= dt.timedelta(seconds=2) and entry["options"]["expires"] <= 2


@pytest.mark.django_db(transaction=True)
def test_a_beat_refresh_never_queues_behind_a_running_one(report_world):
    """While one refresh holds the mark, the beat's task returns `skipped` at once (it does not wait for the lock and
    pile up behind it); once the first is done, the next beat brings the new event in."""
    from reporting import tasks

    rollup_refresh()
    incident = Incident.objects.order_by("pk").first()
    _touch(incident)
    holding, release, outcome = threading.Event(), threading.Event(), {}

    def hold_the_mark():
        from django.db import transaction

        try:
            with transaction.atomic():
                RollupState.objects.select_for_update().get(pk=1)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_mark)
    holder.start()
    assert holding.wait(30)
    try:
        outcome["busy"] = tasks.refresh_rollups()
    finally:
        release.set()
        holder.join()
    assert outcome["busy"] == {"skipped": True}
    assert tasks.refresh_rollups()["incidents"] == 1
    connection.close()


def test_sms_text_calls_come_from_the_call_rollups_in_the_centres_days(report_world):
    """caller_links.text_calls counts the period's SMS calls (issue 24) from CallStat's channel, by the centre's local day."""
    from .test_report_numbers import get_report

    w = report_world
    rollup_refresh()
    assert get_report(w.official)["caller_links"]["text_calls"] == 0
    # 2 Nov 23:30 WIB (in the period), and 5 Nov 17:30 UTC = 6 Nov 00:30 WIB (outside it)
    for at in (dt.datetime(2026, 11, 2, 16, 30, tzinfo=dt.timezone.utc), dt.datetime(2026, 11, 5, 17, 30, tzinfo=dt.timezone.utc)):
        call = Call.objects.create(command_centre=w.pky, channel="sms", caller_number="081211112222", status="ringing", ringing_at=at)
        TimelineEvent.objects.create(kind="call.ringing", at=at, centre_ids=[w.pky.pk], payload={"call": {"id": call.pk}})
    rollup_refresh()
    assert get_report(w.official)["caller_links"]["text_calls"] == 1
    assert_same_as_full_rebuild()


def test_a_backlog_is_taken_in_bounded_steps(report_world, monkeypatch):
    """A refresh takes at most MAX_EVENTS_PER_REFRESH events (each step committed, none outliving the task's time limit);
    step after step it reaches the same rollups as one full rebuild."""
    from reporting import rollup

    monkeypatch.setattr(rollup, "MAX_EVENTS_PER_REFRESH", 7)
    steps = 0
    while (result := rollup_refresh())["more"]:
        steps += 1
        assert result["last_seq"] == RollupState.objects.get(pk=1).last_seq
    assert steps >= TimelineEvent.objects.count() // 7 - 1
    assert result["last_seq"] == TimelineEvent.objects.order_by("-seq").first().seq
    monkeypatch.setattr(rollup, "MAX_EVENTS_PER_REFRESH", 10**9)
    assert_same_as_full_rebuild()


def test_a_full_rebuild_builds_each_day_once_from_the_rows(report_world, monkeypatch):
    """rollup_rebuild_all reads the rows, not the timeline in chunks: a replay rebuilt every day once per chunk of
    events (a bulk-loaded history — events in no time order — took hours at a million incidents). Here the chunk is
    two events, so a replay would rebuild the same days many times; the rows-based rebuild does each run of days once,
    marks every event taken in, and gives what the incremental refresh gives."""
    from reporting import rollup

    rollup_refresh()
    incremental = snapshot()
    monkeypatch.setattr(rollup, "MAX_EVENTS_PER_REFRESH", 2)
    calls = []
    real = rollup.rebuild_days

    def counted(**kw):
        calls.append((kw["centre"].pk, kw["first"], kw["last"], kw.get("parts")))
        return real(**kw)

    monkeypatch.setattr(rollup, "rebuild_days", counted)
    result = rollup_rebuild_all()
    assert result["failed"] == 0 and not result["more"]
    assert len(calls) == len(set(calls)) > 0  # each (centre, run of days) once
    assert all(parts is None for *_run, parts in calls)  # whole days, not a replay's partitions
    state = RollupState.objects.get(pk=1)
    assert state.last_seq == TimelineEvent.objects.order_by("-seq").first().seq and state.retry_days == []
    assert snapshot() == incremental
    assert rollup_refresh()["incidents"] == 0  # nothing left to take in


def test_a_full_rebuild_counts_rows_written_without_events(report_world):
    """A bulk load (generate_history, a migration from another system) writes incidents and calls without an event
    each: the rebuild from the rows counts them — a replay of the timeline never saw them."""
    rollup_rebuild_all()
    before = sum(IncidentStat.objects.filter(agency_id=0).values_list("n", flat=True))
    incident = Incident.objects.order_by("pk").first()
    for k in range(3):  # copies of an incident, written as a bulk load would: rows only
        Incident.objects.create(
            command_centre=incident.command_centre, reference=f"BULK-{k}", year=2026, number=90_000 + k,
            category=incident.category, priority=2, status="closed", location=incident.location, district=incident.district,
            created_at=incident.created_at + dt.timedelta(minutes=k), call_answered_at=incident.created_at - dt.timedelta(seconds=30),
        )
    rollup_refresh()
    assert sum(IncidentStat.objects.filter(agency_id=0).values_list("n", flat=True)) == before  # no event: not seen
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)  # the operator's command after a bulk load
    assert "0 runs failed" in out.getvalue()
    assert sum(IncidentStat.objects.filter(agency_id=0).values_list("n", flat=True)) == before + 3
    assert set(Incident.objects.values_list("pk", flat=True)) == set(IncidentKey.objects.values_list("incident_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_full_rebuild_outside_a_transaction_vacuums_the_rollups(report_world):
    """After a bulk load the rollups are vacuumed and analysed at once (not when autovacuum comes by): hint bits and
    statistics are set before the first report reads the new rows."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT coalesce(vacuum_count, 0), coalesce(analyze_count, 0) FROM pg_stat_user_tables WHERE relname = 'reporting_intervalcell'")
        vacuums, analyses = cur.fetchone()
    rollup_rebuild_all()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT vacuum_count, analyze_count FROM pg_stat_user_tables WHERE relname = 'reporting_intervalcell'")
        assert cur.fetchone() == (vacuums + 1, analyses + 1)
    connection.close()
