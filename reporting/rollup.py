"""Rollup tables kept current from the timeline, and the one SQL that measures every interval.

Each interval is measured in whole seconds **rounded up** (`ceil`): "answered within 15 s" then means exactly
`ceil(elapsed) <= 15`, i.e. `elapsed <= 15.0`, so compliance is exact, and a per-second histogram holds the
whole distribution, so percentiles over any period are exact sums of day, month and year cells — never an average
of daily percentiles. Negative intervals (clock skew between a phone and the server) are left out.

`_values_sql` is the single definition of the intervals. The rollup stores them as interval cells (`IntervalCell`:
one row per cell holding the cell's per-second histogram as two arrays) per local day, month and year, for four
key sets: every incident, per category, per district, and per category in one district — the finest, whose day
cells are exactly one (day, category, district) *partition* of the incidents, so any filter reads cells.

Views by agency: rows with `agency_id = 0` are the whole centre (each call, incident and assignment once);
rows with `agency_id = X` are what agency X's filter sees (X's assignments, and the per-incident intervals of
incidents offered to X). The same holds for IncidentStat and EscalationStat.

Bounded (issue 28): one row with an impossible time (a PBX with a reset clock sent the year 0001) overflowed the
arithmetic and stopped every centre's refresh. Now an interval outside [0, MAX_INTERVAL_S] is left out of the
histograms and counted as a data error of its day (DataErrorStat: `negative` — clock skew — or `too_long`); a row
whose time puts it outside [FIRST_DAY, LAST_DAY] belongs to no day and is counted as an `undated` data error of its
centre; each (centre, days) run is rebuilt in a savepoint of its own, so a run that still fails is retried at the next
refresh while every other centre and day is brought up to date.

Kept current, incrementally (issue 27): `rollup_refresh` reads the timeline after the last seq it saw (seq follows
commit order, so nothing is skipped; the mark is moved under the RollupState row lock, so two refreshes never apply
the same events twice). For each incident those events touched it rebuilds the partition the incident is in now and
the one the rollups last put it in (`IncidentKey`: a corrected category, district or time moves its numbers out of
the old cells), and for each call the day of its calls. Nothing is re-summed: the difference between a partition's
new and stored cells is added to the day, month and year cells of the four key sets, and the callers' day rows'
difference to their month rows — so one event costs its partition (a few hundred incidents at a million a month),
not its day (≈ 32 k).
Celery beat runs it every 2 s (a refresh that finds another running returns at once).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import CommandCentre

from .models import RollupState

log = logging.getLogger(__name__)

# The moment a call started: the PBX's ringing, else (a call logged by hand) when it was answered or ended.
CALL_TIME = "coalesce(c.ringing_at, c.answered_at, c.ended_at)"

# The local days the rollups hold: a row dated outside them is a broken clock (Call's CHECK bounds calls to the same
# years), counted as an `undated` data error and in no period. An interval longer than MAX_INTERVAL_S (a year and a
# day) is not a response time but an error; the bound also keeps `ceil(s)::int` far from the integer's range.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
MAX_INTERVAL_S = 366 * 86_400
# a value the histograms may hold: the only filter between `vals` and the cells, and the data errors' complement
IN_BOUNDS = f"s >= 0 AND s <= {MAX_INTERVAL_S}"
UNDATED = "undated"  # RollupState.retry_days: the centre's undated count, not a run of days


def _incident_ctes(*, incident_filter: str = "", assignment_filter: str = "") -> str:
    return f"""
    inc AS (
        SELECT i.id, i.command_centre_id AS centre_id, i.category_id, coalesce(i.district_id, '') AS district,
               (i.created_at AT TIME ZONE %(tz)s)::date AS day,
               i.call_answered_at, i.created_at, i.routed_at, i.on_scene_at, i.resolved_at, i.closed_at
        FROM incidents_incident i
        WHERE i.command_centre_id = %(centre)s AND i.created_at >= %(start)s AND i.created_at < %(end)s {incident_filter}
    ),
    asg AS (
        SELECT a.id, a.incident_id, a.agency_id, a.status, a.previous_id, a.offered_at, a.accepted_at, a.expired_at,
               inc.centre_id, inc.day, inc.category_id, inc.district,
               (SELECT min(d.en_route_at) FROM incidents_unitdispatch d WHERE d.assignment_id = a.id) AS first_en_route,
               (SELECT min(d.on_scene_at) FROM incidents_unitdispatch d WHERE d.assignment_id = a.id) AS first_on_scene
        FROM inc JOIN incidents_assignment a ON a.incident_id = inc.id
        {assignment_filter}
    ),
    inc_agency AS (SELECT DISTINCT incident_id, agency_id FROM asg)
    """


def _values_sql(*, incident_filter: str = "", assignment_filter: str = "", with_calls: bool = True) -> str:
    """The CTEs ending in `vals` (centre_id, day, category_id, district, interval, agency_id, s): every interval
    value once per agency view. Calls have no category or district (NULL): they are the centre's."""
    per_incident = """
        SELECT centre_id, day, category_id, district, id AS incident_id, 'call_to_incident' AS interval,
               extract(epoch FROM created_at - call_answered_at) AS s FROM inc
        UNION ALL SELECT centre_id, day, category_id, district, id, 'processing', extract(epoch FROM routed_at - created_at) FROM inc
        UNION ALL SELECT centre_id, day, category_id, district, id, 'alarm_processing', extract(epoch FROM routed_at - call_answered_at) FROM inc
        UNION ALL SELECT centre_id, day, category_id, district, id, 'on_scene_to_resolved', extract(epoch FROM resolved_at - on_scene_at) FROM inc
        UNION ALL SELECT centre_id, day, category_id, district, id, 'created_to_closed', extract(epoch FROM closed_at - created_at) FROM inc
    """
    per_assignment = """
        SELECT centre_id, day, category_id, district, agency_id, 'acceptance' AS interval, extract(epoch FROM accepted_at - offered_at) AS s FROM asg
        UNION ALL SELECT centre_id, day, category_id, district, agency_id, 'turnout', extract(epoch FROM first_en_route - accepted_at) FROM asg
        UNION ALL SELECT centre_id, day, category_id, district, agency_id, 'travel', extract(epoch FROM first_on_scene - first_en_route) FROM asg
        UNION ALL SELECT centre_id, day, category_id, district, agency_id, 'response', extract(epoch FROM first_on_scene - offered_at) FROM asg
    """
    calls = f"""
        UNION ALL
        SELECT c.command_centre_id, ({CALL_TIME} AT TIME ZONE %(tz)s)::date, NULL::bigint, NULL::text, 'answer', 0::bigint,
               extract(epoch FROM c.answered_at - c.ringing_at)
        FROM incidents_call c
        WHERE c.command_centre_id = %(centre)s AND {CALL_TIME} >= %(start)s AND {CALL_TIME} < %(end)s
          AND c.answered_at IS NOT NULL AND c.ringing_at IS NOT NULL
    """ if with_calls else ""
    return f"""{_incident_ctes(incident_filter=incident_filter, assignment_filter=assignment_filter)},
    pi AS ({per_incident}),
    pa AS ({per_assignment}),
    vals AS (
        SELECT centre_id, day, category_id, district, interval, 0::bigint AS agency_id, s FROM pi WHERE s IS NOT NULL
        UNION ALL SELECT pi.centre_id, pi.day, pi.category_id, pi.district, pi.interval, ia.agency_id, pi.s
            FROM pi JOIN inc_agency ia ON ia.incident_id = pi.incident_id WHERE pi.s IS NOT NULL
        UNION ALL SELECT centre_id, day, category_id, district, interval, 0::bigint, s FROM pa WHERE s IS NOT NULL
        UNION ALL SELECT centre_id, day, category_id, district, interval, agency_id, s FROM pa WHERE s IS NOT NULL
        {calls}
    )"""


