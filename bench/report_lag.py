"""Rollup lag (issue 27): how long after one timeline event the coordination report shows it.

    .venv/bin/python bench/report_lag.py --db bench_reports [--runs 10]

Against a database that already holds a history (bench/reports.py --keep, or any generate_history): starts a
Celery worker (default queue only: a synthetic history's never-acknowledged offers would flood a `timers` worker with
escalations no real centre has) and beat with the project's schedule (the rollup refresh every 2 s, `reporting.tasks.refresh_rollups`),
waits until the rollups are current, then `--runs` times: writes one new incident of the centre's busiest day (its
row and its `incident.created` event, committed — what an intake writes), and polls the report API for that one day
(in process, JSON rendered) until its incident count has grown by one. The lag is from the commit to the first
report that shows it; the poll's own time bounds the resolution (printed). Prints markdown for docs/performance.md.

    --db NAME        the database (required: it is not created or dropped)
    --centre CODE    default pky
    --runs N         default 10
    --interval S     seconds between events (default 3: the beat's phase differs each time)
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

import common


def measure(args):
    import django

    sys.path.insert(0, str(common.ROOT))
    django.setup()
    from django.db import connection, transaction
    from rest_framework.test import APIClient

    from agencies.models import CommandCentre, User
    from incidents.models import Incident, TimelineEvent
    from reporting.selectors import rollup_status

    centre = CommandCentre.objects.get(code=args.centre)
    user, _ = User.objects.get_or_create(username="bench_official", defaults={"role": User.Role.OFFICIAL, "command_centre": centre})
    client = APIClient()
    client.force_authenticate(user)
    with connection.cursor() as cur:
        cur.execute("SELECT (created_at AT TIME ZONE %s)::date, count(*) FROM incidents_incident WHERE command_centre_id = %s "
                    "GROUP BY 1 ORDER BY 2 DESC LIMIT 1", [centre.timezone, centre.pk])
        day, day_count = cur.fetchone()
    template = Incident.objects.filter(command_centre=centre, created_at__date=day).order_by("pk").first()
    params = {"from": day.isoformat(), "to": day.isoformat()}

    def report_total():
        response = client.get("/api/v1/reports/coordination/", params)
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)["incidents"]["total"]

    t0 = time.monotonic()
    while rollup_status()["lag_s"] > 0 or rollup_status()["failing"]:
        if time.monotonic() - t0 > args.catch_up:
            raise SystemExit(f"the rollups did not catch up within {args.catch_up} s: {rollup_status()}")
        time.sleep(1)
    print(f"rollups current after {time.monotonic() - t0:.0f} s; busiest day {day} ({day_count:,} incidents)", file=sys.stderr, flush=True)

    lags, polls = [], []
    for run in range(args.runs):
        before = report_total()
        with transaction.atomic():
            number = Incident.objects.filter(command_centre=centre, year=template.year).order_by("-number").values_list("number", flat=True).first() + 1
            incident = Incident.objects.create(
                command_centre=centre, reference=f"LAG-{number}", year=template.year, number=number, category=template.category,
                priority=template.priority, status="new", location=template.location, district=template.district,
                caller_number="081200000000", created_at=template.created_at, call_answered_at=template.call_answered_at,
            )
            TimelineEvent.objects.create(kind="incident.created", at=template.created_at, incident=incident, centre_ids=[centre.pk], payload={})
        committed = time.monotonic()
        while True:
            p0 = time.monotonic()
            seen = report_total()
            polls.append(time.monotonic() - p0)
            if seen > before:
                break
            if time.monotonic() - committed > 120:
                raise SystemExit("the event did not show within 120 s")
        lags.append(time.monotonic() - committed)
        print(f"run {run + 1}: {lags[-1]:.2f} s (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
        time.sleep(args.interval)
    print("RESULT " + json.dumps({"lags": lags, "poll_median": statistics.median(polls), "day": day.isoformat(), "day_count": day_count}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--centre", default="pky")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--catch-up", type=float, default=3600, help="seconds to wait for the rollups to be current first")
    parser.add_argument("--redis-db", default="14")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    env = {**os.environ, **common.bench_env(settings="dispatch.settings.local", database_url=common.db_url(args.db), redis_url=redis_url),
           "DATABASE_POOL": "false"}
    common.migrate(env)
    schedule = f"/tmp/report-lag-beat-{os.getpid()}"
    # the bench's own Redis db: whatever an earlier run left queued goes first
    subprocess.run([sys.executable, "-m", "celery", "-A", "dispatch", "purge", "-f", "-Q", "celery,timers"], cwd=common.ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    procs = [
        # the default queue only: a synthetic history's thousands of never-acknowledged offers would otherwise flood
        # the worker with escalation timers (the `timers` queue) that no real centre has
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "dispatch", "worker", "-l", "warning", "-Q", "celery", "-c", "2"],
                         cwd=common.ROOT, env=env, start_new_session=True),
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "dispatch", "beat", "-l", "warning", "--schedule", schedule],
                         cwd=common.ROOT, env=env, start_new_session=True),
    ]
    try:
        out = subprocess.run([sys.executable, __file__, "--measure", "--db", args.db, "--centre", args.centre, "--runs", str(args.runs),
                              "--interval", str(args.interval), "--catch-up", str(args.catch_up)],
                             cwd=common.ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for suffix in ("", ".db", ".dat", ".dir", ".bak"):
            if os.path.exists(schedule + suffix):
                os.remove(schedule + suffix)
    data = json.loads(out.split("RESULT ", 1)[1])
    lags = sorted(data["lags"])
    rows = [[args.db, f"{data['day']} ({data['day_count']:,} incidents)", str(len(lags)), f"{statistics.median(lags):.2f}",
             f"{lags[-1]:.2f}", f"{data['poll_median'] * 1000:.0f}"]]
    print("\n".join(common.md_table(["database", "busiest day", "runs", "lag median s", "lag max s", "one poll ms"], rows)))
    m = common.machine()
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores; uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
