"""The interval rollup cells: filters by category and district read them (not the rows), month and year cells stay
the exact sums of their days while the refresh only adds each rebuilt day's difference, and periods made of
years, months and days give the numbers plain Python computes over the rows (tests/reports/reference.py)."""
import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from incidents.models import Incident, TimelineEvent
from reporting.models import IntervalCell
from reporting.rollup import rollup_refresh
from reporting.selectors import _cell_blocks
from reporting.targets import targets_for

from .reference import expected, local_day
from .test_report_numbers import check, get_report

NOV_1, NOV_5 = dt.date(2026, 11, 1), dt.date(2026, 11, 5)


def _filters(w, which):
    params, kw = {}, {}
    if "category" in which:
        params["category"], kw["category"] = "kebakaran", w.fire
    if "district" in which:
        params["district"], kw["district"] = "62.71.01", w.districts[0]
    if "agency" in which:
        params["agency"], kw["agency"] = w.damkar.pk, w.damkar
    return params, kw


def _assert_sums_of_days():
    """Every month and year cell equals the merge of its day cells; no empty cell is left behind."""
    sums = {"m": defaultdict(lambda: [Counter(), 0.0]), "y": defaultdict(lambda: [Counter(), 0.0])}
    stored = {}
    for cell in IntervalCell.objects.all():
        assert cell.n == sum(cell.counts) > 0 and cell.seconds == sorted(set(cell.seconds)) and all(cell.counts)
        rest = (cell.centre_id, cell.category_id, cell.district, cell.interval, cell.agency_id)
        if cell.grain == "d":
            for grain, start in (("m", cell.start.replace(day=1)), ("y", cell.start.replace(month=1, day=1))):
                entry = sums[grain][(start, *rest)]
                entry[0].update(dict(zip(cell.seconds, cell.counts)))
                entry[1] += cell.total_s
        else:
            stored[(cell.grain, cell.start, *rest)] = (dict(zip(cell.seconds, cell.counts)), cell.total_s)
    expect = {(g, *k): (dict(v[0]), v[1]) for g, cells in sums.items() for k, v in cells.items()}
    assert set(stored) == set(expect)
    for key, (counts, total) in expect.items():
        assert stored[key][0] == counts, key
        assert stored[key][1] == pytest.approx(total), key


def test_cell_blocks_read_a_year_as_one_cell():
    d = dt.date
    assert _cell_blocks(d(2026, 1, 1), d(2026, 12, 31)) == {("y", d(2026, 1, 1)): 1}
    # a rolling year: December 2025, and 2026 without its December
    assert _cell_blocks(d(2025, 12, 1), d(2026, 11, 30)) == {("m", d(2025, 12, 1)): 1, ("y", d(2026, 1, 1)): 1, ("m", d(2026, 12, 1)): -1}
    # most of a year: the year minus January, November and December, plus 1–3 November
    blocks = _cell_blocks(d(2026, 2, 1), d(2026, 11, 3))
    assert blocks == {("y", d(2026, 1, 1)): 1, ("m", d(2026, 1, 1)): -1, ("m", d(2026, 11, 1)): -1, ("m", d(2026, 12, 1)): -1,
                      **{("d", d(2026, 11, k)): 1 for k in (1, 2, 3)}}
    # six whole months stay months
    assert all(g != "y" for g, _s in _cell_blocks(d(2026, 1, 1), d(2026, 6, 30)))