def interval_rows_sql(*, by_day: bool, incident_filter: str = "", assignment_filter: str = "", with_calls: bool = True) -> str:
    """(centre_id, [day,] interval, agency_id, seconds, n, total_s) for one centre and one UTC range, straight
    from the rows (the tests' and benches' cross-check; the report reads cells for every filter)."""
    day = "day, " if by_day else ""
    return f"""
    WITH {_values_sql(incident_filter=incident_filter, assignment_filter=assignment_filter, with_calls=with_calls)}
    SELECT centre_id, {day}interval, agency_id, ceil(least(s, {MAX_INTERVAL_S}))::int AS seconds, count(*) AS n, sum(s)::float8 AS total_s
    FROM vals WHERE {IN_BOUNDS}
    GROUP BY centre_id, {day}interval, agency_id, ceil(least(s, {MAX_INTERVAL_S}))::int
    """


# The incidents of a set of partitions — (local day, category, district) — appended to the `inc` CTE's WHERE.
PART_FILTER = """ AND ((i.created_at AT TIME ZONE %(tz)s)::date, i.category_id, coalesce(i.district_id, ''))
    IN (SELECT * FROM unnest(%(p_days)s::date[], %(p_cats)s::bigint[], %(p_dists)s::text[]))"""


# The ETA accuracy (issue 25) as cells too: per unit sent with a stored prediction and both en route and on scene
# stamped, its predicted and actual travel (whole seconds, rounded up), the signed error (actual − predicted), its
# absolute value and whether it was within ETA_WITHIN of the prediction (1) or not (0) — one pseudo-interval per
# measure and basis ('eta_error:road'), agency view 0 = every agency, X = agency X. Not intervals: never bounded,
# never data errors.
ETA_WITHIN = 0.2  # "on target": the actual travel within ±20 % of the prediction
ETA_MEASURES = ("predicted", "actual", "error", "abs_error", "within")
ETA_SQL = f"""
    eta AS (
        SELECT asg.day, asg.category_id, asg.district, asg.agency_id, ud.eta_basis AS basis, ud.predicted_eta_s AS p,
               ceil(extract(epoch FROM ud.on_scene_at - ud.en_route_at))::int AS a
        FROM asg JOIN incidents_unitdispatch ud ON ud.assignment_id = asg.id
        WHERE ud.predicted_eta_s IS NOT NULL AND ud.en_route_at IS NOT NULL AND ud.on_scene_at >= ud.en_route_at
    ),
    eta_one AS (
        SELECT day, category_id, district, agency_id, basis, m.measure, m.v
        FROM eta CROSS JOIN LATERAL (VALUES ('predicted', p), ('actual', a), ('error', a - p), ('abs_error', abs(a - p)),
                                            ('within', CASE WHEN abs(a - p) <= {ETA_WITHIN} * p THEN 1 ELSE 0 END)) AS m(measure, v)
    ),
    eta_vals AS (
        SELECT day, category_id, district, 'eta_' || measure || ':' || basis AS interval, agency_id, v FROM eta_one
        UNION ALL
        SELECT day, category_id, district, 'eta_' || measure || ':' || basis, 0::bigint, v FROM eta_one
    )"""


def partition_cells_sql(*, incident_filter: str = PART_FILTER) -> str:
    """(day, category_id, district, interval, agency_id, seconds[], counts[], total_s): the incidents' interval cells of
    the (day, category, district) partitions — the finest key set; the coarser ones are their sums. With the ETA
    accuracy's pseudo-intervals."""
    return f"""
    WITH {_values_sql(incident_filter=incident_filter, with_calls=False)},
    {ETA_SQL},
    per_second AS (
        SELECT day, category_id, district, interval, agency_id, ceil(least(s, {MAX_INTERVAL_S}))::int AS sec,
               count(*)::int AS k, sum(s) AS raw
        FROM vals WHERE {IN_BOUNDS}
        GROUP BY 1, 2, 3, 4, 5, 6
        UNION ALL
        SELECT day, category_id, district, interval, agency_id, v, count(*)::int, sum(v)
        FROM eta_vals GROUP BY 1, 2, 3, 4, 5, 6
    )
    SELECT day, category_id, district, interval, agency_id, array_agg(sec ORDER BY sec), array_agg(k ORDER BY sec), sum(raw)::float8
    FROM per_second GROUP BY 1, 2, 3, 4, 5
    """


