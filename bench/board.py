"""Supervisor board (issue 12): is the board usable within 1 s with 500 open incidents, 300 units and 50 alerts, and
does an event reach the board within 100 ms p99?

1. A fresh database `bench_board` with the demo data, then, through the services, Palangka Raya gets N open incidents
   (most routed, some accepted), extra units up to U (random statuses and position ages), expired offers until there
   are A alerts, and a morning of calls (the funnel and call-taker activity have something to count).
2. uvicorn (2 workers) on it; headless Chromium logs in as `supervisor_pky` and loads /board/ `--loads` times:
   TTFB, DOMContentLoaded and "ready" (every panel and the map drawn: html[data-board-ready], set by main.js).
3. With the board open, `--events` incidents are created and routed through the HTTP API by a call-taker at `--rate`
   per second; the page notes when each incident's `incident.created` was applied and drawn (window.__boardApplied);
   latency = drawn − the moment the client sent the POST (so it includes the whole intake, like push_latency.py).

    .venv/bin/python bench/board.py                  # 500 / 300 / 50, 5 loads, 200 events at 10/s
    .venv/bin/python bench/board.py --seed-only      # just the data (e.g. for screenshots), on $BENCH_DB
    .venv/bin/python bench/board.py --surge 1250     # issue 23: 1,250 unanswered incidents, their alerts by the sweeper

--surge N (issue 23, "the board under a surge"): instead of the mixed world, N incidents nobody holds — a third of
them routed to an agency without a backup whose offer expired (assignment_expired + no_backup), every one then
past its unrouted threshold (the sweeper's unrouted alert) — so ≈ 1.7 alerts per incident. Each board load counts
the alert lines (`#alerts li.alert-group`: must be ≤ N, one per incident), and the grouped alerts API
(`GET /api/v1/alerts/?open=1&group=incident`) is timed. Targets: lines ≤ N, ready ≤ 1 s.

Database `bench_board` (or $BENCH_DB), Redis db 13 (or $BENCH_REDIS), a port of its own. Copy the printed table into
docs/performance.md with the machine load it prints.
"""
import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from common import (ROOT, bench_env, create_database, db_url, free_port, machine, manage, migrate, percentile,  # noqa: E402
                    spawn, stop_processes, wait_http_ok)

DB_NAME = os.environ.get("BENCH_DB", "bench_board")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo112")
PKY = (113.9213, -2.2096)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def log(msg):
    print(f"[board-bench] {msg}", flush=True)


def env_for(database_url):
    return {**os.environ, **bench_env(settings="board_settings", database_url=database_url, redis_url=REDIS,
                                      DJANGO_DEBUG="false", DEMO_PASSWORD=PASSWORD,
                                      PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]))}


