"""Timer precision: deadline → `assignment.expired` event, with a real Celery worker and beat.

    .venv/bin/python bench/timer_precision.py [--n 240] [--spread 30 60] [--scenarios both,sweeper] [--write docs/perf-timers.md]

Runs against its own database (`bench_timers`, created and migrated if missing) and its own Redis db
(15), so it never touches the development or test data. It starts one worker on the queues `celery,timers`
(concurrency 2, as `make run` does) and one beat, then for each scenario creates N offered assignments
whose acknowledgement deadlines are spread uniformly over the next 30–60 s, waits for all of them, and
reports (TimelineEvent.at − ack_deadline) p50/p99/max plus exactly-once violations:

- `both`:    the normal path — a countdown task per deadline (ETA on the `timers` queue) and the sweeper;
- `sweeper`: every countdown task lost (none queued) — only the beat-run sweeper expires them.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import PKY, ROOT, bench_centre, bench_env, create_database, db_url, machine as machine_info, md_table, migrate, percentile, spawn, stop_processes

DB_NAME = os.environ.get("BENCH_DB", "bench_timers")
DB_URL = db_url(DB_NAME)
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")

os.environ.update(bench_env(settings="dispatch.settings.local", database_url=DB_URL, redis_url=REDIS, DJANGO_DEBUG="0"))
sys.path.insert(0, str(ROOT))


def ensure_database():
    create_database(DB_NAME)
    migrate(os.environ)


def setup_django():
    import django

    django.setup()


def fixtures():
    from django.contrib.gis.geos import Point

    from agencies.models import User

    centre = bench_centre()
    user, created = User.objects.get_or_create(username="bench_ct", defaults={"role": "call_taker", "command_centre": centre})
    return user, Point(*PKY, srid=4326)


def start(args, log):
    celery = str(Path(sys.executable).with_name("celery"))
    return spawn([celery, "-A", "dispatch", *args], env=os.environ, log=log)


def stop(proc):
    stop_processes([proc], timeout=15)


def run_scenario(name, n, spread, user, point):
    from django.utils import timezone

    import incidents.services.common as common
    import incidents.timers as timers
    from incidents.models import Assignment, SupervisorAlert, TimelineEvent
    from incidents.services import incident_create, incident_route

    real_ack = common.ack_seconds_for
    real_schedule = timers.schedule_ack_timer
    common.ack_seconds_for = lambda incident: (random.uniform(*spread), 3600)
    if name == "sweeper":
        timers.schedule_ack_timer = lambda assignment_id, deadline: None  # every countdown task "lost"
    ids = []
    load_before = os.getloadavg()[0]
    t0 = time.monotonic()
    try:
        for i in range(n):
            incident, _ = incident_create(actor=user, category="kebakaran", location=point, caller_number=f"0811{i:06d}", description="bench")
            [a] = incident_route(incident_id=incident.pk, actor=user)
            ids.append(a.pk)
    finally:
        common.ack_seconds_for = real_ack
        timers.schedule_ack_timer = real_schedule
    created_s = time.monotonic() - t0
    last_deadline = max(Assignment.objects.filter(pk__in=ids).values_list("ack_deadline", flat=True))
    # Wait for every escalation (at most 90 s past the last deadline), plus a few seconds for any duplicate.
    while timezone.now() < last_deadline + timedelta(seconds=90):
        if timezone.now() > last_deadline + timedelta(seconds=3) and not Assignment.objects.filter(pk__in=ids, status="offered").exists():
            break
        time.sleep(0.5)
    time.sleep(3)
    deadlines = dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "ack_deadline"))
    events = {}
    for ev in TimelineEvent.objects.filter(kind="assignment.expired", payload__assignment__id__in=ids).only("at", "payload"):
        events.setdefault(ev.payload["assignment"]["id"], []).append(ev.at)
    alerts = {}
    for aid in SupervisorAlert.objects.filter(assignment_id__in=ids, kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED).values_list("assignment_id", flat=True):
        alerts[aid] = alerts.get(aid, 0) + 1
    statuses = dict(Assignment.objects.filter(pk__in=ids).values_list("pk", "status"))
    lateness = [(events[a][0] - deadlines[a]).total_seconds() for a in ids if a in events]
    # Exactly-once: more than one expiry event or alert for one assignment. Missing = never escalated.
    violations = sum(1 for a in ids if len(events.get(a, [])) > 1 or alerts.get(a, 0) > 1)
    missing = sum(1 for a in ids if not events.get(a) or statuses[a] != "expired")
    early = sum(1 for x in lateness if x < 0)
    return {
        "scenario": name,
        "n": n,
        "created_s": round(created_s, 1),
        "expired": sum(1 for a in ids if statuses[a] == "expired"),
        "p50": percentile(lateness, 50),
        "p90": percentile(lateness, 90),
        "p99": percentile(lateness, 99),
        "max": max(lateness) if lateness else float("nan"),
        "min": min(lateness) if lateness else float("nan"),
        "mean": statistics.fmean(lateness) if lateness else float("nan"),
        "within_2s": sum(1 for x in lateness if 0 <= x <= 2.0),
        "early": early,
        "violations": violations,
        "missing": missing,
        "load": f"{load_before:.1f}→{os.getloadavg()[0]:.1f}",
    }


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=5).stdout.strip()
        except Exception:  # noqa: BLE001
            return "?"

    m = machine_info()
    return {
        "cpu": m["cpu"],
        "cores": str(m["cores"]),
        "ram": sh("free -h | awk '/^Mem:/ {print $2}'"),  # free's own rounding ("23Gi"), as docs/perf-timers.md has it
        "python": m["python"],
        "postgres": sh("psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version' 2>/dev/null"),
        "redis": sh("redis-cli -u redis://127.0.0.1:6379 INFO server 2>/dev/null | sed -n 's/^redis_version://p' | tr -d '\\r'"),
    }


def write_doc(path, results, info, argv):
    lines = [
        "# Timer precision (dispatcher area, issue 5)",
        "",
        "Deadline → escalation: for each offered assignment, `TimelineEvent.at` of its `assignment.expired` event minus",
        "its `ack_deadline`. Target: every escalation within 2 s of its deadline, exactly once.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']}, PostgreSQL {info['postgres']}, Redis {info['redis']}.",
        "One Celery worker (`-Q celery,timers -c 2`, as `make run`) and one beat (sweep every 1 s) on the same machine",
        "as the load generator and the database; separate database `bench_timers`, Redis db 15.",
        "",
        f"Command: `{' '.join(argv)}`",
        "",
        *md_table(
            ["scenario", "timers", "expired", "p50", "p90", "p99", "max", "min", "within 2 s", "early", "exactly-once violations", "never escalated", "load avg (1 min)"],
            [
                [r["scenario"], r["n"], r["expired"], *(f"{r[k] * 1000:.0f} ms" for k in ("p50", "p90", "p99", "max", "min")),
                 f"{r['within_2s']}/{r['n']}", r["early"], r["violations"], r["missing"], r["load"]]
                for r in results
            ],
        ),
        "",
        "- `both`: the normal path — each offer queues a countdown task with ETA = deadline on the `timers` queue; the beat",
        "  sweeper (every second, `FOR UPDATE SKIP LOCKED`) runs as well. Whichever comes first escalates; the other finds",
        "  the assignment no longer offered and does nothing.",
        "- `sweeper`: no countdown task at all (as if every task were lost with a killed worker or a flushed broker); the",
        "  sweeper alone expires them — its lateness is bounded by the beat period (1 s) plus the sweep's own run time.",
        "- exactly-once violations = assignments with more than one `assignment.expired` event or ASSIGNMENT_EXPIRED alert;",
        "  never escalated = still offered 90 s after the last deadline.",
        "- Killed-worker recovery is tested in `tests/dispatcher/test_worker_recovery.py` (real worker, `kill -9`).",
        "",
    ]
    Path(path).write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=240)
    parser.add_argument("--spread", type=float, nargs=2, default=(30.0, 60.0))
    parser.add_argument("--scenarios", default="both,sweeper")
    parser.add_argument("--write", default=None, help="write the results as markdown to this file")
    args = parser.parse_args()

    ensure_database()
    setup_django()
    user, point = fixtures()
    import redis

    redis.Redis.from_url(REDIS).delete("celery", "timers")
    tmp = Path(tempfile.mkdtemp(prefix="bench-timers-"))
    worker = start(["worker", "-Q", "celery,timers", "-c", "2", "-l", "warning", "--without-gossip", "--without-mingle"], open(tmp / "worker.log", "w"))
    beat = start(["beat", "-l", "warning", "--schedule", str(tmp / "beat-schedule")], open(tmp / "beat.log", "w"))
    results = []
    try:
        time.sleep(6)  # let the worker and beat boot; the first sweep also clears leftovers of earlier runs
        for name in args.scenarios.split(","):
            r = run_scenario(name, args.n, tuple(args.spread), user, point)
            results.append(r)
            print(
                f"{name:8s} n={r['n']} expired={r['expired']} p50={r['p50'] * 1000:.0f}ms p90={r['p90'] * 1000:.0f}ms "
                f"p99={r['p99'] * 1000:.0f}ms max={r['max'] * 1000:.0f}ms min={r['min'] * 1000:.0f}ms "
                f"within2s={r['within_2s']}/{r['n']} early={r['early']} violations={r['violations']} missing={r['missing']} (created in {r['created_s']} s, load {r['load']})",
                flush=True,
            )
    finally:
        stop(beat)
        stop(worker)
    info = machine()
    print(info)
    if args.write:
        write_doc(args.write, results, info, ["python", "bench/timer_precision.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