def incident_error_rows_sql(*, incident_filter: str = PART_FILTER) -> str:
    """(day, category_id, district, interval, kind, n): the incidents' values the histograms leave out, once each (the
    whole centre's view): `negative` (an end before its start: clock skew between a phone and the servers), `too_long`."""
    return f"""
    WITH {_values_sql(incident_filter=incident_filter, with_calls=False)}
    SELECT day, category_id, district, interval, CASE WHEN s < 0 THEN 'negative' ELSE 'too_long' END, count(*)
    FROM vals WHERE agency_id = 0 AND NOT ({IN_BOUNDS})
    GROUP BY 1, 2, 3, 4, 5
    """


# The calls of a set of local days (a run's bounds narrow the index scan; `days` the days within them).
CALL_DAYS_WHERE = f"""c.command_centre_id = %(centre)s AND {CALL_TIME} >= %(start)s AND {CALL_TIME} < %(end)s
      AND ({CALL_TIME} AT TIME ZONE %(tz)s)::date = ANY(%(days)s)"""

ANSWER_VALUES = f"""
    WITH v AS (
        SELECT ({CALL_TIME} AT TIME ZONE %(tz)s)::date AS day, extract(epoch FROM c.answered_at - c.ringing_at) AS s
        FROM incidents_call c
        WHERE {CALL_DAYS_WHERE} AND c.answered_at IS NOT NULL AND c.ringing_at IS NOT NULL
    )"""

# (day, seconds[], counts[], total_s): the answer interval of the calls of some days — the centre's, key set (0, '*').
ANSWER_CELLS_SQL = f"""{ANSWER_VALUES},
    per_second AS (
        SELECT day, ceil(least(s, {MAX_INTERVAL_S}))::int AS sec, count(*)::int AS k, sum(s) AS raw
        FROM v WHERE {IN_BOUNDS} GROUP BY 1, 2
    )
    SELECT day, array_agg(sec ORDER BY sec), array_agg(k ORDER BY sec), sum(raw)::float8 FROM per_second GROUP BY 1
"""

ANSWER_ERRORS_SQL = f"""{ANSWER_VALUES}
    SELECT %(centre)s, day, 'answer', CASE WHEN s < 0 THEN 'negative' ELSE 'too_long' END, count(*)
    FROM v WHERE NOT ({IN_BOUNDS}) GROUP BY 2, 4
"""


def escalation_rows_sql(*, incident_filter: str = "", assignment_filter: str = "") -> str:
    """(centre_id, day, category_id, district, agency_id, kind, n): the agency views as in interval_rows_sql."""
    return f"""
    WITH {_incident_ctes(incident_filter=incident_filter, assignment_filter=assignment_filter)},
    facts AS (
        SELECT centre_id, day, category_id, district, id AS incident_id, agency_id, 'expired' AS kind
            FROM asg WHERE expired_at IS NOT NULL
        UNION ALL
        SELECT asg.centre_id, asg.day, asg.category_id, asg.district, asg.incident_id, asg.agency_id, 'backup_offered'
            FROM asg JOIN incidents_assignment p ON p.id = asg.previous_id WHERE p.status = 'expired'
        UNION ALL
        SELECT asg.centre_id, asg.day, asg.category_id, asg.district, asg.incident_id, asg.agency_id,
               CASE WHEN fa.command_centre_id = ta.command_centre_id THEN 'handoff_within' ELSE 'handoff_across' END
            FROM asg JOIN incidents_assignment nx ON nx.previous_id = asg.id AND asg.status = 'handed_off'
            JOIN agencies_agency fa ON fa.id = asg.agency_id JOIN agencies_agency ta ON ta.id = nx.agency_id
        UNION ALL
        SELECT inc.centre_id, inc.day, inc.category_id, inc.district, inc.id, x.agency_id,
               CASE al.kind WHEN 'target_breached' THEN 'target_breached' ELSE 'second_stage' END
            FROM inc JOIN incidents_supervisoralert al ON al.incident_id = inc.id AND al.kind IN ('target_breached', 'second_stage')
            LEFT JOIN incidents_assignment x ON x.id = al.assignment_id
    )
    SELECT centre_id, day, category_id, district, 0::bigint, kind, count(*) FROM facts
        GROUP BY centre_id, day, category_id, district, kind
    UNION ALL
    SELECT f.centre_id, f.day, f.category_id, f.district, v.agency_id, f.kind, count(*)
        FROM facts f JOIN LATERAL (
            -- an assignment's fact is its agency's; an incident's fact (a breached target) is every offered agency's
            SELECT f.agency_id WHERE f.agency_id IS NOT NULL
            UNION SELECT ia.agency_id FROM inc_agency ia WHERE f.agency_id IS NULL AND ia.incident_id = f.incident_id
        ) v ON true
        GROUP BY f.centre_id, f.day, f.category_id, f.district, v.agency_id, f.kind
    """


def incident_rows_sql(*, incident_filter: str = "", assignment_filter: str = "") -> str:
    """(centre_id, day, category_id, district, agency_id, n): agency 0 = every incident, X = those offered to X."""
    return f"""
    WITH {_incident_ctes(incident_filter=incident_filter, assignment_filter=assignment_filter)}
    SELECT centre_id, day, category_id, district, 0::bigint, count(*) FROM inc GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT inc.centre_id, inc.day, inc.category_id, inc.district, ia.agency_id, count(*)
        FROM inc JOIN inc_agency ia ON ia.incident_id = inc.id GROUP BY 1, 2, 3, 4, 5
    """


