"""Coordination report speed (issue 13): the month's and the year's report over N synthetic incidents.

    .venv/bin/python bench/reports.py --sizes 10000,100000,1000000

For each N: a fresh database `bench_reports` (dropped at the end), migrate, load_demo, `generate_history
--incidents N --centre pky` into October 2026 (31 local days, with its calls at the published mix and its
timeline events; the rollups are refreshed from the timeline), then the report through the API view in
process (JSON rendered): the month (1–31 Oct), the year (1 Jan–31 Dec 2026, the same history) — each 5 times,
first (cold) and median/max of the rest — and the month filtered by category (the path that reads the rows).
Also the refresh after one more event (one day and its month rebuilt). Prints markdown for docs/performance.md.
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

    out = {}
    for name, params in (
        ("month", {"from": "2026-10-01", "to": "2026-10-31"}),
        ("year", {"from": "2026-01-01", "to": "2026-12-31"}),
        ("month, category filter", {"from": "2026-10-01", "to": "2026-10-31", "category": "medis"}),
        ("custom 30 days (14 Oct–12 Nov)", {"from": "2026-10-14", "to": "2026-11-12"}),
    ):
        times, report = timed(params)
        out[name] = {"cold": times[0], "median": statistics.median(times[1:]), "max": max(times[1:]),
                     "incidents": report["incidents"]["total"], "calls": report["calls"]["received"]}
    incident = Incident.objects.filter(command_centre=centre).order_by("-pk").first()
    TimelineEvent.objects.create(kind="incident.updated", at=timezone.now(), incident=incident, centre_ids=[centre.pk], payload={"changes": {}})
    t0 = time.perf_counter()
    rollup_refresh()
    out["refresh one day"] = {"seconds": time.perf_counter() - t0}
    print("RESULT " + json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", action="store_true", help="keep the database of the last size")
    args = parser.parse_args()
    env = {**os.environ, **common.bench_env(settings="dispatch.settings.local", database_url=common.db_url(DB),
                                            redis_url="redis://127.0.0.1:6379/14"), "DATABASE_POOL": "false"}
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            common.create_database(DB, drop=True)
            common.migrate(env)
            common.manage("load_demo", env=env)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "manage.py", "generate_history", "--incidents", str(n), "--centre", "pky",
                            "--start", "2026-10-01", "--days", "31"], cwd=common.ROOT, env=env, check=True)
            generated = time.perf_counter() - t0
            load = os.getloadavg()
            result = subprocess.run([sys.executable, __file__, "--measure"], cwd=common.ROOT, env=env, check=True,
                                    stdout=subprocess.PIPE, text=True).stdout
            data = json.loads(result.split("RESULT ", 1)[1])
            for name, v in data.items():
                if "cold" in v:
                    rows.append([f"{n:,}", name, f"{v['incidents']:,}", f"{v['calls']:,}", f"{v['cold'] * 1000:.0f}",
                                 f"{v['median'] * 1000:.0f}", f"{v['max'] * 1000:.0f}", f"{load[0]:.2f}"])
            rows.append([f"{n:,}", "refresh after one event", "", "", f"{data['refresh one day']['seconds'] * 1000:.0f}", "", "", f"{load[0]:.2f}"])
            rows.append([f"{n:,}", f"generate_history + first refresh: {generated:.0f} s", "", "", "", "", "", f"{load[0]:.2f}"])
            print("\n".join(common.md_table(["N", "report", "incidents", "calls", "cold ms", "median ms", "max ms", "load (1 min)"], rows)), flush=True)
    finally:
        if not args.keep:
            common.drop_database(DB)
    m = common.machine()
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB, Python {m['python']}; uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