# -- data ----------------------------------------------------------------------------------------------
def seed(*, incidents=500, units=300, alerts=50, calls=60, rng=None):
    """Palangka Raya's open world, built through the services (Django must be set up). Idempotent-ish: tops up."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from agencies.models import Agency, CommandCentre, Unit, User
    from dispatch.errors import ApplicationError
    from incidents.models import Assignment, Incident, IncidentCategory, SupervisorAlert
    from incidents.services import (assignment_accept, assignment_expire, call_close, call_start, incident_create,
                                    incident_route)

    rng = rng or random.Random(12)
    centre = CommandCentre.objects.get(code="pky")
    takers = list(User.objects.filter(role="call_taker", command_centre=centre))
    supervisor = User.objects.get(username="supervisor_pky")
    agencies = list(Agency.objects.filter(command_centre=centre, is_active=True))
    categories = [c.code for c in IncidentCategory.objects.filter(is_active=True).exclude(responsible_agency_types=[])]
    now = timezone.now()

    def point():
        return Point(PKY[0] + rng.uniform(-0.06, 0.06), PKY[1] + rng.uniform(-0.06, 0.06), srid=4326)

    # units: top up to `units`, statuses and position ages spread
    have = Unit.objects.filter(agency__command_centre=centre).count()
    statuses = ["available"] * 6 + ["dispatched", "en_route", "on_scene", "out_of_service"]
    Unit.objects.bulk_create([
        Unit(agency=agencies[i % len(agencies)], call_sign=f"BEN-{i:04d}", type="other", status=rng.choice(statuses),
             position=point(), position_at=now - timedelta(seconds=rng.randint(5, 1200)))
        for i in range(max(0, units - have))
    ])
    # calls of the morning: the funnel and call-taker activity
    for i in range(calls):
        call = call_start(actor=takers[i % len(takers)], caller_number=f"0812{rng.randrange(10**7, 10**8)}")
        call_close(call_id=call.pk, actor=takers[i % len(takers)], disposition=rng.choice(["ghost", "ghost", "prank", "info", "misdial"]))
    # open incidents: most routed, a third of those accepted
    open_now = Incident.objects.filter(command_centre=centre, status__in=Incident.OPEN_STATUSES).count()
    for i in range(max(0, incidents - open_now)):
        incident, _ = incident_create(actor=takers[i % len(takers)], category=rng.choice(categories), location=point(),
                                      caller_number=f"0813{rng.randrange(10**7, 10**8)}", address=f"Jl. Bench {i}")
        if rng.random() < 0.85:
            try:
                live = incident_route(incident_id=incident.pk, actor=takers[i % len(takers)])
            except ApplicationError:
                continue
            if live and rng.random() < 0.33:
                assignment_accept(assignment_id=live[0].pk, actor=supervisor)
    # alerts: let offers expire until there are enough
    for offer in Assignment.objects.filter(status="offered", incident__command_centre=centre).order_by("pk"):
        if SupervisorAlert.objects.filter(command_centre=centre).count() >= alerts:
            break
        assignment_expire(assignment_id=offer.pk, now=offer.ack_deadline + timedelta(seconds=1))
    counts = {
        "open incidents": Incident.objects.filter(command_centre=centre, status__in=Incident.OPEN_STATUSES).count(),
        "units": Unit.objects.filter(agency__command_centre=centre).count(),
        "alerts": SupervisorAlert.objects.filter(command_centre=centre, acknowledged_at__isnull=True).count(),
        "offers": Assignment.objects.filter(status="offered", incident__command_centre=centre).count(),
    }
    log(f"seeded: {counts}")
    return counts


def seed_surge(*, incidents=1250, rng=None):
    """N unanswered incidents of Palangka Raya with their alerts, through the services and the sweeper (Django set up).
    Tops up to N open incidents nobody holds."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from agencies.models import Agency, CommandCentre, User
    from incidents.models import Assignment, Incident, IncidentCategory, SupervisorAlert
    from incidents.services import assignment_expire, incident_create, incident_route
    from incidents.tasks import sweep_unrouted

    rng = rng or random.Random(23)
    centre = CommandCentre.objects.get(code="pky")
    takers = list(User.objects.filter(role="call_taker", command_centre=centre))
    no_backup = Agency.objects.filter(command_centre=centre, is_active=True, backup_agency__isnull=True).order_by("pk").first()
    categories = [c.code for c in IncidentCategory.objects.filter(is_active=True)]
    have = Incident.objects.filter(command_centre=centre, status=Incident.Status.NEW).count()
    for i in range(max(0, incidents - have)):
        point = Point(PKY[0] + rng.uniform(-0.08, 0.08), PKY[1] + rng.uniform(-0.08, 0.08), srid=4326)
        incident, _ = incident_create(actor=takers[i % len(takers)], category=rng.choice(categories), location=point,
                                      caller_number=f"0815{rng.randrange(10**7, 10**8)}", address=f"Jl. Banjir {i}",
                                      priority=rng.choice([1, 2, 2, 3, 3, 4]))
        if i % 3 == 0:
            [offer] = incident_route(incident_id=incident.pk, actor=takers[i % len(takers)], agency_ids=[no_backup.pk])
            assignment_expire(assignment_id=offer.pk, now=offer.ack_deadline + timedelta(seconds=1))
    # every one past its threshold: the sweeper's unrouted alerts, a batch at a time (as beat would, once a second)
    latest = timezone.now() + timedelta(seconds=601)
    while sweep_unrouted(now=latest, limit=500):
        pass
    # the alerts as if raised a few minutes ago (the sweeper stamped them with the controlled `now`)
    SupervisorAlert.objects.filter(created_at__gt=timezone.now()).update(created_at=timezone.now() - timedelta(minutes=3))
    counts = {
        "unanswered incidents": Incident.objects.filter(command_centre=centre, status=Incident.Status.NEW).count(),
        "open incidents": Incident.objects.filter(command_centre=centre, status__in=Incident.OPEN_STATUSES).count(),
        "open alerts": SupervisorAlert.objects.filter(command_centre=centre, acknowledged_at__isnull=True).count(),
        "incidents with an open alert": SupervisorAlert.objects.filter(command_centre=centre, acknowledged_at__isnull=True)
        .values("incident_id").distinct().count(),
        "offers": Assignment.objects.filter(status="offered", incident__command_centre=centre).count(),
    }
    log(f"seeded (surge): {counts}")
    return counts


