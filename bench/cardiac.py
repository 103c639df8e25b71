"""The report's cardiac arrest figures at scale (issue 30): reporting/cardiac.py over N synthetic incidents.

    .venv/bin/python bench/cardiac.py --incidents 1000000 [--share 0.01] [--db bench_cardiac] [--keep | --reuse]

A fresh database (dropped at the end unless --keep): migrate, load_demo, `generate_history --incidents N --centre pky`
into October 2026 (the reports bench's history: calls, incidents, assignments, their timeline). Then arrests: a
share of the medical incidents with a call (default 1 % of all incidents, ≈ 10,000 at 1M — far more than a city
sees) get their CardiacArrest row and their timeline events as the services write them: `cardiac_arrest.recognised`
(answer → recognised log-normal, median 70 s), `instructions_started` 15 s later, and for 80 % a
`first_compression` (answer → compression, median 160 s). Measured in process: the `cardiac_arrest` section alone
and the whole coordination report through the API (month of October, the year 2026), 5 runs each — cold, then
median and max of the rest — plus EXPLAIN (ANALYZE, BUFFERS) of the section's statement. Prints markdown for
docs/performance.md. The target: the arrest figures within the report's own < 1 s at 1M incidents.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import common

DB = "bench_cardiac"


def lognormal(median, sigma):
    return f"make_interval(secs => exp(ln({median}) + {sigma} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))"


LIGHT_SQL = """
INSERT INTO incidents_incident (command_centre_id, reference, year, number, category_id, priority, status, location, address,
    location_source, outside_service_area, description, caller_number, caller_name, caller_count, answers, is_public_alert,
    call_answered_at, created_at, updated_at)
SELECT c.id, 'PKY-L-' || g, 2026, 500000000 + g,
       (SELECT id FROM incidents_incidentcategory WHERE code = CASE WHEN g %% 5 = 0 THEN 'medis' ELSE 'kebakaran' END),
       2, 'closed', ST_SetSRID(ST_MakePoint(113.92 + (random() - 0.5) * 0.2, -2.21 + (random() - 0.5) * 0.2), 4326), '',
       'map', false, '', '081200000000', '', 1, '{}'::jsonb, false, t, t + interval '40 seconds', t + interval '40 seconds'
FROM agencies_commandcentre c,
     LATERAL (SELECT g, timestamptz '2026-09-30 17:00+00' + (g::float / %(n)s) * interval '31 days' AS t
              FROM generate_series(1, %(n)s) g) s
WHERE c.code = 'pky';
INSERT INTO incidents_timelineevent (at, kind, incident_id, centre_ids, agency_ids, community_ids, payload)
SELECT created_at, 'incident.created', id, ARRAY[command_centre_id]::bigint[], '{}'::bigint[], '{}'::bigint[], '{}'::jsonb
FROM incidents_incident WHERE reference LIKE 'PKY-L-%%'
UNION ALL
SELECT created_at + interval '30 minutes', 'incident.status_changed', id, ARRAY[command_centre_id]::bigint[], '{}'::bigint[], '{}'::bigint[],
       '{"old": "resolved", "new": "closed"}'::jsonb