CALL_ROWS_SQL = f"""
    SELECT c.command_centre_id, ({CALL_TIME} AT TIME ZONE %(tz)s)::date,
           extract(hour FROM {CALL_TIME} AT TIME ZONE %(tz)s)::int, c.disposition,
           c.answered_at IS NOT NULL, c.answered_at IS NULL AND c.status = 'ended', c.channel, count(*)
    FROM incidents_call c
    WHERE {CALL_DAYS_WHERE}
    GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

CALLER_ROWS_SQL = f"""
    SELECT c.command_centre_id, 'd', ({CALL_TIME} AT TIME ZONE %(tz)s)::date, c.caller_key, c.disposition, count(*)
    FROM incidents_call c
    WHERE {CALL_DAYS_WHERE}
      AND c.disposition IN ('prank', 'ghost') AND c.caller_key <> ''
    GROUP BY 1, 2, 3, 4, 5
"""


def local_bounds(tz: str, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of `first`, local midnight after `last`) as aware datetimes."""
    zone = ZoneInfo(tz)
    return (dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def year_start(day: dt.date) -> dt.date:
    return day.replace(month=1, day=1)


def _key_sets(category_id, district):
    """The cells a (category, district) partition's values belong to: its own, its category's, its district's, all."""
    return ((category_id, district), (category_id, "*"), (0, district), (0, "*"))


def _centre_key_set(_category_id, _district):
    return ((0, "*"),)


def _unnest_parts(parts) -> dict:
    ordered = sorted(parts)
    return {"p_days": [p[0] for p in ordered], "p_cats": [p[1] for p in ordered], "p_dists": [p[2] for p in ordered]}


def rebuild_days(*, centre: CommandCentre, first: dt.date, last: dt.date, parts=None, call_days=None) -> None:
    """Bring the centre's rollups of the local days [first, last] up to date with the rows.

    `parts`: the (day, category, district) partitions whose incidents changed (None: every partition of the days);
    `call_days`: the days whose calls changed (None: every day). Each partition's incidents are measured afresh; the
    difference between its new cells and its stored ones — the (category, district) day cells hold exactly the
    partition's values — is added to the day, month and year cells of all four key sets. Day counts (incidents,
    escalations, data errors) of the partitions are replaced. Calls: a day's call counts replaced, its answer cells
    and prank/ghost callers changed by their difference, so nothing is ever re-summed over a month."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    start, end = local_bounds(centre.timezone, first, last)
    params = {"centre": centre.pk, "tz": centre.timezone, "start": start, "end": end, "first": first, "last": last}
    with transaction.atomic(), connection.cursor() as cur:
        if parts is None:
            cur.execute(
                """SELECT (i.created_at AT TIME ZONE %(tz)s)::date, i.category_id, coalesce(i.district_id, '')
                   FROM incidents_incident i WHERE i.command_centre_id = %(centre)s AND i.created_at >= %(start)s AND i.created_at < %(end)s
                   UNION SELECT day, category_id, district FROM reporting_incidentstat
                         WHERE centre_id = %(centre)s AND day BETWEEN %(first)s AND %(last)s
                   UNION SELECT start, category_id, district FROM reporting_intervalcell
                         WHERE centre_id = %(centre)s AND grain = 'd' AND start BETWEEN %(first)s AND %(last)s AND category_id <> 0 AND district <> '*'
                   UNION SELECT day, category_id, district FROM reporting_dataerrorstat
                         WHERE centre_id = %(centre)s AND day BETWEEN %(first)s AND %(last)s AND category_id IS NOT NULL""",
                params,
            )
            parts = set(cur.fetchall())
        if parts:
            _rebuild_partitions(cur, {**params, **_unnest_parts(parts)})
        call_days = days if call_days is None else sorted(call_days)
        if call_days:
            _rebuild_call_days(cur, {**params, "days": call_days})


def _rebuild_partitions(cur, params) -> None:
    centre_id = params["centre"]
    using = "USING unnest(%(p_days)s::date[], %(p_cats)s::bigint[], %(p_dists)s::text[]) AS p(day, cat, dist)"
    match = "s.centre_id = %(centre)s AND s.day = p.day AND s.category_id = p.cat AND s.district = p.dist"
    for table in ("reporting_incidentstat", "reporting_escalationstat", "reporting_dataerrorstat"):
        cur.execute(f"DELETE FROM {table} s {using} WHERE {match}", params)
    cur.execute(f"INSERT INTO reporting_incidentstat (centre_id, day, category_id, district, agency_id, n) {incident_rows_sql(incident_filter=PART_FILTER)}", params)
    cur.execute(
        f"INSERT INTO reporting_escalationstat (centre_id, day, category_id, district, agency_id, kind, n) "
        f"{escalation_rows_sql(incident_filter=PART_FILTER)}", params,
    )
    cur.execute(
        f"INSERT INTO reporting_dataerrorstat (centre_id, day, category_id, district, interval, kind, n) "
        f"SELECT %(centre)s, * FROM ({incident_error_rows_sql()}) e", params,
    )
    cur.execute(
        """SELECT c.start, c.category_id, c.district, c.interval, c.agency_id, c.seconds, c.counts, c.total_s
           FROM unnest(%(p_days)s::date[], %(p_cats)s::bigint[], %(p_dists)s::text[]) AS p(day, cat, dist)
           JOIN reporting_intervalcell c ON c.centre_id = %(centre)s AND c.grain = 'd' AND c.start = p.day
                AND c.category_id = p.cat AND c.district = p.dist""",
        params,
    )
    old = {row[:5]: row[5:] for row in cur.fetchall()}
    cur.execute(partition_cells_sql(), params)
    new = {row[:5]: row[5:] for row in cur.fetchall()}
    _apply_deltas(cur, centre_id, _cell_deltas(old, new, _key_sets))


def _rebuild_call_days(cur, params) -> None:
    centre_id = params["centre"]
    cur.execute("DELETE FROM reporting_callstat WHERE centre_id = %(centre)s AND day = ANY(%(days)s)", params)
    cur.execute(f"INSERT INTO reporting_callstat (centre_id, day, hour, disposition, answered, abandoned, channel, n) {CALL_ROWS_SQL}", params)
    cur.execute("DELETE FROM reporting_dataerrorstat WHERE centre_id = %(centre)s AND day = ANY(%(days)s) AND category_id IS NULL", params)
    cur.execute(f"INSERT INTO reporting_dataerrorstat (centre_id, day, interval, kind, n) {ANSWER_ERRORS_SQL}", params)
    # prank/ghost callers: the day rows replaced, their difference added to the month rows
    cur.execute(
        "DELETE FROM reporting_callerstat WHERE centre_id = %(centre)s AND grain = 'd' AND start = ANY(%(days)s) "
        "RETURNING start, caller_key, disposition, n", params,
    )
    caller_delta = defaultdict(int)
    for day, key, disposition, n in cur.fetchall():
        caller_delta[(month_start(day), key, disposition)] -= n
        caller_delta[(month_start(day), key, "")] -= n
    cur.execute(
        f"INSERT INTO reporting_callerstat (centre_id, grain, start, caller_key, disposition, n) {CALLER_ROWS_SQL} "
        "RETURNING start, caller_key, disposition, n", params,
    )
    for day, key, disposition, n in cur.fetchall():
        caller_delta[(month_start(day), key, disposition)] += n
        caller_delta[(month_start(day), key, "")] += n
    _apply_caller_deltas(cur, centre_id, caller_delta)
    cur.execute(
        "SELECT start, 0, '*', interval, agency_id, seconds, counts, total_s FROM reporting_intervalcell "
        "WHERE centre_id = %(centre)s AND grain = 'd' AND start = ANY(%(days)s) AND category_id = 0 AND district = '*' "
        "AND interval = 'answer' AND agency_id = 0", params,
    )
    old = {row[:5]: row[5:] for row in cur.fetchall()}
    cur.execute(ANSWER_CELLS_SQL, params)
    new = {(day, 0, "*", "answer", 0): (secs, counts, total) for day, secs, counts, total in cur.fetchall()}
    _apply_deltas(cur, centre_id, _cell_deltas(old, new, _centre_key_set))


CELL_COLUMNS = "centre_id, grain, start, category_id, district, interval, agency_id, seconds, counts, n, total_s"


def _cell_deltas(old: dict, new: dict, key_sets) -> dict:
    """{(grain, start, category, district, interval, agency): ({second: Δn}, Δsum)} from old and new partition cells
    {(day, category, district, interval, agency): (seconds, counts, total_s)}: each changed cell's difference, added
    to its day, month and year in every key set it belongs to."""
    deltas = defaultdict(lambda: [{}, 0.0])
    for key in old.keys() | new.keys():
        was, now = old.get(key), new.get(key)
        if was and now and list(was[0]) == list(now[0]) and list(was[1]) == list(now[1]) and abs(was[2] - now[2]) < 1e-6:
            continue  # the partition's cell did not change
        diff = dict(zip(now[0], now[1])) if now else {}
        for sec, k in zip(*was[:2]) if was else ():
            diff[sec] = diff.get(sec, 0) - k
        diff = {sec: k for sec, k in diff.items() if k}
        d_total = (now[2] if now else 0.0) - (was[2] if was else 0.0)
        day, category_id, district, interval, agency_id = key
        for block in (("d", day), ("m", month_start(day)), ("y", year_start(day))):
            for cat, dist in key_sets(category_id, district):
                cell = deltas[(*block, cat, dist, interval, agency_id)]
                for sec, k in diff.items():
                    cell[0][sec] = cell[0].get(sec, 0) + k
                cell[1] += d_total
    return deltas


def _apply_deltas(cur, centre_id: int, deltas: dict) -> None:
    keys = [key for key, (diff, d_total) in deltas.items() if d_total or any(diff.values())]
    if not keys:
        return
    columns = list(zip(*keys))
    cur.execute(
        """SELECT c.grain, c.start, c.category_id, c.district, c.interval, c.agency_id, c.seconds, c.counts, c.total_s
           FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::text[], %s::text[], %s::bigint[]) AS k(grain, start, category_id, district, interval, agency_id)
           JOIN reporting_intervalcell c ON c.centre_id = %s AND c.grain = k.grain AND c.start = k.start
                AND c.category_id = k.category_id AND c.district = k.district AND c.interval = k.interval AND c.agency_id = k.agency_id""",
        [list(col) for col in columns] + [centre_id],
    )
    current = {row[:6]: row[6:] for row in cur.fetchall()}
    upserts, emptied = [], []
    for key in keys:
        diff, d_total = deltas[key]
        secs, counts, total = current.get(key, ([], [], 0.0))
        merged = dict(zip(secs, counts))
        for sec, k in diff.items():
            value = merged.get(sec, 0) + k
            if value:
                merged[sec] = value
            else:
                merged.pop(sec, None)
        if any(v < 0 for v in merged.values()):
            raise RuntimeError(f"rollup cell {key} of centre {centre_id} would go negative: the day cells and their sums disagree")
        if merged:
            ordered = sorted(merged)
            counts = [merged[sec] for sec in ordered]
            upserts.append((centre_id, *key, ordered, counts, sum(counts), total + d_total))
        elif key in current:
            emptied.append(key)
    if upserts:
        # One statement; each histogram travels as the text of an array literal, joined in C — psycopg's per-element
        # dumping of millions of integers was most of a full rebuild's time.
        _c, grains, starts, cats, dists, intervals, agencies, secs, counts, ns, totals = zip(*upserts)
        cur.execute(
            f"""INSERT INTO reporting_intervalcell ({CELL_COLUMNS})
                SELECT %s, k.grain, k.start, k.category_id, k.district, k.interval, k.agency_id, k.seconds::int[], k.counts::int[], k.n, k.total_s
                FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[],
                            %s::bigint[], %s::float8[]) AS k(grain, start, category_id, district, interval, agency_id, seconds, counts, n, total_s)
                ON CONFLICT ON CONSTRAINT rep_cell_key DO UPDATE
                SET seconds = excluded.seconds, counts = excluded.counts, n = excluded.n, total_s = excluded.total_s""",
            [centre_id, list(grains), list(starts), list(cats), list(dists), list(intervals), list(agencies),
             ["{" + ",".join(map(str, x)) + "}" for x in secs], ["{" + ",".join(map(str, x)) + "}" for x in counts], list(ns), list(totals)],
        )
    if emptied:
        columns = list(zip(*emptied))
        cur.execute(
            """DELETE FROM reporting_intervalcell c
               USING unnest(%s::text[], %s::date[], %s::bigint[], %s::text[], %s::text[], %s::bigint[]) AS k(grain, start, category_id, district, interval, agency_id)
               WHERE c.centre_id = %s AND c.grain = k.grain AND c.start = k.start AND c.category_id = k.category_id
                 AND c.district = k.district AND c.interval = k.interval AND c.agency_id = k.agency_id""",
            [list(col) for col in columns] + [centre_id],
        )


def _apply_caller_deltas(cur, centre_id: int, deltas: dict) -> None:
    """Add {(month, caller_key, disposition): Δn} to the month rows ('' = the caller's month total); rows at 0 go."""
    items = [(month, key, disposition, n) for (month, key, disposition), n in deltas.items() if n]
    if not items:
        return
    months, keys, dispositions, ns = (list(col) for col in zip(*items))
    params = {"centre": centre_id, "months": months, "keys": keys, "dispositions": dispositions, "ns": ns}
    d = "unnest(%(months)s::date[], %(keys)s::text[], %(dispositions)s::text[], %(ns)s::int[]) AS d(start, caller_key, disposition, dn)"
    match = ("c.centre_id = %(centre)s AND c.grain = 'm' AND c.start = d.start AND c.caller_key = d.caller_key "
             "AND c.disposition = d.disposition")
    cur.execute(
        f"""WITH d AS (SELECT * FROM {d}),
                upd AS (UPDATE reporting_callerstat c SET n = c.n + d.dn FROM d WHERE {match}
                        RETURNING c.start, c.caller_key, c.disposition)
            INSERT INTO reporting_callerstat (centre_id, grain, start, caller_key, disposition, n)
            SELECT %(centre)s, 'm', d.start, d.caller_key, d.disposition, d.dn FROM d
            WHERE NOT EXISTS (SELECT 1 FROM upd u WHERE u.start = d.start AND u.caller_key = d.caller_key AND u.disposition = d.disposition)""",
        params,
    )
    cur.execute(f"DELETE FROM reporting_callerstat c USING {d} WHERE {match} AND c.n = 0", params)
    cur.execute(f"SELECT count(*) FROM reporting_callerstat c JOIN {d} ON {match} WHERE c.n < 0", params)
    if cur.fetchone()[0]:
        raise RuntimeError(f"caller month rows of centre {centre_id} would go negative: the day rows and their sums disagree")


def _local_day(column: str) -> str:
    """The local day of a timestamp, or NULL when it is nowhere near the days the rollups hold (the year 0001,
    'infinity'): such a day is not even handed to Python, whose dates end at 9999."""
    return (f"CASE WHEN {column} >= '{FIRST_DAY - dt.timedelta(days=1)}' AND {column} < '{LAST_DAY + dt.timedelta(days=2)}' "
            f"THEN ({column} AT TIME ZONE cc.timezone)::date END")


# The incidents the events after a seq touched: where each is now — (centre, local day or NULL = undated, category,
# district) — and where the rollups last put it (reporting_incidentkey; NULL = never seen).
TOUCHED_INCIDENTS_SQL = f"""
    WITH t AS (SELECT DISTINCT incident_id AS id FROM incidents_timelineevent
               WHERE seq > %(after)s AND seq <= %(upto)s AND incident_id IS NOT NULL)
    SELECT t.id, i.command_centre_id, {_local_day("i.created_at")}, i.category_id, coalesce(i.district_id, ''),
           k.incident_id IS NOT NULL, k.centre_id, k.day, k.category_id, k.district
    FROM t LEFT JOIN incidents_incident i ON i.id = t.id
    LEFT JOIN agencies_commandcentre cc ON cc.id = i.command_centre_id
    LEFT JOIN reporting_incidentkey k ON k.incident_id = t.id
"""

# The (centre, local day or NULL) of the calls of `call.*` events (the call's id is read only when it is a plain
# number: a malformed payload must not fail the whole refresh) and of the calls of incidents seen for the first time
# (their calls were written with them; a bulk load may not give each call an event of its own).
TOUCHED_CALL_DAYS_SQL = f"""
    SELECT c.command_centre_id, {_local_day(CALL_TIME)}
    FROM incidents_timelineevent e
    JOIN incidents_call c ON c.id = CASE WHEN e.payload -> 'call' ->> 'id' ~ '^[0-9]{{1,18}}$'
                                         THEN (e.payload -> 'call' ->> 'id')::bigint END
    JOIN agencies_commandcentre cc ON cc.id = c.command_centre_id
    WHERE e.seq > %(after)s AND e.seq <= %(upto)s AND e.kind LIKE 'call.%%' AND jsonb_typeof(e.payload -> 'call') = 'object'
    UNION
    SELECT c.command_centre_id, {_local_day(CALL_TIME)}
    FROM incidents_call c JOIN agencies_commandcentre cc ON cc.id = c.command_centre_id
    WHERE c.incident_id = ANY(%(new)s)
"""

def _store_keys_sql(where: str) -> str:
    return f"""
    INSERT INTO reporting_incidentkey (incident_id, centre_id, day, category_id, district)
    SELECT i.id, i.command_centre_id, {_local_day("i.created_at")}, i.category_id, coalesce(i.district_id, '')
    FROM incidents_incident i JOIN agencies_commandcentre cc ON cc.id = i.command_centre_id
    {where}
    ON CONFLICT (incident_id) DO UPDATE
    SET centre_id = excluded.centre_id, day = excluded.day, category_id = excluded.category_id, district = excluded.district
"""


STORE_KEYS_SQL = _store_keys_sql("WHERE i.id = ANY(%(ids)s)")

# A centre's rows that belong to no day the rollups hold (or to none at all): counted, never placed.
UNDATED_SQL = f"""
    SELECT 'undated_call', count(*) FROM incidents_call c
    WHERE c.command_centre_id = %(centre)s
      AND ({CALL_TIME} IS NULL OR {CALL_TIME} < %(start)s OR {CALL_TIME} >= %(end)s)
    UNION ALL
    SELECT 'undated_incident', count(*) FROM incidents_incident i
    WHERE i.command_centre_id = %(centre)s AND (i.created_at < %(start)s OR i.created_at >= %(end)s)
"""


def recount_undated(*, centre: CommandCentre) -> None:
    """Replace the centre's `undated` data errors (rows dated outside the rollups' days) by a fresh count."""
    start, end = local_bounds(centre.timezone, FIRST_DAY, LAST_DAY)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM reporting_dataerrorstat WHERE centre_id = %s AND day IS NULL", [centre.pk])
        cur.execute(UNDATED_SQL, {"centre": centre.pk, "start": start, "end": end})
        rows = [(centre.pk, kind, n) for kind, n in cur.fetchall() if n]
        if rows:
            cur.executemany("INSERT INTO reporting_dataerrorstat (centre_id, day, interval, kind, n) VALUES (%s, NULL, '', %s, %s)", rows)


# Events taken in by one refresh: ≈ 30–60 s of work for a backlog on a loaded 2-core machine (a day at a million
# incidents a month is ≈ 370 k events), well inside refresh_rollups' 280 s soft limit.
MAX_EVENTS_PER_REFRESH = 200_000


def _day_ok(day) -> bool:
    return day is not None and FIRST_DAY <= day <= LAST_DAY


def rollup_refresh(*, wait: bool = True) -> dict:
    """Bring the rollups up to the last committed timeline event, incrementally: only the (day, category, district)
    partitions of the incidents the new events touched (where each is now and where the rollups last put it), and
    the days of the calls they touched. With `wait=False` (the beat, every few seconds) a refresh that finds another
    one running returns at once (`skipped`) instead of queueing behind it; either way the `RollupState` row lock
    means two refreshes never apply the same events twice.

    Each (centre, days) run is rebuilt in a savepoint of its own: a run that fails is logged, kept in
    `RollupState.retry_days` for the next refresh (which rebuilds those days whole) and reported (`failed`,
    `RollupState.last_error`), while every other run is committed — one bad row never freezes the reports of every
    centre again. `refreshed_at` (the report's `data_as_of`) moves only when the rollups are complete up to `last_seq`."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if state is None:
            if not wait and RollupState.objects.filter(pk=1).exists():
                return {"skipped": True}
            state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        whole, undated = defaultdict(set), set()  # centre → days rebuilt whole (retries)
        parts, call_days = defaultdict(set), defaultdict(set)
        for centre_id, first, last in state.retry_days or []:
            if first == UNDATED:
                undated.add(centre_id)
                continue
            first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
            whole[centre_id].update(first + dt.timedelta(days=k) for k in range((last - first).days + 1))
        touched_incidents = 0
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(seq), 0) FROM incidents_timelineevent")
            newest = cur.fetchone()[0]
            # a bounded step: a backlog (the whole timeline after a migration) is taken in chunks, each committed,
            # so no refresh outlives the task's time limit and the next beat carries on where this one stopped
            upto = max(min(newest, state.last_seq + MAX_EVENTS_PER_REFRESH), state.last_seq)
            if upto > state.last_seq:
                span = {"after": state.last_seq, "upto": upto}
                cur.execute(TOUCHED_INCIDENTS_SQL, span)
                ids, new = [], []
                for incident_id, centre_id, day, category_id, district, known, k_centre, k_day, k_category, k_district in cur.fetchall():
                    if centre_id is not None:
                        ids.append(incident_id)
                        if _day_ok(day):
                            parts[centre_id].add((day, category_id, district))
                        else:
                            undated.add(centre_id)
                        if not known:
                            new.append(incident_id)
                    if known:
                        if _day_ok(k_day):
                            parts[k_centre].add((k_day, k_category, k_district))
                        else:
                            undated.add(k_centre)
                touched_incidents = len(ids)
                cur.execute(TOUCHED_CALL_DAYS_SQL, {**span, "new": new})
                for centre_id, day in cur.fetchall():
                    if _day_ok(day):
                        call_days[centre_id].add(day)
                    else:
                        undated.add(centre_id)
                if ids:
                    cur.execute(STORE_KEYS_SQL, {"ids": ids})
        centres = CommandCentre.objects.in_bulk(list(whole.keys() | parts.keys() | call_days.keys() | undated))
        count, failed = 0, []
        for centre_id in sorted(undated):
            if centre_id in centres:
                _guarded(failed, centres[centre_id], None, None, lambda c=centres[centre_id]: recount_undated(centre=c))
        for centre_id in sorted(whole.keys() | parts.keys() | call_days.keys()):
            if centre_id not in centres:
                continue  # a centre deleted meanwhile has no reports
            centre = centres[centre_id]
            days = whole[centre_id] | {p[0] for p in parts[centre_id]} | call_days[centre_id]
            for first, last in _runs(sorted(days)):
                if any(first <= day <= last for day in whole[centre_id]):
                    step = lambda c=centre, a=first, b=last: rebuild_days(centre=c, first=a, last=b)  # noqa: E731
                else:
                    step = lambda c=centre, a=first, b=last: rebuild_days(  # noqa: E731
                        centre=c, first=a, last=b, parts={p for p in parts[c.pk] if a <= p[0] <= b},
                        call_days={d for d in call_days[c.pk] if a <= d <= b},
                    )
                if _guarded(failed, centre, first, last, step):
                    count += (last - first).days + 1
        _mark(state, last_seq=upto, failed=failed)
        return {"days": count, "incidents": touched_incidents, "last_seq": upto, "failed": len(failed), "undated_centres": len(undated),
                "more": newest > upto}


def _mark(state: RollupState, *, last_seq: int, failed: list) -> None:
    """Save how far the rollups are: the mark, the failed runs kept for the next refresh to retry, and either the
    error or `refreshed_at` (the report's `data_as_of`, moved only when the rollups are complete up to the mark)."""
    now = timezone.now()
    state.last_seq = last_seq
    state.retry_days = [[c, first.isoformat(), last.isoformat()] if first else [c, UNDATED, ""] for c, first, last, _error in failed]
    if failed:
        state.last_error = "; ".join(error for *_rest, error in failed)[:2000]
        state.last_error_at = now
    else:
        state.refreshed_at = now
    state.save(update_fields=["last_seq", "retry_days", "last_error", "last_error_at", "refreshed_at"])


def rollup_catch_up() -> dict:
    """Refresh until every committed event is taken in (a refresh takes at most MAX_EVENTS_PER_REFRESH at a time)."""
    days = 0
    while True:
        result = rollup_refresh()
        days += result["days"]
        if not result["more"]:
            return {**result, "days": days}


def rollup_rebuild_all() -> dict:
    """Throw every rollup away and build them again from the rows — every day of every centre that has incidents or
    calls, whole — not by replaying the timeline: a replay in MAX_EVENTS_PER_REFRESH chunks rebuilds every day a chunk
    touches, and a bulk-loaded history (events in no time order) has each chunk touch every day, so a million
    incidents did not finish in 55 minutes; from the rows each day is built once (issue 27). An operator runs it after a
    bulk load or a migration that emptied the rollups (`manage.py rebuild_rollups`); the tests compare it with the
    incremental refresh cell by cell.

    The mark is the newest event seen before the rows are read, under the RollupState lock: an event committed later
    is after it, so the next refresh rebuilds what that event touched (a rebuild is idempotent). A run that fails is
    kept for the next refresh to retry, as in rollup_refresh."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(seq), 0) FROM incidents_timelineevent")
            newest = cur.fetchone()[0]
            for table in ROLLUP_TABLES:
                cur.execute(f"DELETE FROM {table}")
            # where the rollups put each incident: every incident, as the rows say now
            cur.execute(_store_keys_sql(""))
            incidents = cur.rowcount
            cur.execute(ROW_DAYS_SQL)
            days = defaultdict(set)
            for centre_id, day in cur.fetchall():
                days[centre_id].add(day)
        centres = CommandCentre.objects.in_bulk(list(days))
        count, failed = 0, []
        for centre_id in sorted(centres):
            centre = centres[centre_id]
            _guarded(failed, centre, None, None, lambda c=centre: recount_undated(centre=c))
            for first, last in _runs(sorted(d for d in days[centre_id] if _day_ok(d))):
                if _guarded(failed, centre, first, last, lambda c=centre, a=first, b=last: rebuild_days(centre=c, first=a, last=b)):
                    count += (last - first).days + 1
        _mark(state, last_seq=newest, failed=failed)
    # Fresh statistics for the planner now, not when autovacuum comes by: on tables just emptied and refilled it
    # planned the report's reads from the old row counts — at 1 M incidents the month took 1.2 s instead of 0.09 s.
    # Outside a transaction (the command, generate_history) a VACUUM too, as after any bulk load: the first read of
    # each new row would otherwise set its hint bits, so the first year report after a 1 M rebuild took 8 s (0.14 s
    # the next time). VACUUM cannot run inside a transaction block; there ANALYZE alone.
    with connection.cursor() as cur:
        cur.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {', '.join(ROLLUP_TABLES)}")
    return {"days": count, "incidents": incidents, "last_seq": newest, "failed": len(failed), "centres": len(centres), "more": False}


# Every (centre, local day) that has an incident or a call, each day once (NULL: a time nowhere near the rollups' days).
ROW_DAYS_SQL = f"""
    SELECT i.command_centre_id, {_local_day("i.created_at")} FROM incidents_incident i
    JOIN agencies_commandcentre cc ON cc.id = i.command_centre_id GROUP BY 1, 2
    UNION
    SELECT c.command_centre_id, {_local_day(CALL_TIME)} FROM incidents_call c
    JOIN agencies_commandcentre cc ON cc.id = c.command_centre_id GROUP BY 1, 2
"""


ROLLUP_TABLES = ("reporting_callstat", "reporting_incidentstat", "reporting_escalationstat", "reporting_callerstat",
                 "reporting_intervalcell", "reporting_dataerrorstat", "reporting_incidentkey")


def _guarded(failed: list, centre, first, last, step) -> bool:
    """Run one rebuild step in a savepoint; a failure is logged and appended to `failed`, never raised."""
    try:
        with transaction.atomic():
            step()
        return True
    except Exception as exc:  # noqa: BLE001 — one run's failure must not stop the other centres' refresh
        log.exception("rollup refresh of centre %s %s..%s failed", centre.code, first, last)
        failed.append((centre.pk, first, last, f"{centre.code} {first or 'undated'}..{last or ''}: {type(exc).__name__}: {exc}"[:300]))
        return False


def rollup_record_failure(exc: BaseException) -> None:
    """The whole refresh failed (the database, a time limit): say so where /healthz and the board look."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        state.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        state.last_error_at = timezone.now()
        state.save(update_fields=["last_error", "last_error_at"])


# A run's day cells are held in memory while their difference is computed: a week of a million-incident month is
# a few million histogram entries; a longer history is rebuilt a week at a time.
MAX_RUN_DAYS = 7


def _runs(days: list[dt.date]):
    """Consecutive days as (first, last) runs of at most MAX_RUN_DAYS."""
    run = None
    for day in days:
        if run and day == run[1] + dt.timedelta(days=1) and (day - run[0]).days < MAX_RUN_DAYS:
            run = (run[0], day)
        else:
            if run:
                yield run
            run = (day, day)
    if run:
        yield run

