"""Reads of the reporting app: the coordination report, computed from the rollups (reporting.rollup) that are
derived from the incidents' stage timestamps, the calls and the timeline — always within the acting user's
scope. Percentiles follow one convention (docs/reports.md): intervals in whole seconds rounded up, and the
p-th percentile is the smallest value v with at least p of the rows ≤ v (PostgreSQL's percentile_disc)."""
from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import accumulate

import psycopg

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from agencies.models import Agency, CommandCentre, Region
from agencies.scoping import scope_for
from incidents.models import Call, CallerLink, CallerPosition, IncidentCategory, TimelineEvent
from volunteers.models import CallOut, CallOutResponse

from . import rollup
from .cardiac import cardiac_arrest_report
from .models import AGENCY_INTERVALS, Interval, MonthlyReport, RollupState
from .targets import targets_for

DISPOSITIONS = [d.value for d in Call.Disposition]
WEEKDAYS = [_l("Senin"), _l("Selasa"), _l("Rabu"), _l("Kamis"), _l("Jumat"), _l("Sabtu"), _l("Minggu")]
ESCALATION_KINDS = ("expired", "backup_offered", "target_breached", "second_stage")
TOP_NUMBERS = 10


@dataclass(frozen=True)
class ReportQuery:
    centres: tuple  # CommandCentre rows, in scope
    first: dt.date
    last: dt.date
    district: Region | None = None
    category: IncidentCategory | None = None
    agency: Agency | None = None

    @property
    def centre_ids(self):
        return [c.pk for c in self.centres]

    def local_periods(self):
        """(centre, start, end) per centre: the period's first and last day in that centre's own time zone, as UTC."""
        return [(c, *rollup.local_bounds(c.timezone, self.first, self.last)) for c in self.centres]


def centres_in_scope(*, user):
    scope = scope_for(user)
    qs = CommandCentre.objects.order_by("code")
    return qs if scope.is_global else qs.filter(pk__in=scope.centre_ids)


# ───────────── percentiles (the one convention, shared with the tests' plain-Python check) ─────────────
def percentiles_disc(counts: Counter, ps) -> list:
    """For each p: the smallest value v such that at least p·n of the values are ≤ v (one pass over the sorted values)."""
    total = sum(counts.values())
    if not total:
        return [None] * len(ps)
    ranks = [math.ceil(p * total) for p in ps]
    found, seen = {}, 0
    for value in sorted(counts):
        seen += counts[value]
        for rank in ranks:
            if rank not in found and seen >= rank:
                found[rank] = value
        if len(found) == len(set(ranks)):
            break
    return [found.get(rank) for rank in ranks]


def summarize(counts: Counter, total_s: float) -> dict:
    n = sum(counts.values())
    p50, p90, p95 = percentiles_disc(counts, (0.5, 0.9, 0.95))
    return {"n": n, "p50_s": p50, "p90_s": p90, "p95_s": p95, "mean_s": round(total_s / n, 1) if n else None}


def mask_number(key: str) -> str:
    """'81234567890' (caller key) → '0812****7890'."""
    number = "0" + key
    if len(number) < 9:
        return number[:2] + "*" * (len(number) - 2)
    return number[:4] + "****" + number[-4:]


# ───────────── the report ─────────────
def _period_blocks(first: dt.date, last: dt.date):
    """How to read [first, last] from the rollups: (months, days, minus_days). Whole local months are month rows;
    a month covered for more than half its days is its month row minus the day rows left out (fewer rows to
    read); a month covered for less is its day rows."""
    months, days, minus = [], [], []
    month = first.replace(day=1)
    while month <= last:
        month_end = rollup.next_month(month) - dt.timedelta(days=1)
        lo, hi = max(first, month), min(last, month_end)
        covered = (hi - lo).days + 1
        length = month_end.day
        if covered == length:
            months.append(month)
        elif covered * 2 > length:
            months.append(month)
            minus += [month + dt.timedelta(days=k) for k in range(length) if not lo <= month + dt.timedelta(days=k) <= hi]
        else:
            days += [lo + dt.timedelta(days=k) for k in range(covered)]
        month = rollup.next_month(month)
    return months, days, minus


