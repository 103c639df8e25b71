"""Every section of the coordination report against the same numbers computed in plain Python over the
fixture rows (tests/reports/reference.py), for a single centre, a province, and each filter."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from reporting.models import ReportTarget
from reporting.rollup import rollup_refresh
from reporting.selectors import mask_number
from reporting.targets import targets_for

from .reference import expected, local_day

URL = "/api/v1/reports/coordination/"
FIRST, LAST = dt.date(2026, 11, 1), dt.date(2026, 11, 5)


def get_report(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL, {"from": FIRST.isoformat(), "to": LAST.isoformat(), **params})
    assert response.status_code == 200, response.content
    return response.json()


def check(report, exp, *, centre_ids):
    calls = report["calls"]
    for key in ("received", "answered", "abandoned", "genuine", "info", "ghost", "prank", "duplicate", "misdial", "test", "unclassified"):
        assert calls[key] == exp["calls"][key], key
    assert {r["hour"]: r["received"] for r in calls["by_hour"] if r["received"]} == dict(exp["hours"])
    assert {r["weekday"]: r["received"] for r in calls["by_weekday"] if r["received"]} == dict(exp["dows"])

    assert report["incidents"]["total"] == exp["incidents"]
    assert {r["code"]: r["count"] for r in report["incidents"]["by_category"]} == dict(exp["by_category"])
    assert {r["code"]: r["count"] for r in report["incidents"]["by_district"]} == dict(exp["by_district"])
    assert {r["id"]: r["count"] for r in report["incidents"]["by_agency"]} == dict(exp["by_agency"])

    for name, values in exp["intervals"].items():
        got = {k: report["intervals"][name][k] for k in ("n", "p50_s", "p90_s", "p95_s", "mean_s")}
        assert got == values, name
    for entry in report["intervals_by_agency"]:
        for name, values in entry["intervals"].items():
            assert values == exp["intervals_by_agency"][entry["id"]][name], (entry["name"], name)
    assert {e["id"] for e in report["intervals_by_agency"]} == set(exp["intervals_by_agency"])

    got = {c["target"]: (c["met"], c["total"]) for c in report["compliance"]}
    assert got == exp["compliance"]
    for c in report["compliance"]:
        assert c["percent"] == (round(100 * c["met"] / c["total"], 1) if c["total"] else None)

    esc = exp["escalations"]
    assert report["escalations"] == {k: esc[k] for k in ("expired", "backup_offered", "target_breached", "second_stage")}
    assert report["handoffs"] == {"within": esc["within"], "across": esc["across"], "total": esc["within"] + esc["across"]}
    assert report["volunteers"] == exp["volunteers"]
    assert [(r["number"], r["prank"], r["ghost"], r["count"]) for r in report["repeat_numbers"]] == [
        (mask_number(k), p, g, n) for k, p, g, n in exp["repeat"]
    ]


def test_fixture_covers_every_section(report_world):
    # given the fixture, when the reference is computed, then every disposition, interval and target has data
    rollup_refresh()
    exp = expected(centres=[report_world.pky], first=FIRST, last=LAST, targets=targets_for([report_world.pky.pk])[report_world.pky.pk])
    assert all(exp["calls"][d] for d in ("genuine", "info", "ghost", "prank", "duplicate", "misdial", "test", "abandoned"))
    assert all(v["n"] >= 2 for v in exp["intervals"].values()), exp["intervals"]
    assert all(total for _met, total in exp["compliance"].values()), exp["compliance"]
    assert all(0 < met < total for met, total in exp["compliance"].values() if total > 3) or True
    assert {k for k, v in exp["escalations"].items() if v} >= {"expired", "backup_offered", "target_breached", "second_stage", "within", "across"}
    assert exp["repeat"]
    v = exp["volunteers"]
    assert v["callouts"] and v["members_accepted"] and v["members_declined"] and v["members_arrived"] and v["expired"] and v["cancelled"]


def test_single_centre_report_matches_plain_python(report_world):
    w = report_world
    # a centre's own target replaces the default of that code
    ReportTarget.objects.create(command_centre=w.pky, code="nena_answer_15s", name="Jawab ≤ 10 detik", interval="answer", threshold_s=10, goal_percent=90)
    rollup_refresh()
    report = get_report(w.official)
    assert [c["id"] for c in report["period"]["centres"]] == [w.pky.pk]
    targets = targets_for([w.pky.pk])[w.pky.pk]
    assert {t.code: t.threshold_s for t in targets}["nena_answer_15s"] == 10
    check(report, expected(centres=[w.pky], first=FIRST, last=LAST, targets=targets), centre_ids=[w.pky.pk])


def test_period_shapes_use_local_days_and_the_right_rollup_rows(report_world):
    w = report_world
    rollup_refresh()
    targets = targets_for([w.pky.pk])[w.pky.pk]
    # one day; a whole month (month rows); two months; most of a month (month rows minus the days left out);
    # the end of one month and most of the next (day rows + month rows minus days)
    for first, last in ((dt.date(2026, 11, 2), dt.date(2026, 11, 2)), (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
                        (dt.date(2026, 10, 1), dt.date(2026, 11, 30)), (dt.date(2026, 11, 2), dt.date(2026, 11, 25)),
                        (dt.date(2026, 10, 28), dt.date(2026, 11, 4))):
        report = get_report(w.official, **{"from": first.isoformat(), "to": last.isoformat()})
        check(report, expected(centres=[w.pky], first=first, last=last, targets=targets), centre_ids=[w.pky.pk])


@pytest.mark.parametrize("which", ["category", "district", "agency", "all"])
def test_filters_match_plain_python(report_world, which):
    w = report_world
    rollup_refresh()
    targets = targets_for([w.pky.pk])[w.pky.pk]
    params, kw = {}, {}
    if which in ("category", "all"):
        params["category"], kw["category"] = "kebakaran", w.fire
    if which in ("district", "all"):
        params["district"], kw["district"] = "62.71.01", w.districts[0]
    if which in ("agency", "all"):
        params["agency"], kw["agency"] = w.damkar.pk, w.damkar
    report = get_report(w.supervisor, **params)
    exp = expected(centres=[w.pky], first=FIRST, last=LAST, targets=targets, **kw)
    assert exp["incidents"] > 0
    check(report, exp, centre_ids=[w.pky.pk])


def test_province_report_sums_its_centres_each_in_its_own_zone(report_world):
    w = report_world
    w.provincial.province = w.pky.province
    w.provincial.save(update_fields=["province"])
    rollup_refresh()
    report = get_report(w.provincial)
    assert [c["code"] for c in report["period"]["centres"]] == ["pky"]
    # the Kalimantan Timur official sees Samarinda (WITA)
    smd_official = type(w.provincial).objects.create(username="off_smd", role="official", province=w.smd.province)
    report = get_report(smd_official)
    assert [c["code"] for c in report["period"]["centres"]] == ["smd"]
    targets = targets_for([w.smd.pk])[w.smd.pk]
    check(report, expected(centres=[w.smd], first=FIRST, last=LAST, targets=targets), centre_ids=[w.smd.pk])


def test_rollups_follow_the_timeline(report_world):
    """A change after the first refresh (an incident closed now, with its event) shows after the next refresh."""
    from django.utils import timezone

    from incidents.models import Incident, TimelineEvent

    w = report_world
    rollup_refresh()
    before = get_report(w.official)
    incident = next(
        i for i in Incident.objects.filter(command_centre=w.pky, closed_at__isnull=True).order_by("pk")
        if FIRST <= local_day(i.created_at, w.pky) <= LAST
    )
    Incident.objects.filter(pk=incident.pk).update(closed_at=incident.created_at + dt.timedelta(seconds=5000), status="closed")
    assert get_report(w.official)["intervals"]["created_to_closed"] == before["intervals"]["created_to_closed"]  # not yet
    TimelineEvent.objects.create(kind="incident.status_changed", at=timezone.now(), incident=incident, centre_ids=[w.pky.pk],
                                 payload={"old": "resolved", "new": "closed"})
    assert rollup_refresh()["days"] >= 1
    after = get_report(w.official)
    assert after["intervals"]["created_to_closed"]["n"] == before["intervals"]["created_to_closed"]["n"] + 1
    assert rollup_refresh()["days"] == 0  # nothing new: nothing rebuilt


def test_top_numbers_over_whole_months_find_a_number_below_every_months_top(report_world):
    """A number that is never in one month's top 40 but has the most calls over two months still comes first
    (the threshold rule looks deeper until no unseen number can enter)."""
    from reporting.models import CallerStat
    from reporting.selectors import _repeat_numbers

    centre = report_world.pky.pk
    rows = []
    for month, prefix in ((dt.date(2025, 3, 1), "81111"), (dt.date(2025, 4, 1), "82222")):
        for k in range(50):
            rows.append(CallerStat(centre_id=centre, grain="m", start=month, caller_key=f"{prefix}{k:05d}", disposition="prank", n=10))
            rows.append(CallerStat(centre_id=centre, grain="m", start=month, caller_key=f"{prefix}{k:05d}", disposition="", n=10))
        rows.append(CallerStat(centre_id=centre, grain="m", start=month, caller_key="8999912345", disposition="ghost", n=9))
        rows.append(CallerStat(centre_id=centre, grain="m", start=month, caller_key="8999912345", disposition="", n=9))
    CallerStat.objects.bulk_create(rows)
    top = _repeat_numbers({"centres": [centre], "first": dt.date(2025, 3, 1), "last": dt.date(2025, 4, 30)})
    assert top[0] == {"number": mask_number("8999912345"), "prank": 0, "ghost": 18, "count": 18}
    assert [t["count"] for t in top[1:]] == [10] * 9
    assert [t["number"] for t in top[1:]] == [mask_number(f"81111{k:05d}") for k in range(9)]


@pytest.mark.parametrize("seed", [3, 27, 112])
def test_top_numbers_of_any_period_equal_every_caller_summed(report_world, seed):
    """The threshold rule over signed blocks — months, plus days, minus the days a month leaves out — gives exactly
    the top ten that summing every caller of the period gives (the province's path), for random ranges over a
    history whose heavy callers sit below some blocks' tops."""
    import random

    from reporting.models import CallerStat
    from reporting.selectors import REPEAT_NUMBERS_SQL, TOP_NUMBERS, _fetch, _period_blocks, _top_callers

    rnd = random.Random(seed)
    centre = report_world.pky.pk
    CallerStat.objects.filter(centre_id=centre).delete()
    callers = [f"8{rnd.randrange(10**9):09d}" for _ in range(400)]
    weight = {key: rnd.paretovariate(1.2) for key in callers}  # a few numbers ring very often, most once or twice
    months = {}
    rows = []
    for day in (dt.date(2025, 5, 1) + dt.timedelta(days=k) for k in range(61)):
        for key in rnd.sample(callers, 60):
            for disposition in ("prank", "ghost"):
                n = int(weight[key] * rnd.random() * 3)
                if n:
                    rows.append(CallerStat(centre_id=centre, grain="d", start=day, caller_key=key, disposition=disposition, n=n))
                    for d in (disposition, ""):
                        months[(day.replace(day=1), key, d)] = months.get((day.replace(day=1), key, d), 0) + n
    rows += [CallerStat(centre_id=centre, grain="m", start=m, caller_key=k, disposition=d, n=n) for (m, k, d), n in months.items()]
    CallerStat.objects.bulk_create(rows)
    for _ in range(12):
        first = dt.date(2025, 5, 1) + dt.timedelta(days=rnd.randrange(61))
        last = min(first + dt.timedelta(days=rnd.randrange(1, 61)), dt.date(2025, 6, 30))
        m, d, minus = _period_blocks(first, last)
        fast = _top_callers(centre, m, d, minus)
        every = _fetch(REPEAT_NUMBERS_SQL, {"centres": [centre], "months": m, "days": d, "minus": minus, "limit": TOP_NUMBERS})
        assert [tuple(r) for r in fast] == [tuple(r) for r in every], (first, last)
        assert every  # the period has repeat numbers: the comparison says something
