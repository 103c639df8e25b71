"""Rollup tables kept current from the timeline, and the one SQL that measures every interval.

Each interval is measured in whole seconds **rounded up** (`ceil`): "answered within 15 s" then means exactly
`ceil(elapsed) <= 15`, i.e. `elapsed <= 15.0`, so compliance is exact, and a per-second histogram holds the
whole distribution, so percentiles over any period are exact sums of day (or month) rows — never an average
of daily percentiles. Negative intervals (clock skew between a phone and the server) are left out.

`interval_rows_sql` is the single definition of the intervals. The rollup stores its output per local day
(`grain='d'`) and per local month (`grain='m'`, the sum of the month's days); a report filtered by category or
district runs the same SQL straight over the rows of the period instead.

Views by agency: rows with `agency_id = 0` are the whole centre (each call, incident and assignment once);
rows with `agency_id = X` are what agency X's filter sees (X's assignments, and the per-incident intervals of
incidents offered to X). The same holds for IncidentStat and EscalationStat.

Kept current: `rollup_refresh` reads the timeline after the last seq it saw (seq follows commit order, so
nothing is skipped), rebuilds each (centre, local day) those events touched from the stage timestamps and
the calls, then the months those days belong to. Celery beat runs it every minute.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import CommandCentre

from .models import RollupState

# The moment a call started: the PBX's ringing, else (a call logged by hand) when it was answered or ended.
CALL_TIME = "coalesce(c.ringing_at, c.answered_at, c.ended_at)"


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


def interval_rows_sql(*, by_day: bool, incident_filter: str = "", assignment_filter: str = "", with_calls: bool = True) -> str:
    """(centre_id, [day,] interval, agency_id, seconds, n, total_s) for one centre and one UTC range."""
    per_incident = """
        SELECT centre_id, day, id AS incident_id, 'call_to_incident' AS interval, extract(epoch FROM created_at - call_answered_at) AS s FROM inc
        UNION ALL SELECT centre_id, day, id, 'processing', extract(epoch FROM routed_at - created_at) FROM inc
        UNION ALL SELECT centre_id, day, id, 'alarm_processing', extract(epoch FROM routed_at - call_answered_at) FROM inc
        UNION ALL SELECT centre_id, day, id, 'on_scene_to_resolved', extract(epoch FROM resolved_at - on_scene_at) FROM inc
        UNION ALL SELECT centre_id, day, id, 'created_to_closed', extract(epoch FROM closed_at - created_at) FROM inc
    """
    per_assignment = """
        SELECT centre_id, day, agency_id, 'acceptance' AS interval, extract(epoch FROM accepted_at - offered_at) AS s FROM asg
        UNION ALL SELECT centre_id, day, agency_id, 'turnout', extract(epoch FROM first_en_route - accepted_at) FROM asg
        UNION ALL SELECT centre_id, day, agency_id, 'travel', extract(epoch FROM first_on_scene - first_en_route) FROM asg
        UNION ALL SELECT centre_id, day, agency_id, 'response', extract(epoch FROM first_on_scene - offered_at) FROM asg
    """
    calls = f"""
        UNION ALL
        SELECT c.command_centre_id, ({CALL_TIME} AT TIME ZONE %(tz)s)::date, 'answer', 0::bigint,
               extract(epoch FROM c.answered_at - c.ringing_at)
        FROM incidents_call c
        WHERE c.command_centre_id = %(centre)s AND {CALL_TIME} >= %(start)s AND {CALL_TIME} < %(end)s
          AND c.answered_at IS NOT NULL AND c.ringing_at IS NOT NULL
    """ if with_calls else ""
    day = "day, " if by_day else ""
    return f"""
    WITH {_incident_ctes(incident_filter=incident_filter, assignment_filter=assignment_filter)},
    pi AS ({per_incident}),
    pa AS ({per_assignment}),
    vals AS (
        SELECT centre_id, day, interval, 0::bigint AS agency_id, s FROM pi WHERE s IS NOT NULL
        UNION ALL SELECT pi.centre_id, pi.day, pi.interval, ia.agency_id, pi.s FROM pi JOIN inc_agency ia ON ia.incident_id = pi.incident_id WHERE pi.s IS NOT NULL
        UNION ALL SELECT centre_id, day, interval, 0::bigint, s FROM pa WHERE s IS NOT NULL
        UNION ALL SELECT centre_id, day, interval, agency_id, s FROM pa WHERE s IS NOT NULL
        {calls}
    )
    SELECT centre_id, {day}interval, agency_id, ceil(s)::int AS seconds, count(*) AS n, sum(s) AS total_s
    FROM vals WHERE s >= 0
    GROUP BY centre_id, {day}interval, agency_id, ceil(s)::int
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
           c.answered_at IS NOT NULL, c.answered_at IS NULL AND c.status = 'ended', count(*)
    FROM incidents_call c
    WHERE c.command_centre_id = %(centre)s AND {CALL_TIME} >= %(start)s AND {CALL_TIME} < %(end)s
    GROUP BY 1, 2, 3, 4, 5, 6
"""

CALLER_ROWS_SQL = f"""
    SELECT c.command_centre_id, 'd', ({CALL_TIME} AT TIME ZONE %(tz)s)::date, c.caller_key, c.disposition, count(*)
    FROM incidents_call c
    WHERE c.command_centre_id = %(centre)s AND {CALL_TIME} >= %(start)s AND {CALL_TIME} < %(end)s
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