def _cell_blocks(first: dt.date, last: dt.date) -> dict:
    """{(grain, start): sign} whose signed sum is exactly [first, last] in interval cells: as _period_blocks, and a
    year with more than six whole months in the range is its year cell minus its other months (whose covered
    days are then added back as their month minus days, or their days) — a calendar year is one cell, a rolling
    365 days three."""
    months, days, minus = _period_blocks(first, last)
    blocks = Counter()
    for month in months:
        blocks[("m", month)] += 1
    for day in days:
        blocks[("d", day)] += 1
    for day in minus:
        blocks[("d", day)] -= 1
    for year in range(first.year, last.year + 1):
        whole = [m for m in months if m.year == year and first <= m and rollup.next_month(m) - dt.timedelta(days=1) <= last]
        if len(whole) > 6:
            blocks[("y", dt.date(year, 1, 1))] += 1
            for k in range(1, 13):
                blocks[("m", dt.date(year, k, 1))] -= 1
    return {block: sign for block, sign in blocks.items() if sign}


# The rows of a period: month rows, plus day rows, minus the day rows a partly covered month leaves out.
BLOCKS_WHERE = """centre_id = ANY(%(centres)s)
    AND ((grain = 'm' AND start = ANY(%(months)s)) OR (grain = 'd' AND (start = ANY(%(days)s) OR start = ANY(%(minus)s))))"""
SIGN = "(CASE WHEN grain = 'd' AND start = ANY(%(minus)s) THEN -1 ELSE 1 END)"


