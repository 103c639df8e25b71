"""The coordination report's cardiac arrest section (issue 30): how fast the centre recognises an out-of-hospital
cardiac arrest and gets hands on the chest, measured as the best centres measure it (docs/cardiac-arrest.md).

Computed exactly from the timeline: for each arrest recognised in the period, `cardiac_arrest.recognised` gives the
recognition time, the call's answer time and the call-taker (`at`, `call_answered_at`, `call_taker`), the first
`cardiac_arrest.step` of each step its time, and the first `callout.status` → `on_scene` of a `cardiac_arrest`
call-out the first volunteer's arrival. Intervals in whole seconds rounded up; percentiles by the report's one
convention, PostgreSQL's percentile_disc (docs/reports.md). Index-friendly at any size: the arrests of the period
come from `incidents_cardiacarrest` by (centre, recognised_at) — a few rows however many incidents there are — and
only their own events are read, by the timeline's incident index."""
from django.db import connection

from agencies.models import User


KINDS = ["cardiac_arrest.recognised", "cardiac_arrest.step", "callout.status"]
TARGETS_S = (60, 120, 180)

_SQL = """
WITH arrests AS (
    SELECT c.incident_id
    FROM unnest(%(centres)s::bigint[], %(starts)s::timestamptz[], %(ends)s::timestamptz[]) AS p(centre, s, e)
    JOIN incidents_cardiacarrest c ON c.command_centre_id = p.centre AND c.recognised_at >= p.s AND c.recognised_at < p.e
    {joins}
    WHERE TRUE {filters}
), per AS (
    SELECT a.incident_id,
        min((t.payload->>'call_taker')::bigint) FILTER (WHERE t.kind = 'cardiac_arrest.recognised') AS call_taker,
        min((t.payload->>'call_answered_at')::timestamptz) FILTER (WHERE t.kind = 'cardiac_arrest.recognised') AS answered,
        -- the recognition, or the call-taker's earlier time that replaced the server's (a `recognised` step)
        min((t.payload->>'at')::timestamptz) FILTER (WHERE t.kind = 'cardiac_arrest.recognised'
            OR (t.kind = 'cardiac_arrest.step' AND t.payload->>'step' = 'recognised')) AS recognised,
        min((t.payload->>'at')::timestamptz)
            FILTER (WHERE t.kind = 'cardiac_arrest.step' AND t.payload->>'step' = 'first_compression') AS compression,
        min((t.payload->>'at')::timestamptz)
            FILTER (WHERE t.kind = 'cardiac_arrest.step' AND t.payload->>'step' = 'ems_on_scene') AS ems,
        min((t.payload->'response'->>'on_scene_at')::timestamptz)
            FILTER (WHERE t.kind = 'callout.status' AND t.payload->>'new' = 'on_scene'
                    AND t.payload->'callout'->>'purpose' = 'cardiac_arrest') AS volunteer
    FROM arrests a
    LEFT JOIN incidents_timelineevent t ON t.incident_id = a.incident_id AND t.kind = ANY(%(kinds)s)
    GROUP BY a.incident_id
), d AS (
    SELECT call_taker, volunteer, ems,
        CASE WHEN recognised >= answered THEN ceil(extract(epoch FROM recognised - answered))::int END AS recognition_s,
        CASE WHEN compression >= answered THEN ceil(extract(epoch FROM compression - answered))::int END AS compression_s
    FROM per
)
SELECT GROUPING(call_taker) = 1 AS total, call_taker, count(*),
    count(recognition_s),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY recognition_s),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY recognition_s),
    count(compression_s),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY compression_s),
    percentile_disc(0.9) WITHIN GROUP (ORDER BY compression_s),
    count(*) FILTER (WHERE compression_s <= 60),
    count(*) FILTER (WHERE compression_s <= 120),
    count(*) FILTER (WHERE compression_s <= 180),
    count(*) FILTER (WHERE recognition_s <= 60),
    count(volunteer),
    count(*) FILTER (WHERE volunteer IS NOT NULL AND (ems IS NULL OR volunteer < ems)),
    count(ems)
FROM d
GROUP BY GROUPING SETS ((), (call_taker))
"""


def _share(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _figures(row) -> dict:
    (_total, _ct, n, n_rec, rec50, rec90, n_comp, comp50, comp90, w60, w120, w180, rec60, n_vol, vol_first, n_ems) = row
    return {
        "count": n,
        "recognised_timed": n_rec,
        "recognition_p50_s": rec50,
        "recognition_p90_s": rec90,
        "recognised_within_60_s": _share(rec60, n_rec),
        "first_compressions": n_comp,
        "first_compression_p50_s": comp50,
        "first_compression_p90_s": comp90,
        "within_60_s": _share(w60, n_comp),
        "within_120_s": _share(w120, n_comp),
        "within_180_s": _share(w180, n_comp),
        "volunteer_on_scene": n_vol,
        "volunteers_first_on_scene": vol_first,
        "ems_on_scene": n_ems,
    }


def cardiac_arrest_report(query) -> dict:
    """The `cardiac_arrest` section for a reporting.selectors.ReportQuery: the totals and `by_call_taker`.
    Shares (`within_*`) are percentages of the arrests with a timed first compression (recognised_within_60_s: of
    those with a timed recognition); null when there is none."""
    periods = query.local_periods()
    starts, ends = [start for _c, start, _e in periods], [end for _c, _s, end in periods]
    joins, filters = [], []
    params = {"centres": query.centre_ids, "starts": starts, "ends": ends, "kinds": KINDS}
    if query.category or query.district:
        joins.append("JOIN incidents_incident i ON i.id = c.incident_id")
    if query.category:
        filters.append("AND i.category_id = %(category)s")
        params["category"] = query.category.pk
    if query.district:
        filters.append("AND i.district_id = %(district)s")
        params["district"] = query.district.code
    if query.agency:
        filters.append("AND EXISTS (SELECT 1 FROM incidents_assignment x WHERE x.incident_id = c.incident_id AND x.agency_id = %(agency)s)")
        params["agency"] = query.agency.pk
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(joins=" ".join(joins), filters=" ".join(filters)), params)
        rows = cursor.fetchall()
    total = next((r for r in rows if r[0]), None)
    section = _figures(total) if total else _figures((True, None, 0, 0, None, None, 0, None, None, 0, 0, 0, 0, 0, 0, 0))
    takers = [r for r in rows if not r[0]]
    names = {u.pk: (u.get_full_name() or u.username) for u in User.objects.filter(pk__in=[r[1] for r in takers if r[1]])}
    section["by_call_taker"] = sorted(
        ({"id": r[1], "name": names.get(r[1], "—") if r[1] else "—", **_figures(r)} for r in takers),
        key=lambda e: (e["name"], e["id"] or 0),
    )
    return section