def alerts_api(url, rounds=10):
    """GET /api/v1/alerts/?open=1&group=incident as the supervisor: the first page (50 lines) and a big page (1,000)."""
    import httpx

    token = httpx.post(url + "/api/v1/auth/token/", json={"username": "supervisor_pky", "password": PASSWORD}).json()["token"]
    out = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=60) as client:
        for name, query in (("first page (50 lines)", "open=1&group=incident"), ("1,000 lines", "open=1&group=incident&limit=1000")):
            times, body = [], None
            for _ in range(rounds):
                t0 = time.perf_counter()
                resp = client.get("/api/v1/alerts/?" + query)
                times.append((time.perf_counter() - t0) * 1000)
                resp.raise_for_status()
                body = resp.json()
            out[name] = {"ms": times, "count": body["count"], "lines": len(body["results"]),
                         "alerts": sum(len(g["alerts"]) for g in body["results"])}
    return out


# -- measurements --------------------------------------------------------------------------------------
def board_loads(url, loads):
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="id-ID")
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        page.goto(url + "/login/")
        page.fill('input[name="username"]', "supervisor_pky")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_load_state("domcontentloaded")
        for _ in range(loads):
            page.goto(url + "/board/", wait_until="domcontentloaded")
            page.wait_for_selector("html[data-board-ready='1']", timeout=30_000)
            results.append(page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                return {ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd,
                        ready: Number(document.documentElement.dataset.boardReadyAt), bytes: nav.transferSize,
                        incidents: document.querySelectorAll('#incidents li.inc').length,
                        mapMarkers: document.querySelectorAll('.leaflet-marker-icon').length,
                        alertLines: window.__board ? new Set([...window.__board.state.alerts.values()].filter((a) => !a.acknowledged)
                                    .map((a) => a.incident)).size : null,
                        drawnLines: document.querySelectorAll('#alerts li.alert-group').length,
                        moreLine: document.querySelectorAll('#alerts li.more-lines').length,
                        openAlerts: window.__board ? [...window.__board.state.alerts.values()].filter((a) => !a.acknowledged).length : null,
                        drawMs: window.__boardDrawMs || {}, mapMs: (window.__mapMs || [])[0]};
            }"""))
        browser.close()
    return results


def socket_control(url, cookies, after, out, stop):
    """incident id → (receipt − event time) in ms of each incident.created on a plain WebSocket of the same session."""
    from websockets.sync.client import connect

    with connect(url.replace("http", "ws") + f"/ws/events/?after={after}", additional_headers={"Cookie": cookies, "Origin": url}) as ws:
        while not stop.is_set():
            try:
                msg = ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            now = time.time() * 1000
            ev = json.loads(msg)
            if ev.get("kind") == "incident.created":
                from datetime import datetime
                out[ev["incident"]] = now - datetime.fromisoformat(ev["at"]).timestamp() * 1000


def event_latency(url, events, rate):
    """POST + route `events` incidents at `rate`/s as a call-taker while the board is open; per incident:
    board drawn − POST sent (same clock: this machine)."""
    import httpx
    from playwright.sync_api import sync_playwright

    token = httpx.post(url + "/api/v1/auth/token/", json={"username": "call_taker2_pky", "password": PASSWORD}).json()["token"]
    client = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30)
    rng = random.Random(7)
    sent = {}
    post_ms = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="id-ID")
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        page.goto(url + "/login/")
        page.fill('input[name="username"]', "supervisor_pky")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.goto(url + "/board/")
        page.wait_for_selector("html[data-board-ready='1']")
        page.wait_for_selector("#live-state.live")
        page.evaluate("""() => { window.__boardApplied = []; window.__longTasks = [];
            new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: "longtask" }); }""")
        # a control beside the browser: a plain socket of the same session, to tell the server's push from the page's work
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        control = {}
        stop = threading.Event()
        thread = threading.Thread(target=socket_control, args=(url, cookies, int(page.get_attribute("#board", "data-last-seq")), control, stop))
        thread.start()
        time.sleep(1)
        for i in range(events):
            body = {"category": "kebakaran", "location": {"type": "Point", "coordinates": [PKY[0] + rng.uniform(-0.03, 0.03), PKY[1] + rng.uniform(-0.03, 0.03)]},
                    "address": f"Jl. Latensi {i}", "caller_number": f"0814{rng.randrange(10**7, 10**8)}", "description": "bench"}
            t0 = time.time() * 1000
            resp = client.post("/api/v1/incidents/", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
            resp.raise_for_status()
            post_ms.append(time.time() * 1000 - t0)
            sent[resp.json()["id"]] = t0
            client.post(f"/api/v1/incidents/{resp.json()['id']}/route/", json={})
            page.wait_for_timeout(max(0, 1000 / rate - (time.time() * 1000 - t0)))
        page.wait_for_timeout(3000)
        applied = page.evaluate("() => window.__boardApplied")
        long_tasks = page.evaluate("() => window.__longTasks")
        map_ms = page.evaluate("() => window.__mapMs || []")
        if map_ms:
            log(f"map redraws: {len(map_ms)}, p50 {percentile(map_ms, 50):.0f} ms, max {max(map_ms):.0f} ms")
        log(f"long tasks on the page (> 50 ms) during the run: {len(long_tasks)}, {sum(long_tasks):.0f} ms in all, "
            f"longest {max(long_tasks, default=0):.0f} ms")
        stop.set()
        thread.join()
        browser.close()
    drawn = {}
    kinds = {}
    for row in applied:
        if row["kind"] == "incident.created" and row["incident"] in sent:
            drawn.setdefault(row["incident"], row)
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    seqs = [row["seq"] for row in applied]
    rows = [(sent[i], drawn[i]) for i in sent if i in drawn]
    return {
        "latencies": [d["at"] - t0 for t0, d in rows],               # POST sent → drawn (the whole intake included)
        "event_to_board": [d["at"] - d["eventAt"] for _t0, d in rows],  # the event's time (recorded before commit) → drawn
        "receive_to_draw": [d["at"] - d["received"] for _t0, d in rows],  # on the page: socket message → drawn
        "post_ms": post_ms,
        "control": [control[i] for i in sent if i in control],
        "frame_ms": [row["frameMs"] for row in applied],
        "lost": len(sent) - len(drawn), "duplicates": len(seqs) - len(set(seqs)), "kinds": kinds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed-only", action="store_true", help="seed $BENCH_DB (created and loaded if missing) and stop")
    parser.add_argument("--keep", action="store_true", help="reuse the existing bench database instead of a fresh one")
    parser.add_argument("--surge", type=int, default=0, metavar="N",
                        help="N unanswered incidents with their alerts instead of the mixed world (issue 23); no event run")
    args = parser.parse_args()

    env = env_for(db_url(DB_NAME))
    if not args.keep:
        create_database(DB_NAME, drop=not args.seed_only)
        migrate(env)
        manage("load_demo", "-v", "0", env=env)
    os.environ.update(env)
    import django

    django.setup()
    t0 = time.monotonic()
    if args.surge:
        counts = seed_surge(incidents=args.surge)
    else:
        counts = seed(incidents=args.incidents, units=args.units, alerts=args.alerts)
    log(f"seed took {time.monotonic() - t0:.0f} s")
    if args.seed_only:
        return
    port = free_port()
    server = spawn([sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_http_ok(url + "/login/", timeout=40):
            raise SystemExit("uvicorn did not start")
        loads = board_loads(url, args.loads)
        api = alerts_api(url) if args.surge else None
        lat = event_latency(url, args.events, args.rate) if not args.surge else None
    finally:
        stop_processes([server])
    load_avg = os.getloadavg()
    mach = machine()
    print()
    print(f"Machine: {mach['cpu']}, {mach['cores']} cores; load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} (1/5/15 min) at the end")
    print(f"Command: {' '.join(sys.argv)}; data: {counts}")
    print()
    print("| load | TTFB ms | DOMContentLoaded ms | ready ms | HTML kB | list rows | map markers | open alerts | alert lines | drawn (+ \"more\") |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for i, m in enumerate(loads):
        print(f"| {i + 1} | {m['ttfb']:.0f} | {m['dcl']:.0f} | {m['ready']:.0f} | {m['bytes'] / 1024:.0f} | {m['incidents']} | "
              f"{m['mapMarkers']} | {m['openAlerts']} | {m['alertLines']} | {m['drawnLines']}{' + 1' if m['moreLine'] else ''} |")
    print("\nwhere the page's own time went (first draw, ms): " + "; ".join(
        f"load {i + 1}: " + ", ".join(f"{k} {v}" for k, v in {**m["drawMs"], "map": m["mapMs"]}.items()) for i, m in enumerate(loads)))
    warm = [m["ready"] for m in loads[1:]] or [loads[0]["ready"]]
    print(f"\nready: median {statistics.median(m['ready'] for m in loads):.0f} ms, warm max {max(warm):.0f} ms "
          f"→ target < 1 s **{'met' if max(warm) < 1000 else 'MISSED'}**")
    if args.surge:
        lines = max(m["alertLines"] for m in loads)
        print(f"alert lines (one per incident with an open alert; the worst {loads[0]['drawnLines']} drawn, the rest a button away): "
              f"{lines} for {counts['unanswered incidents']} unanswered incidents and {counts['open alerts']} open alerts "
              f"→ target ≤ {args.surge} lines **{'met' if lines <= args.surge else 'MISSED'}**")
        print("\n| GET /api/v1/alerts/?open=1&group=incident | p50 ms | max ms | lines | alerts in them | count |\n|---|---|---|---|---|---|")
        for name, r in api.items():
            print(f"| {name} | {percentile(r['ms'], 50):.0f} | {max(r['ms']):.0f} | {r['lines']} | {r['alerts']} | {r['count']} |")
        return
    v = lat["event_to_board"]
    if v:
        print(f"\n{len(v)} incidents created and routed through the API at {args.rate}/s; lost {lat['lost']}, duplicates {lat['duplicates']}")
        print("\n| measure | p50 ms | p99 ms | max ms |\n|---|---|---|---|")
        for name, values in (("event (recorded in the transaction) → drawn on the board", v),
                             ("on the page: socket message → drawn", lat["receive_to_draw"]),
                             ("control: event → a plain WebSocket client (same session, Python)", lat["control"]),
                             ("on the page: the board's own redraw per frame (script only)", lat["frame_ms"]),
                             ("POST /incidents/ answered (client)", lat["post_ms"]),
                             ("POST sent → drawn on the board (whole intake)", lat["latencies"])):
            print(f"| {name} | {percentile(values, 50):.0f} | {percentile(values, 99):.0f} | {max(values):.0f} |")
        print(f"\nevent → board p99 {percentile(v, 99):.0f} ms → target < 100 ms **{'met' if percentile(v, 99) < 100 else 'MISSED'}**")
    print(f"events applied by kind: {json.dumps(lat['kinds'])}")


if __name__ == "__main__":
    main()
