#!/usr/bin/env python
"""Intake benchmark of the call-taker console (issue 3), through the real HTTP API.

    .venv/bin/python bench/intake.py [--n 150] [--seconds 60] [--workers 2] [--keep-db]

1. Creates a separate database (`bench_intake`, dropped first), migrates it and loads the demo data.
2. Starts uvicorn (`dispatch.asgi:application`, --workers 2) on a free port against it; Celery's broker
   is pointed at a Redis database of its own (12) so queued ack timers never reach a running worker.
3. Create + route: as call_taker_pky, POST /api/v1/incidents/ (with an Idempotency-Key) then
   POST /api/v1/incidents/{id}/route/ with `{}` (the service's proposal), at concurrency 1 and 4,
   bounded by --n intakes and --seconds per level. Reports p50/p95/max latency and intakes/s.
4. Tops the open incidents up to 500 (create only), then loads /console/call-taker/ in headless
   Chromium five times and reports DOMContentLoaded and "ready" (the list of 500, embedded as JSON and
   painted with its times, categories and agencies loaded: html[data-ct-ready]).
5. Writes the numbers, the machine and the command to docs/perf-calltaker.md.
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
from concurrent.futures import ThreadPoolExecutor

import httpx
from common import PKY, ROOT, create_database, db_url, drop_database, free_port, machine, manage, md_table, migrate, percentile, spawn, stop_processes, wait_http_ok
from common import bench_env as _bench_env

PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB_NAME = "bench_intake"
REDIS_DB = 12
USERNAME = "call_taker_pky"
# Intakes scatter within ~3 km of Palangka Raya city centre (PKY, inside the centre's service area).
OPEN_TARGET = 500
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def log(msg):
    print(f"[bench] {msg}", flush=True)


def bench_env():
    env = os.environ.copy()
    env.update(
        _bench_env(
            settings="dispatch.settings.local",
            database_url=db_url(DB_NAME) + os.environ.get("BENCH_DB_PARAMS", ""),
            redis_url=f"redis://127.0.0.1:6379/{REDIS_DB}",
            DJANGO_DEBUG="false",
            DEMO_PASSWORD=env.get("DEMO_PASSWORD", "demo112"),
        )
    )
    return env


def prepare_database():
    create_database(DB_NAME, drop=True)
    env = bench_env()
    t0 = time.monotonic()
    migrate(env, python=PYTHON)
    manage("load_demo", "-v", "0", env=env, python=PYTHON)
    log(f"database {DB_NAME} migrated and loaded with demo data in {time.monotonic() - t0:.1f} s")


def start_server(workers):
    port = free_port()
    cmd = [
        str(ROOT / ".venv" / "bin" / "uvicorn"), "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]
    proc = spawn(cmd, env=bench_env())
    url = f"http://127.0.0.1:{port}"
    if wait_http_ok(url + "/login/", timeout=30):
        log(f"uvicorn ({workers} workers) up at {url}")
        return proc, url, cmd
    stop_server(proc)
    raise SystemExit("uvicorn did not start")


def stop_server(proc):
    stop_processes([proc], timeout=10)


def token(url):
    resp = httpx.post(url + "/api/v1/auth/token/", json={"username": USERNAME, "password": bench_env()["DEMO_PASSWORD"]})
    resp.raise_for_status()
    return resp.json()["token"]


def incident_body(rng):
    lon = PKY[0] + rng.uniform(-0.025, 0.025)
    lat = PKY[1] + rng.uniform(-0.025, 0.025)
    return {
        "category": "kebakaran",
        "location": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "address": "Jl. Bench",
        "description": "bench intake",
        "caller_number": f"0812{rng.randrange(10**7, 10**8)}",
        "answers": {},
        "location_source": "map",
        "location_accuracy_m": 20,
    }


def one_intake(client, rng, route=True):
    t0 = time.perf_counter()
    resp = client.post("/api/v1/incidents/", json=incident_body(rng), headers={"Idempotency-Key": str(uuid.uuid4())})
    t1 = time.perf_counter()
    if resp.status_code != 201:
        raise RuntimeError(f"create {resp.status_code}: {resp.text[:300]}")
    if not route:
        return t1 - t0, 0.0
    incident_id = resp.json()["id"]
    resp = client.post(f"/api/v1/incidents/{incident_id}/route/", json={})
    t2 = time.perf_counter()
    if resp.status_code != 200 or not resp.json():
        raise RuntimeError(f"route {resp.status_code}: {resp.text[:300]}")
    return t1 - t0, t2 - t1


def run_level(url, tok, concurrency, n, seconds, warmup=10):
    headers = {"Authorization": f"Token {tok}"}
    results = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = {"left": n}

    def worker(i):
        rng = random.Random(1000 * concurrency + i)
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            for _ in range(warmup // concurrency or 1):
                one_intake(client, rng)
            barrier.wait()
            while time.monotonic() < deadline:
                with lock:
                    if counter["left"] <= 0:
                        return
                    counter["left"] -= 1
                create, route = one_intake(client, rng)
                with lock:
                    results.append((create, route))

    barrier = threading.Barrier(concurrency + 1)
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(worker, i) for i in range(concurrency)]
        barrier.wait()
        start = time.perf_counter()
        for fut in futures:
            fut.result()
        wall = time.perf_counter() - start
    totals = [c + r for c, r in results]
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    return {
        "concurrency": concurrency,
        "intakes": len(results),
        "wall_s": round(wall, 2),
        "per_s": round(len(results) / wall, 1),
        "p50_ms": ms(percentile(totals, 50)),
        "p95_ms": ms(percentile(totals, 95)),
        "max_ms": ms(max(totals)),
        "create_p50_ms": ms(percentile([c for c, _ in results], 50)),
        "create_p95_ms": ms(percentile([c for c, _ in results], 95)),
        "route_p50_ms": ms(percentile([r for _, r in results], 50)),
        "route_p95_ms": ms(percentile([r for _, r in results], 95)),
    }


def top_up_open(url, tok):
    headers = {"Authorization": f"Token {tok}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        count = client.get("/api/v1/incidents/", params={"open": 1, "limit": 1}).json()["count"]
        rng = random.Random(7)
        for _ in range(max(0, OPEN_TARGET - count)):
            one_intake(client, rng, route=False)
        return client.get("/api/v1/incidents/", params={"open": 1, "limit": 1}).json()["count"]


def console_load(url, loads=5):
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        page.goto(url + "/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", bench_env()["DEMO_PASSWORD"])
        page.press("#id_password", "Enter")
        page.wait_for_load_state("domcontentloaded")
        for _ in range(loads):
            page.goto(url + "/console/call-taker/", wait_until="domcontentloaded")
            page.wait_for_selector("html[data-ct-ready='1']", timeout=30_000)
            m = page.evaluate(
                """() => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  // Ready = the later of DOMContentLoaded and the console's own ready mark (list painted, data loaded).
                  return {dcl: nav.domContentLoadedEventEnd, ready: Math.max(nav.domContentLoadedEventEnd, Number(document.documentElement.dataset.ctReadyAt)),
                          ttfb: nav.responseStart, bytes: nav.transferSize,
                          rows: document.querySelectorAll('#open-incidents li.inc').length,
                          painted: [...document.querySelectorAll('#open-incidents .t-age')].filter(e => e.textContent).length};
                }"""
            )
            out.append(m)
        browser.close()
    return out


def write_report(levels, loads, open_count, mach, command, keystrokes):
    def row(level):
        return [
            level["concurrency"], level["intakes"], level["p50_ms"], level["p95_ms"], level["max_ms"], level["per_s"],
            f"{level['create_p50_ms']} / {level['create_p95_ms']}", f"{level['route_p50_ms']} / {level['route_p95_ms']}",
        ]

    dcl = [m["dcl"] for m in loads]
    ready = [m["ready"] for m in loads]
    warm_ready = ready[1:] or ready
    lines = [
        "# Performance: call-taker intake (issue 3)",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {round(mach['ram_gib'], 1)} GB RAM; Python {mach['python']}; "
        "PostgreSQL + PostGIS and Redis on the same machine; client, server and browser share the cores.",
        "",
        f"Command: `{command}` (uvicorn `dispatch.asgi:application --workers 2`, DB `{DB_NAME}` freshly migrated + `load_demo`).",
        "",
        "## Create + route through the HTTP API",
        "",
        "One intake = `POST /api/v1/incidents/` (Idempotency-Key, category `kebakaran`, a point in Palangka Raya) then "
        "`POST /api/v1/incidents/{id}/route/` `{}` (the service proposes Damkar and offers it, with its ack deadline). "
        "Latency is the sum of both requests as the client measures it; token auth, keep-alive.",
        "",
        *md_table(
            ["concurrency", "intakes", "p50 ms", "p95 ms", "max ms", "intakes/s", "create p50/p95 ms", "route p50/p95 ms"],
            [row(level) for level in levels],
        ),
        "",
        f"Target: create+route p95 < 100 ms → concurrency 1: **{'met' if levels[0]['p95_ms'] < 100 else 'MISSED'}**"
        + (f", concurrency 4: **{'met' if levels[1]['p95_ms'] < 100 else 'MISSED'}**" if len(levels) > 1 else "") + ".",
        "",
        f"## Console page load with {open_count} open incidents",
        "",
        "`/console/call-taker/` in headless Chromium (Debian's), logged in as the call-taker, map tiles blocked (offline). "
        "\"Ready\" = the list of every open incident (embedded in the page as JSON, drawn by the one row renderer) painted with its elapsed times, the categories and "
        "agencies loaded (the page sets `html[data-ct-ready]`). Times from navigation start; first load cold.",
        "",
        *md_table(
            ["load", "TTFB ms", "DOMContentLoaded ms", "ready ms", "rows", "HTML bytes"],
            [[i + 1, f"{m['ttfb']:.0f}", f"{m['dcl']:.0f}", f"{m['ready']:.0f}", m["rows"], m["bytes"]] for i, m in enumerate(loads)],
        ),
        "",
        f"Median DOMContentLoaded {statistics.median(dcl):.0f} ms, median ready {statistics.median(ready):.0f} ms "
        f"(warm loads: max {max(warm_ready):.0f} ms). Target: console ready < 1 s → **{'met' if max(warm_ready) < 1000 else 'MISSED'}**.",
        "",
        "## Keystrokes of a standard genuine call",
        "",
    ]
    if keystrokes:
        lines += [
            f"**{keystrokes['keystrokes']} keystrokes** (counted by `tests/calltaker/test_console_browser.py::"
            "test_genuine_fire_call_logged_and_routed_by_keyboard_only`, every typed character counts): "
            + " ".join(f"`{k}`" for k in keystrokes["sequence"])
            + " — answer the ringing call (F2), category by type-ahead, location by landmark type-ahead, one SOP "
            "question answered (y) and one skipped (Enter), the description, Enter saves, Enter routes to the proposed Damkar. "
            "Target < 25.",
        ]
    else:
        lines += ["(run the browser tests first: `pytest tests/calltaker -m browser` writes test-artifacts/calltaker-keystrokes.json)"]
    lines += [
        "",
        "## Profile and fixes (issue 3)",
        "",
        "- Under ASGI each request runs its sync code in a new thread, so `CONN_MAX_AGE` never reuses a connection "
        "and every request opened a PostgreSQL connection (~15 ms on this box, measured). Fixed with Django's psycopg "
        "pool (`DATABASES OPTIONS pool`, on by default, `DATABASE_POOL=false` turns it off; off in test settings): "
        "create+route p50 278 → ~100 ms, p95 488 → ~120 ms at concurrency 1 on the same machine.",
        "- Routing fetched every candidate agency's jurisdiction polygon (and the unit's agency's) only to test it "
        "in SQL: deferred in `incidents.routing`.",
        "- Console: the open incidents are embedded as JSON and drawn by the one JS row renderer with one innerHTML "
        "(the template engine took ~0.5 ms a row: TTFB 577 → ~130 ms with 500 rows; a Python f-string copy of the "
        "row, kept until the front-end toolkit, halved nothing more and is gone), categories and the centre's agencies are embedded in the page in the API's shapes "
        "(two round trips fewer), incident pins drawn on a canvas. DOMContentLoaded 1.5 s → ~0.65 s.",
        "- Still above the create+route p95 target: one intake is 40 SQL statements of ~1 ms each on this shared "
        "2-core machine (create 17, route 23; three timeline events each re-reading the audience, "
        "`propose_agencies` run twice — in the create answer and again in `route {}` — and the status refresh). "
        "Next steps: pass the create answer's proposal to `route` (the console already sends the agency ids), "
        "compute the event audience once per transaction, and batch the refresh-status reads. At concurrency 4 "
        "the client, two uvicorn workers and PostgreSQL share two cores: latency grows with queueing, throughput rises.",
        "",
    ]
    path = ROOT / "docs" / "perf-calltaker.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines))
    log(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=150, help="intakes measured per concurrency level (default 150)")
    parser.add_argument("--seconds", type=int, default=60, help="time bound per level (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--keep-db", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--no-report", action="store_true", help="print only; do not write docs/perf-calltaker.md")
    args = parser.parse_args()
    command = "python bench/intake.py " + " ".join(sys.argv[1:])

    prepare_database()
    proc, url, _cmd = start_server(args.workers)
    try:
        tok = token(url)
        levels = []
        for concurrency in (1, 4):
            level = run_level(url, tok, concurrency, args.n, args.seconds)
            log(json.dumps(level))
            levels.append(level)
        open_count = top_up_open(url, tok)
        log(f"{open_count} open incidents")
        loads = console_load(url)
        for m in loads:
            log(json.dumps(m))
    finally:
        stop_server(proc)
        try:
            import redis

            # Only what this run queued: the never-consumed ack-timer tasks of the bench broker.
            r = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
            for key in [*r.scan_iter("timers*"), *r.scan_iter("_kombu.binding.timers*"), *r.scan_iter("unacked*")]:
                r.delete(key)
        except Exception:  # noqa: BLE001
            pass
        if not args.keep_db:
            drop_database(DB_NAME)
    keystrokes_file = ROOT / "test-artifacts" / "calltaker-keystrokes.json"
    keystrokes = json.loads(keystrokes_file.read_text()) if keystrokes_file.exists() else None
    if not args.no_report:
        write_report(levels, loads, open_count, machine(), command, keystrokes)


if __name__ == "__main__":
    main()
