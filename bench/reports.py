"""Coordination report speed (issue 13): the month's and the year's report over N synthetic incidents.

    .venv/bin/python bench/reports.py --sizes 10000,100000,1000000

For each N: a fresh database `bench_reports` (dropped at the end), migrate, load_demo, `generate_history
--incidents N --centre pky` into October 2026 (31 local days, with its calls at the published mix and its
timeline events; the rollups are rebuilt from the rows, timed in its output), then the report through the API view in
process (JSON rendered): the month (1–31 Oct), the year (1 Jan–31 Dec 2026, the same history), each filtered
by category and by district, a custom 30 days across two months and a rolling 365 days — each 5 times, first
(cold) and median/max of the rest. Then the refresh after one more event (its day rebuilt, the day's difference
added to its month and year). Then "year volume": October's rollup rows copied into the other months of 2026
and into December 2025 (day rows of calls, incidents, escalations; month rows of callers and interval cells),
the year cells set to twelve Octobers — the rows a year of N incidents a month reads —
and the year, rolling-365 and filtered-year reports again. Prints markdown for docs/performance.md.

    --db NAME        the database (default bench_reports)
    --reuse          keep the database's history: migrate and refresh the rollups, do not regenerate
    --rebuild        with --reuse: throw the rollups away and build them again from the whole timeline first (timed)
    --keep           keep the database of the last size
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import common

DB = "bench_reports"

YEAR_VOLUME_SQL = [
    # October's day rows into the same day of every other month of Dec 2025–Dec 2026 (days a month lacks are dropped)
    *[f"""INSERT INTO {table} ({cols}, {day})
          SELECT {cols}, m.m + ({day} - date '2026-10-01') FROM {table}
          CROSS JOIN (SELECT generate_series(date '2025-12-01', date '2026-12-01', interval '1 month')::date) AS m(m)
          WHERE {day} BETWEEN date '2026-10-01' AND date '2026-10-31' {extra} AND m.m <> date '2026-10-01'
            AND m.m + ({day} - date '2026-10-01') < m.m + interval '1 month'"""
      for table, cols, day, extra in (
          ("reporting_callstat", "centre_id, hour, disposition, answered, abandoned, channel, n", "day", ""),
          ("reporting_incidentstat", "centre_id, category_id, district, agency_id, n", "day", ""),
          ("reporting_escalationstat", "centre_id, category_id, district, agency_id, kind, n", "day", ""),
      )],
    # (the callers' and intervals' day rows are not copied: whole months and years never read them)
    # October's month rows as every other month's (replacing the few rows of days just outside October)
    "DELETE FROM reporting_callerstat WHERE grain = 'm' AND start <> date '2026-10-01'",
    "DELETE FROM reporting_intervalcell WHERE grain = 'm' AND start <> date '2026-10-01'",
    *[f"""INSERT INTO {table} ({cols}, start)
          SELECT {cols}, m.m FROM {table}
          CROSS JOIN (SELECT generate_series(date '2025-12-01', date '2026-12-01', interval '1 month')::date) AS m(m)
          WHERE grain = 'm' AND start = date '2026-10-01' AND m.m <> date '2026-10-01'"""
      for table, cols in (
          ("reporting_callerstat", "centre_id, grain, caller_key, disposition, n"),
          ("reporting_intervalcell", "centre_id, grain, category_id, district, interval, agency_id, seconds, counts, n, total_s"),
      )],
    # 2026 = twelve Octobers: the year cells are October's month cells with every count × 12
    "DELETE FROM reporting_intervalcell WHERE grain = 'y'",
    """INSERT INTO reporting_intervalcell (centre_id, grain, start, category_id, district, interval, agency_id, seconds, counts, n, total_s)
       SELECT centre_id, 'y', date '2026-01-01', category_id, district, interval, agency_id, seconds,
              (SELECT array_agg(k * 12 ORDER BY o) FROM unnest(counts) WITH ORDINALITY AS u(k, o)), n * 12, total_s * 12
       FROM reporting_intervalcell WHERE grain = 'm' AND start = date '2026-10-01'""",
    "ANALYZE",
]


def measure():
    import django

    sys.path.insert(0, str(common.ROOT))
    django.setup()
    from django.utils import timezone
    from rest_framework.test import APIClient

    from agencies.models import CommandCentre, User
    from incidents.models import Incident, TimelineEvent
    from reporting.rollup import rollup_refresh

    centre = CommandCentre.objects.get(code="pky")
    user, _ = User.objects.get_or_create(username="bench_official", defaults={"role": User.Role.OFFICIAL, "command_centre": centre})
    client = APIClient()
    client.force_authenticate(user)

    def timed(params, runs=5):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get("/api/v1/reports/coordination/", params)
            assert response.status_code == 200, response.content[:300]
            json.loads(response.content)
            times.append(time.perf_counter() - t0)
        return times, response.json()

    from django.db import connection

    if "--reuse" in sys.argv:
        t0 = time.perf_counter()
        if "--rebuild" in sys.argv:
            from reporting.rollup import rollup_rebuild_all

            rollup_rebuild_all()
        else:
            rollup_refresh()
        print(f"refresh of the whole history: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT district_id FROM incidents_incident WHERE command_centre_id = %s AND district_id IS NOT NULL "
                    "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", [centre.pk])
        district = cur.fetchone()[0]
    month, year = {"from": "2026-10-01", "to": "2026-10-31"}, {"from": "2026-01-01", "to": "2026-12-31"}
    rolling = {"from": "2025-12-01", "to": "2026-11-30"}
    out = {}

    def run(scenarios, prefix=""):
        for name, params in scenarios:
            times, report = timed(params)
            out[prefix + name] = {"cold": times[0], "median": statistics.median(times[1:]), "max": max(times[1:]),
                                  "incidents": report["incidents"]["total"], "calls": report["calls"]["received"],
                                  "load": os.getloadavg()[0]}
            print(prefix + name, json.dumps(out[prefix + name]), file=sys.stderr, flush=True)

    run((
        ("month (1–31 Oct)", month),
        ("year 2026", year),
        ("month, category filter", {**month, "category": "medis"}),
        ("month, district filter", {**month, "district": district}),
        ("year, category filter", {**year, "category": "medis"}),
        ("year, district filter", {**year, "district": district}),
        ("month, category + district", {**month, "category": "medis", "district": district}),
        ("custom 30 days (14 Oct–12 Nov)", {"from": "2026-10-14", "to": "2026-11-12"}),
        ("custom 30 days, category + district", {"from": "2026-10-14", "to": "2026-11-12", "category": "medis", "district": district}),
    ))
    incident = Incident.objects.filter(command_centre=centre).order_by("-pk").first()
    TimelineEvent.objects.create(kind="incident.updated", at=timezone.now(), incident=incident, centre_ids=[centre.pk], payload={"changes": {}})
    t0 = time.perf_counter()
    rollup_refresh()
    out["refresh one day"] = {"seconds": time.perf_counter() - t0, "load": os.getloadavg()[0]}
    # the rollups of the year-volume copies below are not what the timeline says: a later --reuse must --rebuild
    with connection.cursor() as cur:
        for sql in YEAR_VOLUME_SQL:
            cur.execute(sql)
    run((
        ("year 2026", year),
        ("rolling 365 days (1 Dec 2025–30 Nov 2026)", rolling),
        ("year, category filter", {**year, "category": "medis"}),
        ("year, district filter", {**year, "district": district}),
        ("month (1–31 Oct)", month),
    ), prefix="year volume: ")
    print("RESULT " + json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", action="store_true", help="keep the database of the last size")
    parser.add_argument("--reuse", action="store_true", help="measure the database's existing history (after migrate)")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild every rollup from the timeline first")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--redis-db", default="14")
    args = parser.parse_args()
    db = args.db
    env = {**os.environ, **common.bench_env(settings="dispatch.settings.local", database_url=common.db_url(db),
                                            redis_url=f"redis://127.0.0.1:6379/{args.redis_db}"), "DATABASE_POOL": "false"}
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            t0 = time.perf_counter()
            if args.reuse:
                common.migrate(env)
            else:
                common.create_database(db, drop=True)
                common.migrate(env)
                common.manage("load_demo", env=env)
                subprocess.run([sys.executable, "manage.py", "generate_history", "--incidents", str(n), "--centre", "pky",
                                "--start", "2026-10-01", "--days", "31"], cwd=common.ROOT, env=env, check=True)
            generated = time.perf_counter() - t0
            flags = (["--reuse"] if args.reuse else []) + (["--rebuild"] if args.rebuild else [])
            result = subprocess.run([sys.executable, __file__, "--measure", *flags], cwd=common.ROOT,
                                    env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
            data = json.loads(result.split("RESULT ", 1)[1])
            for name, v in data.items():
                if "cold" in v:
                    rows.append([f"{n:,}", name, f"{v['incidents']:,}", f"{v['calls']:,}", f"{v['cold'] * 1000:.0f}",
                                 f"{v['median'] * 1000:.0f}", f"{v['max'] * 1000:.0f}", f"{v['load']:.2f}"])
            refresh = data["refresh one day"]
            rows.append([f"{n:,}", "refresh after one event", "", "", f"{refresh['seconds'] * 1000:.0f}", "", "", f"{refresh['load']:.2f}"])
            what = "migrate (+ the refresh in the first measure)" if args.reuse else "generate_history + rollup rebuild"
            rows.append([f"{n:,}", f"{what}: {generated:.0f} s", "", "", "", "", "", ""])
            print("\n".join(common.md_table(["N", "report", "incidents", "calls", "cold ms", "median ms", "max ms", "load (1 min)"], rows)), flush=True)
    finally:
        if not args.keep and not args.reuse:
            common.drop_database(db)
    m = common.machine()
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB, Python {m['python']}; uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