def _fetch(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def coordination_report(*, query: ReportQuery) -> dict:
    ids = query.centre_ids
    base = {"centres": ids, "first": query.first, "last": query.last}
    agency_view = query.agency.pk if query.agency else 0
    where, params = ["centre_id = ANY(%(centres)s)", "day BETWEEN %(first)s AND %(last)s", "agency_id = %(agency)s"], {**base, "agency": agency_view}
    if query.category:
        where.append("category_id = %(category)s")
        params["category"] = query.category.pk
    if query.district:
        where.append("district = %(district)s")
        params["district"] = query.district.code
    where_sql = " AND ".join(where)

    report = {
        "period": {
            "from": query.first.isoformat(),
            "to": query.last.isoformat(),
            "days": (query.last - query.first).days + 1,
            "centres": [{"id": c.pk, "code": c.code, "name": c.name, "time_zone": c.timezone} for c in query.centres],
            "time_zone": query.centres[0].timezone if len({c.timezone for c in query.centres}) == 1 else None,
        },
        "filters": {
            "district": query.district.code if query.district else None,
            "category": query.category.code if query.category else None,
            "agency": query.agency.pk if query.agency else None,
        },
        "calls": _calls(base),
        "incidents": _incidents(where_sql, params, query),
    }
    hist = _histogram(query, base)
    offered = [row["id"] for row in report["incidents"]["by_agency"]]
    report["intervals"], report["intervals_by_agency"] = _intervals(hist, query, offered)
    report["compliance"] = _compliance(hist, query)
    esc = _escalations(where_sql, params)
    report["escalations"] = {kind: esc.get(kind, 0) for kind in ESCALATION_KINDS}
    report["handoffs"] = {
        "within": esc.get("handoff_within", 0),
        "across": esc.get("handoff_across", 0),
        "total": esc.get("handoff_within", 0) + esc.get("handoff_across", 0),
    }
    report["volunteers"] = _volunteers(query)
    report["caller_links"] = _caller_links(query)
    report["eta_accuracy"] = _eta_accuracy(query, hist)
    report["cardiac_arrest"] = cardiac_arrest_report(query)
    report["repeat_numbers"] = _repeat_numbers(base)
    report["data_errors"] = _data_errors(base)
    health = rollup_status()
    report["data_as_of"] = health["refreshed_at"]
    # "stale": the rollups lag the timeline by more than ROLLUP_STALE_AFTER or their last refresh failed (issue 28)
    report["data_status"] = health["status"]
    report["generated_at"] = timezone.now().isoformat()
    return report


def _data_errors(base) -> dict:
    """What the numbers leave out and why (issue 28): intervals outside [0, rollup.MAX_INTERVAL_S] in the period
    (`negative`: an end recorded before its start, clock skew; `too_long`), and the centres' rows dated outside
    any period a report can ask for (`undated_calls`, `undated_incidents`: a device's broken clock). The centres'
    whole count, whatever the filter."""
    rows = _fetch(
        """SELECT day IS NULL, interval, kind, sum(n) FROM reporting_dataerrorstat
           WHERE centre_id = ANY(%(centres)s) AND (day IS NULL OR day BETWEEN %(first)s AND %(last)s)
           GROUP BY 1, 2, 3""",
        base,
    )
    by_interval = defaultdict(lambda: {"negative": 0, "too_long": 0})
    undated = {"undated_call": 0, "undated_incident": 0}
    for is_undated, interval, kind, n in rows:
        if is_undated:
            undated[kind] = undated.get(kind, 0) + int(n)
        elif kind in ("negative", "too_long"):
            by_interval[interval][kind] += int(n)
    intervals = [
        {"interval": name, "label": str(Interval(name).label) if name in Interval.values else name, **counts}
        for name, counts in sorted(by_interval.items())
    ]
    undated_calls, undated_incidents = undated.get("undated_call", 0), undated.get("undated_incident", 0)
    return {
        "total": sum(r["negative"] + r["too_long"] for r in intervals) + undated_calls + undated_incidents,
        "intervals": intervals,
        "undated_calls": undated_calls,
        "undated_incidents": undated_incidents,
        "max_interval_s": rollup.MAX_INTERVAL_S,
    }


# The rollups are "stale" when the oldest timeline event they have not taken in is older than this, or their last
# refresh (or one of its runs) failed: the board gets a supervisor alert and /healthz says `reports: stale`.
ROLLUP_STALE_AFTER = dt.timedelta(minutes=5)


def rollup_status(*, now=None) -> dict:
    """How current the report rollups are: `status` ok/stale, `lag_s` (age of the oldest event not yet taken in;
    0 when none is waiting — a quiet night is not stale), `refreshed_at`, `last_error` and `last_error_at`."""
    now = now or timezone.now()
    state = RollupState.objects.filter(pk=1).first()
    after = state.last_seq if state else 0
    # the first event after last_seq by seq (the primary key): seq follows commit order, so it is the oldest waiting
    waiting_since = TimelineEvent.objects.filter(seq__gt=after).order_by("seq").values_list("at", flat=True).first()
    lag = (now - waiting_since) if waiting_since else dt.timedelta(0)
    failing = bool(state and (state.retry_days or (state.last_error_at and (state.refreshed_at is None or state.last_error_at >= state.refreshed_at))))
    stale = failing or lag > ROLLUP_STALE_AFTER
    return {
        "status": "stale" if stale else "ok",
        "lag_s": max(0, int(lag.total_seconds())),
        "failing": failing,
        "refreshed_at": state.refreshed_at.isoformat() if state and state.refreshed_at else None,
        "last_error": (state.last_error if failing else "") if state else "",
        "last_error_at": state.last_error_at.isoformat() if state and state.last_error_at else None,
    }


def _calls(base) -> dict:
    rows = _fetch(
        """SELECT extract(isodow FROM day)::int, hour, disposition, answered, abandoned, sum(n)
           FROM reporting_callstat WHERE centre_id = ANY(%(centres)s) AND day BETWEEN %(first)s AND %(last)s
           GROUP BY 1, 2, 3, 4, 5""",
        base,
    )
    calls = {"received": 0, "answered": 0, "abandoned": 0, **{d: 0 for d in DISPOSITIONS}, "unclassified": 0}
    by_hour = {h: {"hour": h, "received": 0, "answered": 0, "abandoned": 0} for h in range(24)}
    by_dow = {d: {"weekday": d, "name": str(WEEKDAYS[d - 1]), "received": 0, "answered": 0, "abandoned": 0} for d in range(1, 8)}
    for dow, hour, disposition, answered, abandoned, n in rows:
        n = int(n)
        for bucket in (calls, by_hour[hour], by_dow[dow]):
            bucket["received"] += n
            bucket["answered"] += n if answered else 0
            bucket["abandoned"] += n if abandoned else 0
        if disposition in calls:
            calls[disposition] += n
        elif answered:
            calls["unclassified"] += n
    calls["by_hour"] = list(by_hour.values())
    calls["by_weekday"] = list(by_dow.values())
    return calls


def _incidents(where_sql, params, query) -> dict:
    rows = _fetch(f"SELECT category_id, district, sum(n) FROM reporting_incidentstat WHERE {where_sql} GROUP BY 1, 2", params)
    by_cat, by_dist = Counter(), Counter()
    for category_id, district, n in rows:
        by_cat[category_id] += int(n)
        by_dist[district] += int(n)
    cats = IncidentCategory.objects.in_bulk(list(by_cat))
    regions = Region.objects.in_bulk([d for d in by_dist if d], field_name="code")
    agency_where = where_sql.replace("agency_id = %(agency)s", "agency_id <> 0" + (" AND agency_id = %(agency)s" if query.agency else ""))
    agency_rows = _fetch(f"SELECT agency_id, sum(n) FROM reporting_incidentstat WHERE {agency_where} GROUP BY 1", params)
    agencies = Agency.objects.in_bulk([a for a, _n in agency_rows])
    return {
        "total": sum(by_cat.values()),
        "by_category": sorted(
            ({"code": cats[c].code, "name": cats[c].name_id, "count": n} for c, n in by_cat.items() if c in cats),
            key=lambda r: (-r["count"], r["code"]),
        ),
        "by_district": sorted(
            (
                {"code": d or None, "name": regions[d].name if d in regions else _("Di luar kecamatan yang dikenal"), "count": n}
                for d, n in by_dist.items()
            ),
            key=lambda r: (-r["count"], r["code"] or ""),
        ),
        "by_agency": sorted(
            ({"id": a, "name": str(agencies[a]) if a in agencies else str(a), "count": int(n)} for a, n in agency_rows),
            key=lambda r: (-r["count"], r["id"]),
        ),
    }


def _histogram(query: ReportQuery, base) -> "Histograms":
    """The period's interval distributions from the cells of its blocks (year, month, day; signed) for the
    filter's key set — every incident, one category, one district, or one category in one district. Calls (the
    answer interval) are the centre's whatever the filter. The cells are read as they are stored, never merged:
    a binary cursor hands their arrays over without parsing text."""
    blocks = _cell_blocks(query.first, query.last)
    connection.ensure_connection()
    # a server-side binding cursor of its own: Django's client-side cursors cannot fetch binary results
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(
            """SELECT c.grain, c.start, c.centre_id, c.interval, c.agency_id, c.seconds, c.counts, c.total_s
               FROM unnest(%(grains)s::text[], %(starts)s::date[]) AS b(grain, start)
               JOIN reporting_intervalcell c ON c.grain = b.grain AND c.start = b.start
               WHERE c.centre_id = ANY(%(centres)s) AND (%(agency)s = 0 OR c.agency_id IN (0, %(agency)s))
                 AND ((c.category_id = %(category)s AND c.district = %(district)s)
                      OR (c.interval = 'answer' AND c.category_id = 0 AND c.district = '*'))""",
            {**base, "grains": [g for g, _s in blocks], "starts": [s for _g, s in blocks],
             "category": query.category.pk if query.category else 0, "district": query.district.code if query.district else "*",
             "agency": query.agency.pk if query.agency else 0},
            binary=True,
        )
        rows = cur.fetchall()
    hist = Histograms()
    for grain, start, *cell in rows:
        hist.add_cell(blocks[(grain, start)], *cell)
    return hist


class Distribution:
    """One period's distribution of an interval as the signed cells it is made of, never merged into one: the
    number of values ≤ v is the signed sum of each cell's cumulative count at v (a bisection per cell), so a
    percentile is a binary search over v, and compliance one count — exact, whatever the number of cells."""

    __slots__ = ("blocks", "n", "total_s")

    def __init__(self):
        self.blocks, self.n, self.total_s = [], 0, 0.0

    def add(self, sign, seconds, counts, total_s):
        cumulative = list(accumulate(counts))
        if cumulative:
            self.blocks.append((sign, seconds, cumulative))
            self.n += sign * cumulative[-1]
        self.total_s += sign * total_s

    def extend(self, other: "Distribution"):
        self.blocks += other.blocks
        self.n += other.n
        self.total_s += other.total_s

    def count_le(self, value) -> int:
        found = 0
        for sign, seconds, cumulative in self.blocks:
            i = bisect_right(seconds, value)
            if i:
                found += sign * cumulative[i - 1]
        return found

    def percentiles(self, ps) -> list:
        """percentile_disc: for each p the smallest value v with at least ceil(p·n) values ≤ v."""
        if self.n <= 0:
            return [None] * len(ps)
        ranks = [math.ceil(p * self.n) for p in ps]
        if len(self.blocks) == 1:
            _sign, seconds, cumulative = self.blocks[0]
            return [seconds[bisect_left(cumulative, rank)] for rank in ranks]
        low = min(seconds[0] for _sign, seconds, _c in self.blocks)
        high = max(seconds[-1] for _sign, seconds, _c in self.blocks)
        result = []
        for rank in ranks:
            lo, hi = low, high  # count_le(high) = n >= rank
            while lo < hi:
                mid = (lo + hi) // 2
                if self.count_le(mid) >= rank:
                    hi = mid
                else:
                    lo = mid + 1
            result.append(lo)
        return result

    def summary(self) -> dict:
        p50, p90, p95 = self.percentiles((0.5, 0.9, 0.95))
        n = self.n
        return {"n": n, "p50_s": p50, "p90_s": p90, "p95_s": p95, "mean_s": round(self.total_s / n, 1) if n else None}


class Histograms:
    """The period's distributions by (centre, interval, agency view): signed sums of cells."""

    def __init__(self):
        self.cells = defaultdict(Distribution)

    def add_cell(self, sign, centre_id, name, agency_id, seconds, counts, total_s):
        self.cells[(centre_id, name, agency_id)].add(sign, seconds, counts, total_s)

    @property
    def agencies(self):
        """Agencies with an agency interval in the period."""
        return {a for (_c, name, a), dist in self.cells.items() if a and name in AGENCY_INTERVALS and dist.n > 0}

    def collect(self, *, interval, agencies, centre=None) -> Distribution:
        found = [dist for (centre_id, name, agency_id), dist in self.cells.items()
                 if name == interval and agency_id in agencies and (centre is None or centre_id == centre)]
        if len(found) == 1:
            return found[0]  # read only by the caller
        merged = Distribution()
        for dist in found:
            merged.extend(dist)
        return merged


def _view(query, interval):
    # Calls are the centre's whatever agency is chosen; everything else follows the agency filter.
    return {0} if interval == Interval.ANSWER or not query.agency else {query.agency.pk}


def _intervals(hist, query, offered):
    result = {}
    for interval in Interval:
        result[interval.value] = {"label": str(interval.label), **hist.collect(interval=interval.value, agencies=_view(query, interval)).summary()}
    # every agency offered an incident of the period, also one whose clock never started (it let it expire)
    agency_ids = sorted(set(offered) | hist.agencies)
    if query.agency:
        agency_ids = [query.agency.pk]
    agencies = Agency.objects.in_bulk(agency_ids)
    by_agency = []
    for agency_id in agency_ids:
        entry = {"id": agency_id, "name": str(agencies.get(agency_id, agency_id)), "intervals": {}}
        for interval in Interval:
            if interval in AGENCY_INTERVALS:
                entry["intervals"][interval.value] = hist.collect(interval=interval.value, agencies={agency_id}).summary()
        by_agency.append(entry)
    return result, by_agency


def _compliance(hist, query):
    per_centre = targets_for(query.centre_ids)
    agency_types = dict(Agency.objects.values_list("pk", "type"))
    merged = {}
    for centre_id, targets in per_centre.items():
        for target in targets:
            if target.agency_type:
                views = {a for a, t in agency_types.items() if t == target.agency_type}
                if query.agency:
                    views &= {query.agency.pk}
            else:
                views = _view(query, target.interval)
            dist = hist.collect(centre=centre_id, interval=target.interval, agencies=views)
            entry = merged.setdefault(
                target.code,
                {"target": target.code, "name": str(target.name), "interval": str(target.interval), "thresholds": set(),
                 "goal_percent": target.goal_percent, "agency_type": target.agency_type, "met": 0, "total": 0},
            )
            entry["thresholds"].add(target.threshold_s)
            entry["met"] += dist.count_le(target.threshold_s)
            entry["total"] += dist.n
    result = []
    for entry in merged.values():
        thresholds = entry.pop("thresholds")
        entry["threshold_s"] = thresholds.pop() if len(thresholds) == 1 else None
        entry["percent"] = round(100.0 * entry["met"] / entry["total"], 1) if entry["total"] else None
        entry["meets_goal"] = None if entry["percent"] is None else entry["met"] * 100 >= entry["goal_percent"] * entry["total"]
        result.append(entry)
    return result


def _escalations(where_sql, params) -> dict:
    return {kind: int(n) for kind, n in _fetch(f"SELECT kind, sum(n) FROM reporting_escalationstat WHERE {where_sql} GROUP BY 1", params)}


def _repeat_numbers(base) -> list:
    """The numbers that rang most often as prank or ghost calls (at least twice), masked."""
    months, days, minus = _period_blocks(base["first"], base["last"])
    if len(base["centres"]) == 1:
        rows = _top_callers(base["centres"][0], months, days, minus)
    else:
        rows = _fetch(REPEAT_NUMBERS_SQL, {**base, "months": months, "days": days, "minus": minus, "limit": TOP_NUMBERS})
    return [
        {"number": mask_number(key), "prank": int(prank or 0), "ghost": int(ghost or 0), "count": int(total)}
        for key, prank, ghost, total in rows
    ]


# Every caller of the period summed (the province's several centres; the single centre's cross-check in the tests).
REPEAT_NUMBERS_SQL = f"""
    SELECT caller_key, sum({SIGN} * n) FILTER (WHERE disposition = 'prank'), sum({SIGN} * n) FILTER (WHERE disposition = 'ghost'),
           sum({SIGN} * n)
    FROM reporting_callerstat WHERE {BLOCKS_WHERE} AND disposition <> ''
    GROUP BY 1 HAVING sum({SIGN} * n) >= 2 ORDER BY 4 DESC, 1 LIMIT %(limit)s"""


def _top_callers(centre_id: int, months: list, days: list, minus: list) -> list:
    """Exact top ten of a period's signed blocks without summing every caller (Fagin's threshold rule).

    The period is month rows plus day rows minus day rows (_period_blocks). Take the `depth` biggest rows of each
    positive block — a month's totals (disposition ''), a day's prank rows and its ghost rows — by index, and sum
    those candidates exactly over every block, the minus days subtracted. A number outside a block's top `depth` has
    at most that block's `depth`-th value there (a block with fewer rows lists all its numbers: an unseen one has 0),
    and a minus day only lowers it; so once the sum of those floors is below the tenth candidate's count (or below 2,
    the least a repeat number has, when fewer than ten qualify), no unseen number can enter. Otherwise look deeper.
    At a million incidents a month a custom range summed a month's ≈ 1 M caller rows (2–3 s); this reads a few
    hundred."""
    depth = TOP_NUMBERS * 4
    while True:
        cand = _fetch(
            """SELECT 'm', m.start, '', t.caller_key, t.n FROM unnest(%(months)s::date[]) AS m(start)
               CROSS JOIN LATERAL (
                   SELECT caller_key, n FROM reporting_callerstat
                   WHERE centre_id = %(centre)s AND grain = 'm' AND start = m.start AND disposition = ''
                   ORDER BY n DESC, caller_key LIMIT %(depth)s) t
               UNION ALL
               SELECT 'd', d.start, x.disposition, t.caller_key, t.n
               FROM unnest(%(days)s::date[]) AS d(start) CROSS JOIN (VALUES ('prank'), ('ghost')) AS x(disposition)
               CROSS JOIN LATERAL (
                   SELECT caller_key, n FROM reporting_callerstat
                   WHERE centre_id = %(centre)s AND grain = 'd' AND start = d.start AND disposition = x.disposition
                   ORDER BY n DESC, caller_key LIMIT %(depth)s) t""",
            {"centre": centre_id, "months": months, "days": days, "depth": depth},
        )
        by_block, keys = defaultdict(list), set()
        for grain, start, disposition, key, n in cand:
            keys.add(key)
            by_block[(grain, start, disposition)].append(n)
        rows = _fetch(
            f"""SELECT caller_key, sum(s * n) FILTER (WHERE disposition = 'prank'), sum(s * n) FILTER (WHERE disposition = 'ghost'),
                      sum(s * n)
               FROM (SELECT caller_key, disposition, n, 1 AS s FROM reporting_callerstat
                     WHERE centre_id = %(centre)s AND grain = 'm' AND start = ANY(%(months)s) AND caller_key = ANY(%(keys)s)
                       AND disposition <> ''
                     UNION ALL
                     SELECT caller_key, disposition, n, {SIGN}
                     FROM reporting_callerstat
                     WHERE centre_id = %(centre)s AND grain = 'd' AND (start = ANY(%(days)s) OR start = ANY(%(minus)s))
                       AND caller_key = ANY(%(keys)s)) v
               GROUP BY 1 HAVING sum(s * n) >= 2 ORDER BY 4 DESC, 1 LIMIT %(limit)s""",
            {"centre": centre_id, "months": months, "days": days, "minus": minus, "keys": sorted(keys), "limit": TOP_NUMBERS},
        )
        bound = sum(min(ns) for ns in by_block.values() if len(ns) == depth)  # the most an unseen number can have
        if bound < (rows[-1][3] if len(rows) == TOP_NUMBERS else 2):
            return rows
        depth *= 4


def _volunteers(query) -> dict:
    """Call-outs to volunteer communities on the period's incidents (same filters) and their members' answers:
    how many were asked, said yes, arrived, and how long from the call-out to arrival. Read live from the
    volunteers' tables (tens per day, not millions)."""
    in_period = Q()
    for centre, start, end in query.local_periods():
        in_period |= Q(incident__command_centre=centre, incident__created_at__gte=start, incident__created_at__lt=end)
    if query.category:
        in_period &= Q(incident__category=query.category)
    if query.district:
        in_period &= Q(incident__district=query.district)
    if query.agency:
        in_period &= Q(incident__assignments__agency=query.agency)
    callouts = CallOut.objects.filter(in_period).distinct()
    statuses = Counter(callouts.values_list("status", flat=True))
    responses = list(
        CallOutResponse.objects.filter(callout__in=callouts).values_list("status", "alerted_at", "answered_at", "on_scene_at", "callout__sent_at")
    )
    counted = CallOutResponse.COUNTED_STATUSES
    arrive, arrive_raw, accept, accept_raw = Counter(), 0.0, Counter(), 0.0
    for status, alerted, answered, on_scene, sent in responses:
        if on_scene and on_scene >= sent:
            s = (on_scene - sent).total_seconds()
            arrive[math.ceil(s)] += 1
            arrive_raw += s
        if status in counted and answered and answered >= alerted:
            s = (answered - alerted).total_seconds()
            accept[math.ceil(s)] += 1
            accept_raw += s
    return {
        "callouts": sum(statuses.values()),
        # filled = N accepted at some point (a call-out completed because its incident ended short of volunteers is not)
        "filled": callouts.filter(filled_at__isnull=False).count(),
        "expired": callouts.filter(expired_at__isnull=False).count(),
        "cancelled": statuses[CallOut.Status.CANCELLED],
        "members_alerted": len(responses),
        "members_accepted": sum(1 for r in responses if r[0] in counted),
        "members_declined": sum(1 for r in responses if r[0] == CallOutResponse.Status.DECLINED),
        "members_arrived": sum(1 for r in responses if r[3] is not None),
        "time_to_accept": summarize(accept, accept_raw),
        "time_to_arrive": summarize(arrive, arrive_raw),
    }


def _caller_links(query) -> dict:
    """The caller link (issue 24): links texted in the period, opened, with a fix, fixes received, fixes adopted,
    text-only (SMS) calls, and the accuracy gained: per link with a fix and a known accuracy before it (the AML fix,
    or the pin the call-taker had — a kelurahan centroid, a landmark), that accuracy minus the link's best fix, in
    metres. Medians by the report's one convention (percentile_disc). Read live: tens of links a day."""
    in_period = Q()
    for centre, start, end in query.local_periods():
        in_period |= Q(command_centre=centre, created_at__gte=start, created_at__lt=end)
    links = CallerLink.objects.filter(in_period)
    if query.category:
        links = links.filter(incident__category=query.category)
    if query.district:
        links = links.filter(incident__district=query.district)
    if query.agency:
        links = links.filter(incident__assignments__agency=query.agency)
    rows = list(links.distinct().values_list("pk", "opened_at", "baseline_accuracy_m", "baseline_source"))
    ids = [r[0] for r in rows]
    best, fixes = {}, Counter()
    for link_id, accuracy in CallerPosition.objects.filter(link_id__in=ids).values_list("link_id", "accuracy_m"):
        fixes[link_id] += 1
        best[link_id] = min(accuracy, best.get(link_id, accuracy))
    gained, before, after = Counter(), Counter(), Counter()
    by_source = Counter()
    for link_id, _opened, baseline, source in rows:
        if link_id in best and baseline is not None:
            gained[max(0, math.ceil(baseline - best[link_id]))] += 1
            before[math.ceil(baseline)] += 1
            after[math.ceil(best[link_id])] += 1
            by_source[source or "unknown"] += 1
    def median(counts):
        return percentiles_disc(counts, (0.5,))[0]

    return {
        "sent": len(rows),
        "opened": sum(1 for r in rows if r[1] is not None),
        "with_fix": len(best),
        "fixes": sum(fixes.values()),
        "adopted": CallerPosition.objects.filter(link_id__in=ids, adopted_at__isnull=False).count(),
        # from the call rollups (issue 27: counting the period's calls live grew with the month)
        "text_calls": int(_fetch(
            "SELECT coalesce(sum(n), 0) FROM reporting_callstat WHERE centre_id = ANY(%(centres)s) "
            "AND day BETWEEN %(first)s AND %(last)s AND channel = %(sms)s",
            {"centres": query.centre_ids, "first": query.first, "last": query.last, "sms": Call.Channel.SMS},
        )[0][0]),
        "accuracy_compared": sum(gained.values()),
        "median_accuracy_before_m": median(before),
        "median_accuracy_link_m": median(after),
        "median_accuracy_gained_m": median(gained),
        "compared_by_source": dict(sorted(by_source.items())),
    }


def _eta_accuracy(query, hist) -> dict:
    """How good the centre's ETAs are: for every unit sent to the period's incidents (same filters) with a
    prediction stored at dispatch (UnitDispatch.predicted_eta_s, incidents.routing) and both en route and on scene
    stamped, the predicted travel against the actual one (en route → on scene, whole seconds rounded up), per agency
    and basis (road / straight_line) and in total per basis. Signed error = actual − predicted (positive: later
    than predicted); percentiles by the report's one convention (percentile_disc). From the rollup cells
    (issue 27: read live it joined every incident of the period to its dispatches — half a second at 32 k incidents):
    the pseudo-intervals `eta_<measure>:<basis>` of reporting.rollup.ETA_SQL, exact like the intervals."""
    found = defaultdict(set)  # basis → agency views with data
    for (_centre, name, agency_id), dist in hist.cells.items():
        if name.startswith("eta_predicted:") and dist.n > 0:
            found[name.split(":", 1)[1]].add(agency_id)

    def entry(basis, views):
        measure = {m: hist.collect(interval=f"eta_{m}:{basis}", agencies=views) for m in rollup.ETA_MEASURES}
        n = measure["predicted"].n
        within = n - measure["within"].count_le(0)
        late = n - measure["error"].count_le(0)
        return {
            "basis": basis, "n": n, "predicted_p50_s": measure["predicted"].percentiles((0.5,))[0],
            "actual_p50_s": measure["actual"].percentiles((0.5,))[0], "error_p50_s": measure["error"].percentiles((0.5,))[0],
            "abs_error_p90_s": measure["abs_error"].percentiles((0.9,))[0],
            "within_20_percent": round(100.0 * within / n, 1), "late_percent": round(100.0 * late / n, 1),
        }

    total_view = query.agency.pk if query.agency else 0
    total = {basis: entry(basis, {total_view}) for basis in sorted(found) if total_view in found[basis]}
    agency_ids = sorted({a for views in found.values() for a in views if a})
    agencies = Agency.objects.in_bulk(agency_ids)
    by_agency = [
        {"id": agency_id, "name": str(agencies.get(agency_id, agency_id)), **entry(basis, {agency_id})}
        for basis in sorted(found) for agency_id in sorted(found[basis]) if agency_id
    ]
    by_agency.sort(key=lambda e: (e["name"], e["basis"]))
    return {"dispatches": sum(e["n"] for e in total.values()), "by_basis": total, "by_agency": by_agency}


def monthly_reports_for(*, user):
    return MonthlyReport.objects.filter(command_centre__in=centres_in_scope(user=user)).select_related("command_centre")