def rebuild_days(*, centre: CommandCentre, first: dt.date, last: dt.date) -> None:
    """Replace every rollup row of the centre's local days [first, last], then the months they fall in."""
    start, end = local_bounds(centre.timezone, first, last)
    params = {"centre": centre.pk, "tz": centre.timezone, "start": start, "end": end, "first": first, "last": last}
    with transaction.atomic(), connection.cursor() as cur:
        for table in ("reporting_callstat", "reporting_incidentstat", "reporting_escalationstat"):
            cur.execute(f"DELETE FROM {table} WHERE centre_id = %(centre)s AND day BETWEEN %(first)s AND %(last)s", params)
        for table in ("reporting_intervalhistogram", "reporting_callerstat"):
            cur.execute(f"DELETE FROM {table} WHERE centre_id = %(centre)s AND grain = 'd' AND start BETWEEN %(first)s AND %(last)s", params)
        cur.execute(f"INSERT INTO reporting_callstat (centre_id, day, hour, disposition, answered, abandoned, n) {CALL_ROWS_SQL}", params)
        cur.execute(f"INSERT INTO reporting_incidentstat (centre_id, day, category_id, district, agency_id, n) {incident_rows_sql()}", params)
        cur.execute(
            f"INSERT INTO reporting_escalationstat (centre_id, day, category_id, district, agency_id, kind, n) {escalation_rows_sql()}", params
        )
        cur.execute(
            "INSERT INTO reporting_intervalhistogram (centre_id, grain, start, interval, agency_id, seconds, n, total_s) "
            f"SELECT centre_id, 'd', day, interval, agency_id, seconds, n, total_s FROM ({interval_rows_sql(by_day=True)}) r",
            params,
        )
        cur.execute(f"INSERT INTO reporting_callerstat (centre_id, grain, start, caller_key, disposition, n) {CALLER_ROWS_SQL}", params)
        month = month_start(first)
        while month <= last:
            _rebuild_month(cur, centre_id=centre.pk, month=month)
            month = next_month(month)


def _rebuild_month(cur, *, centre_id: int, month: dt.date) -> None:
    params = {"centre": centre_id, "month": month, "next": next_month(month)}
    for table, cols in (
        ("reporting_intervalhistogram", "interval, agency_id, seconds"),
        ("reporting_callerstat", "caller_key, disposition"),
    ):
        sums = "sum(n), sum(total_s)" if table == "reporting_intervalhistogram" else "sum(n)"
        values = "n, total_s" if table == "reporting_intervalhistogram" else "n"
        cur.execute(f"DELETE FROM {table} WHERE centre_id = %(centre)s AND grain = 'm' AND start = %(month)s", params)
        cur.execute(
            f"INSERT INTO {table} (centre_id, grain, start, {cols}, {values}) "
            f"SELECT centre_id, 'm', %(month)s, {cols}, {sums} FROM {table} "
            f"WHERE centre_id = %(centre)s AND grain = 'd' AND start >= %(month)s AND start < %(next)s "
            f"GROUP BY centre_id, {cols}",
            params,
        )
    # Each caller's month total (disposition ''), so a whole month's top numbers are an index scan, not a sort.
    cur.execute(
        "INSERT INTO reporting_callerstat (centre_id, grain, start, caller_key, disposition, n) "
        "SELECT centre_id, 'm', start, caller_key, '', sum(n) FROM reporting_callerstat "
        "WHERE centre_id = %(centre)s AND grain = 'm' AND start = %(month)s GROUP BY centre_id, start, caller_key",
        params,
    )


AFFECTED_DAYS_SQL = f"""
    SELECT i.command_centre_id, (i.created_at AT TIME ZONE cc.timezone)::date
    FROM incidents_timelineevent e
    JOIN incidents_incident i ON i.id = e.incident_id
    JOIN agencies_commandcentre cc ON cc.id = i.command_centre_id
    WHERE e.seq > %(after)s AND e.seq <= %(upto)s
    UNION
    SELECT c.command_centre_id, ({CALL_TIME} AT TIME ZONE cc.timezone)::date
    FROM incidents_timelineevent e
    JOIN incidents_call c ON c.id = (e.payload -> 'call' ->> 'id')::bigint
    JOIN agencies_commandcentre cc ON cc.id = c.command_centre_id
    WHERE e.seq > %(after)s AND e.seq <= %(upto)s AND e.kind LIKE 'call.%%' AND jsonb_typeof(e.payload -> 'call') = 'object'
"""


def rollup_refresh() -> dict:
    """Bring the rollups up to the last committed timeline event. Safe to run concurrently (one waits)."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(seq), 0) FROM incidents_timelineevent")
            upto = cur.fetchone()[0]
            if upto <= state.last_seq:
                return {"days": 0, "last_seq": state.last_seq}
            cur.execute(AFFECTED_DAYS_SQL, {"after": state.last_seq, "upto": upto})
            touched = defaultdict(set)
            for centre_id, day in cur.fetchall():
                if day is not None:
                    touched[centre_id].add(day)
        centres = CommandCentre.objects.in_bulk(list(touched))
        count = 0
        for centre_id, days in touched.items():
            for first, last in _runs(sorted(days)):
                rebuild_days(centre=centres[centre_id], first=first, last=last)
                count += (last - first).days + 1
        state.last_seq = upto
        state.refreshed_at = timezone.now()
        state.save(update_fields=["last_seq", "refreshed_at"])
        return {"days": count, "last_seq": upto}


def _runs(days: list[dt.date]):
    """Consecutive days as (first, last) runs."""
    run = None
    for day in days:
        if run and day == run[1] + dt.timedelta(days=1):
            run = (run[0], day)
        else:
            if run:
                yield run
            run = (day, day)
    if run:
        yield run