@pytest.mark.parametrize("which", [("category",), ("district",), ("category", "agency"), ("district", "agency")])
def test_filtered_report_reads_the_cells_and_follows_the_timeline(report_world, which):
    w = report_world
    rollup_refresh()
    params, kw = _filters(w, which)
    targets = targets_for([w.pky.pk])[w.pky.pk]
    before = get_report(w.supervisor, **params)
    check(before, expected(centres=[w.pky], first=NOV_1, last=NOV_5, targets=targets, **kw), centre_ids=[w.pky.pk])

    # given an open incident inside the filter, closed in the rows without its event yet
    incident = next(
        i for i in Incident.objects.filter(command_centre=w.pky, closed_at__isnull=True, category=w.fire, district=w.districts[0],
                                           assignments__agency=w.damkar).order_by("pk").distinct()
        if NOV_1 <= local_day(i.created_at, w.pky) <= NOV_5
    )
    Incident.objects.filter(pk=incident.pk).update(closed_at=incident.created_at + dt.timedelta(seconds=4321), status="closed")
    # then the filtered report still shows the rollup (a report read from the rows would already count it)
    assert get_report(w.supervisor, **params)["intervals"]["created_to_closed"] == before["intervals"]["created_to_closed"]

    # when its event is refreshed, the day is rebuilt and only its difference reaches November and 2026
    TimelineEvent.objects.create(kind="incident.status_changed", at=timezone.now(), incident=incident, centre_ids=[w.pky.pk],
                                 payload={"old": "resolved", "new": "closed"})
    assert rollup_refresh()["days"] == 1
    after = get_report(w.supervisor, **params)
    assert after["intervals"]["created_to_closed"]["n"] == before["intervals"]["created_to_closed"]["n"] + 1
    # then the day, the month (month cells) and the year (the year cell) all equal plain Python over the rows
    for first, last in ((NOV_1, NOV_5), (dt.date(2026, 11, 1), dt.date(2026, 11, 30)), (dt.date(2026, 1, 1), dt.date(2026, 12, 31))):
        report = get_report(w.supervisor, **{"from": first.isoformat(), "to": last.isoformat(), **params})
        check(report, expected(centres=[w.pky], first=first, last=last, targets=targets, **kw), centre_ids=[w.pky.pk])
    _assert_sums_of_days()


def test_a_change_of_category_moves_values_between_cells(report_world):
    """An incident recategorised (and one whose routing is undone) takes its values out of the old cells of its day,
    month and year and into the new ones: the subtraction path, down to cells that empty out."""
    w = report_world
    rollup_refresh()
    _assert_sums_of_days()
    moved = next(i for i in Incident.objects.filter(command_centre=w.pky, category=w.fire, routed_at__isnull=False).order_by("pk")
                 if NOV_1 <= local_day(i.created_at, w.pky) <= NOV_5)
    Incident.objects.filter(pk=moved.pk).update(category=w.medic)
    unrouted = Incident.objects.filter(command_centre=w.pky, routed_at__isnull=False).exclude(pk=moved.pk).order_by("-pk").first()
    Incident.objects.filter(pk=unrouted.pk).update(routed_at=None)
    for incident in (moved, unrouted):
        TimelineEvent.objects.create(kind="incident.updated", at=timezone.now(), incident=incident, centre_ids=[w.pky.pk], payload={"changes": {}})
    rollup_refresh()
    _assert_sums_of_days()
    targets = targets_for([w.pky.pk])[w.pky.pk]
    for params, kw in ({"category": "medis"}, {"category": w.medic}), ({"category": "kebakaran"}, {"category": w.fire}), ({}, {}):
        for first, last in ((dt.date(2026, 2, 1), dt.date(2026, 11, 3)), (dt.date(2025, 12, 1), dt.date(2026, 11, 30))):
            report = get_report(w.official, **{"from": first.isoformat(), "to": last.isoformat(), **params})
            check(report, expected(centres=[w.pky], first=first, last=last, targets=targets, **kw), centre_ids=[w.pky.pk])


def test_category_and_district_together_are_measured_from_the_rows(report_world):
    """No key set holds a category and a district at once: that report measures the rows (and is current at once)."""
    w = report_world
    rollup_refresh()
    params, kw = _filters(w, ("category", "district"))
    targets = targets_for([w.pky.pk])[w.pky.pk]
    for first, last in ((NOV_1, NOV_5), (dt.date(2026, 1, 1), dt.date(2026, 12, 31))):
        report = get_report(w.supervisor, **{"from": first.isoformat(), "to": last.isoformat(), **params})
        check(report, expected(centres=[w.pky], first=first, last=last, targets=targets, **kw), centre_ids=[w.pky.pk])