FROM incidents_incident WHERE reference LIKE 'PKY-L-%%';
ANALYZE incidents_incident;
ANALYZE incidents_timelineevent;
"""


def add_arrests(share: float):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM agencies_commandcentre WHERE code = 'pky'")
        centre = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM incidents_incident WHERE command_centre_id = %s", [centre])
        total = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM incidents_incident i JOIN incidents_incidentcategory c ON c.id = i.category_id "
                    "WHERE i.command_centre_id = %s AND c.code = 'medis' AND i.call_answered_at IS NOT NULL", [centre])
        medical = cur.fetchone()[0]
        p = min(1.0, share * total / max(medical, 1))
        cur.execute("DELETE FROM incidents_cardiacarrest")
        cur.execute(f"""
            INSERT INTO incidents_cardiacarrest (incident_id, command_centre_id, call_taker_id, call_answered_at, recognition,
                recognised_at, nearest_aeds, outcome)
            SELECT i.id, i.command_centre_id, (SELECT c.call_taker_id FROM incidents_call c WHERE c.incident_id = i.id LIMIT 1),
                   i.call_answered_at, 'answers', i.call_answered_at + {lognormal(70, 0.5)}, '[]'::jsonb, ''
            FROM incidents_incident i JOIN incidents_incidentcategory k ON k.id = i.category_id
            WHERE i.command_centre_id = %s AND k.code = 'medis' AND i.call_answered_at IS NOT NULL AND random() < %s""",
                    [centre, p])
        cur.execute("UPDATE incidents_cardiacarrest SET instructions_started_at = recognised_at + interval '15 seconds'")
        cur.execute(f"""UPDATE incidents_cardiacarrest
                        SET first_compression_at = greatest(instructions_started_at + interval '5 seconds',
                                                            call_answered_at + {lognormal(160, 0.35)})
                        WHERE random() < 0.8""")
        cur.execute("UPDATE incidents_incident i SET cardiac_arrest_suspected = true FROM incidents_cardiacarrest c WHERE c.incident_id = i.id")
        events = """
            INSERT INTO incidents_timelineevent (at, kind, incident_id, centre_ids, agency_ids, community_ids, payload)
            SELECT {at}, '{kind}', c.incident_id, ARRAY[c.command_centre_id]::bigint[], '{{}}'::bigint[], '{{}}'::bigint[],
                   jsonb_build_object({fields}, 'at', to_jsonb({at}), 'call_taker', c.call_taker_id,
                                      'call_answered_at', to_jsonb(c.call_answered_at))
            FROM incidents_cardiacarrest c WHERE {at} IS NOT NULL"""
        cur.execute(events.format(at="c.recognised_at", kind="cardiac_arrest.recognised", fields="'recognition', 'answers'"))
        cur.execute(events.format(at="c.instructions_started_at", kind="cardiac_arrest.step", fields="'step', 'instructions_started'"))
        cur.execute(events.format(at="c.first_compression_at", kind="cardiac_arrest.step", fields="'step', 'first_compression'"))
        cur.execute("ANALYZE incidents_cardiacarrest")
        cur.execute("ANALYZE incidents_timelineevent")
        cur.execute("SELECT count(*) FROM incidents_cardiacarrest")
        arrests = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM incidents_timelineevent")
        timeline = cur.fetchone()[0]
    return total, arrests, timeline


def measure(share):
    import django

    sys.path.insert(0, str(common.ROOT))
    django.setup()
    import datetime as dt

    from django.db import connection
    from rest_framework.test import APIClient

    from agencies.models import CommandCentre, User
    from reporting import cardiac
    from reporting.selectors import ReportQuery

    t0 = time.perf_counter()
    total, arrests, timeline = add_arrests(share)
    print(f"arrests written in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    centre = CommandCentre.objects.get(code="pky")
    user, _ = User.objects.get_or_create(username="bench_official", defaults={"role": User.Role.OFFICIAL, "command_centre": centre})
    client = APIClient()
    client.force_authenticate(user)
    out = {"incidents": total, "arrests": arrests, "timeline": timeline}

    def runs(fn, n=5):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return {"cold": times[0], "median": statistics.median(times[1:]), "max": max(times[1:]), "load": os.getloadavg()[0]}, result

    month = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for name, (first, last) in (("month (1–31 Oct)", month), ("year 2026", year)):
        query = ReportQuery(centres=(centre,), first=first, last=last)
        out[f"section only, {name}"], section = runs(lambda query=query: cardiac.cardiac_arrest_report(query))
        out[f"section only, {name}"]["figures"] = {k: v for k, v in section.items() if k != "by_call_taker"}
        params = {"from": first.isoformat(), "to": last.isoformat()}

        def whole(params=params):
            response = client.get("/api/v1/reports/coordination/", params)
            assert response.status_code == 200, response.content[:300]
            return json.loads(response.content)

        if "--light" not in sys.argv:  # without calls, assignments and rollups the rest of the report means nothing
            out[f"whole report, {name}"], report = runs(whole)
            out[f"whole report, {name}"]["figures"] = {"count": report["cardiac_arrest"]["count"]}
        print(name, json.dumps(out[f"section only, {name}"]), file=sys.stderr, flush=True)
    # the plan of the section's statement (month)
    from reporting.rollup import local_bounds

    start, end = local_bounds(centre.timezone, *month)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + cardiac._SQL.format(joins="", filters=""),
                    {"centres": [centre.pk], "starts": [start], "ends": [end], "kinds": cardiac.KINDS})
        out["plan"] = [row[0] for row in cur.fetchall()]
    print("RESULT " + json.dumps(out, default=str))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.01, help="arrests as a share of all incidents")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="the database already holds the history: only add arrests and measure")
    parser.add_argument("--redis-db", default="15")
    parser.add_argument("--light", action="store_true",
                        help="instead of generate_history: N incidents (a fifth medical) with two timeline events each, no "
                             "calls or assignments, straight from SQL (minutes instead of most of an hour on a busy machine); "
                             "the whole report is then not measured, only the section")
    args = parser.parse_args()
    env = {**os.environ, **common.bench_env(settings="dispatch.settings.local", database_url=common.db_url(args.db),
                                            redis_url=f"redis://127.0.0.1:6379/{args.redis_db}"), "DATABASE_POOL": "false"}
    try:
        t0 = time.perf_counter()
        if args.reuse:
            common.migrate(env)
        else:
            common.create_database(args.db, drop=True)
            common.migrate(env)
            common.manage("load_demo", env=env)
            if args.light:
                import psycopg

                with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={args.db}", autocommit=True) as conn:
                    for statement in LIGHT_SQL.split(";"):
                        if statement.strip():
                            params = {"n": args.incidents} if "%(n)s" in statement else None
                            conn.execute(statement if params else statement.replace("%%", "%"), params)
            else:
                subprocess.run([sys.executable, "manage.py", "generate_history", "--incidents", str(args.incidents), "--centre",
                                "pky", "--start", "2026-10-01", "--days", "31"], cwd=common.ROOT, env=env, check=True)
        print(f"history ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, __file__, "--measure", "--share", str(args.share), *(["--light"] if args.light else [])],
                                cwd=common.ROOT, env=env,
                                check=True, stdout=subprocess.PIPE, text=True).stdout
        data = json.loads(result.split("RESULT ", 1)[1])
    finally:
        if not args.keep and not args.reuse:
            common.drop_database(args.db)
    print(f"{data['incidents']:,} incidents, {data['arrests']:,} arrests, {data['timeline']:,} timeline events\n")
    rows = [[name, f"{v['cold'] * 1000:.0f}", f"{v['median'] * 1000:.0f}", f"{v['max'] * 1000:.0f}", f"{v['load']:.2f}"]
            for name, v in data.items() if isinstance(v, dict) and "cold" in v]
    print("\n".join(common.md_table(["measure", "cold ms", "median ms", "max ms", "load (1 min)"], rows)))
    print("\nfigures (month):", json.dumps(data["section only, month (1–31 Oct)"]["figures"]))
    print("\nplan (month):\n" + "\n".join("    " + line for line in data["plan"]))
    m = common.machine()
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB, Python {m['python']}; uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        share = float(sys.argv[sys.argv.index("--share") + 1]) if "--share" in sys.argv else 0.01
        measure(share)
    else:
        main()
