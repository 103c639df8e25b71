"""Volunteer call-outs (issue 11): selection by skill within a radius among 100,000 members (p99), the time from
call-out to the volunteer's phone page, and the phone page's weight on a slow 3G link.

1. A fresh database `bench_volunteers` (or $BENCH_DB) with the demo data, then --members members (default 100,000)
   in 40 approved Palangka Raya communities, spread over 30 km around the city: 2 of 16 skills each, 60 % on call,
   15 % on a weekly schedule, 25 % off, 3 % suspended.
2. Selection: `volunteers.selectors.members_for_callout` (the query a call-out and the console's proposal run:
   alertable now, not busy, any of the skills, within the radius, nearest first, 50 at most) for --queries random
   points in the city × radius 1 / 5 / 20 km × a random skill; wall time per call in this process (Django ORM +
   PostgreSQL round trip), p50/p99; plus the query plan of one call.
3. Call-out → phone: uvicorn (2 workers); headless Chromium opens the phone page (390×844) of the demo volunteers
   of "Relawan SAR Palangka Raya"; a call-taker posts --callouts call-outs to that community through the HTTP API
   (each on a fresh incident, cancelled after it was seen); each page records when the call-out's card appeared
   (MutationObserver, epoch ms); latency = card drawn − POST sent (same machine clock).
4. Weight: the phone page's first load — bytes transferred (HTML, CSS, JS, the translation catalog) and the time
   to "live" with Chromium's "Slow 3G" emulation (400 kbit/s, 400 ms RTT).

    .venv/bin/python bench/volunteers.py [--members 100000] [--queries 200] [--callouts 30] [--keep]

Redis db 12 (or $BENCH_REDIS), a free port. Copy the printed tables into docs/performance.md with the load it prints.
"""
import argparse
import math
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from common import (bench_env, create_database, db_url, free_port, machine, manage, migrate, percentile,  # noqa: E402
                    spawn, stop_processes, wait_http_ok)

DB_NAME = os.environ.get("BENCH_DB", "bench_volunteers")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo112")
PKY = (113.9213, -2.2096)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONES = ["volunteer_pky", "volunteer2_pky", "volunteer3_pky", "coordinator_pky"]


def log(msg):
    print(f"[volunteers-bench] {msg}", flush=True)


def env_for(database_url):
    return {**os.environ, **bench_env(settings="dispatch.settings.local", database_url=database_url, redis_url=REDIS,
                                      DJANGO_DEBUG="false", DEMO_PASSWORD=PASSWORD)}


def seed(members, rng):
    from django.contrib.gis.geos import Point
    from django.db import connection
    from django.utils import timezone

    from agencies.models import CommandCentre
    from volunteers.models import Volunteer, VolunteerCommunity
    from volunteers.skills import SKILLS

    centre = CommandCentre.objects.get(code="pky")
    have = Volunteer.objects.filter(community__name__startswith="Bench ").count()
    if have >= members:
        return have
    now = timezone.now()
    communities = [
        VolunteerCommunity.objects.get_or_create(command_centre=centre, name=f"Bench {i:02d}",
                                                 defaults={"kind": "sar", "approved_at": now})[0]
        for i in range(40)
    ]
    codes = list(SKILLS)
    batch = []
    for i in range(have, members):
        r = rng.random()
        availability = "available" if r < 0.60 else "schedule" if r < 0.75 else "off"
        # uniform over a disc of 30 km (≈ 0.27°)
        radius, angle = 0.27 * rng.random() ** 0.5, rng.uniform(0, 6.2832)
        batch.append(Volunteer(
            community=communities[i % 40], name=f"Anggota {i}", phone=f"0857{i:08d}", skills=rng.sample(codes, 2),
            availability=availability, schedule_hours=sorted(rng.sample(range(168), 40)) if availability == "schedule" else [],
            status="suspended" if rng.random() < 0.03 else "active",
            location=Point(PKY[0] + radius * math.cos(angle), PKY[1] + radius * math.sin(angle), srid=4326), location_at=now,
        ))
        if len(batch) == 5000:
            Volunteer.objects.bulk_create(batch)
            batch = []
    if batch:
        Volunteer.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE volunteers_volunteer; ANALYZE volunteers_calloutresponse; ANALYZE volunteers_callout")
    return Volunteer.objects.count()


def selection(queries, rng):
    from django.contrib.gis.geos import Point
    from django.db import connection

    from agencies.models import CommandCentre
    from volunteers.selectors import members_for_callout
    from volunteers.skills import SKILLS

    centre = CommandCentre.objects.get(code="pky")
    codes = list(SKILLS)
    rows = []
    for radius in (1000, 5000, 20000):
        times, found = [], []
        for _ in range(queries):
            point = Point(PKY[0] + rng.uniform(-0.08, 0.08), PKY[1] + rng.uniform(-0.08, 0.08), srid=4326)
            t0 = time.perf_counter()
            got = members_for_callout(centre=centre, point=point, skills=[rng.choice(codes)], radius_m=radius)
            times.append((time.perf_counter() - t0) * 1000)
            found.append(len(got))
        rows.append((radius, percentile(times, 50), percentile(times, 99), max(times), statistics.mean(found)))
    # one plan, to show which index serves it
    point = Point(*PKY, srid=4326)
    with connection.execute_wrapper(lambda execute, sql, params, many, context: _capture(sql, params) or execute(sql, params, many, context)):
        members_for_callout(centre=centre, point=point, skills=["first_aid"], radius_m=5000)
    sql, params = _captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        qs_sql = "\n".join(r[0] for r in cursor.fetchall())
    return rows, qs_sql


_captured = []


def _capture(sql, params):
    if "<->" in sql:
        _captured.append((sql, params))


def phone_latency(url, callouts):
    import httpx
    from playwright.sync_api import sync_playwright

    from agencies.models import User
    from incidents.services import incident_create
    from django.contrib.gis.geos import Point
    from volunteers.models import VolunteerCommunity

    # Playwright's sync API runs an event loop on this thread; the ORM calls here are plain sync code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    call_taker = User.objects.get(username="call_taker_pky")
    community = VolunteerCommunity.objects.get(name="Relawan SAR Palangka Raya")
    token = httpx.post(url + "/api/v1/auth/token/", json={"username": "call_taker_pky", "password": PASSWORD}).json()["token"]
    client = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30)
    rng = random.Random(5)
    sent, weight, post_ms = {}, {}, []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        pages = []
        for username in PHONES:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True)
            page = context.new_page()
            page.goto(url + "/login/")
            page.fill('input[name="username"]', username)
            page.fill('input[name="password"]', PASSWORD)
            page.click('button[type="submit"]')
            page.wait_for_url("**/relawan/")
            page.wait_for_selector("#live-state.live")
            page.evaluate("""() => {
                window.__seen = {};
                new MutationObserver(() => {
                    for (const n of document.querySelectorAll('section.callout')) {
                        if (!(n.dataset.id in window.__seen)) window.__seen[n.dataset.id] = performance.timeOrigin + performance.now();
                    }
                }).observe(document.getElementById('callouts'), {childList: true, subtree: true});
            }""")
            pages.append(page)
        # weight and slow-3G load of one phone page (a fresh context: nothing cached)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True)
        page = context.new_page()
        page.goto(url + "/login/")
        page.fill('input[name="username"]', "volunteer_pky")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/relawan/")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8,
                                                      "uploadThroughput": 400 * 1024 / 8})
        t0 = time.time()
        page.goto(url + "/relawan/", wait_until="load")
        page.wait_for_selector("#live-state.live", timeout=60_000)
        weight["slow3g_live_s"] = time.time() - t0
        weight.update(page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const res = performance.getEntriesByType('resource');
            return {html: nav.transferSize, total: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                    decoded: nav.decodedBodySize + res.reduce((s, r) => s + r.decodedBodySize, 0), requests: 1 + res.length,
                    load_ms: nav.loadEventEnd};
        }"""))
        context.close()
        for i in range(callouts):
            incident, _ = incident_create(actor=call_taker, category="orang_tenggelam", address=f"Sungai Kahayan {i}",
                                          location=Point(PKY[0] + rng.uniform(-0.02, 0.02), PKY[1] + rng.uniform(-0.02, 0.02), srid=4326),
                                          caller_number=f"0815{rng.randrange(10**7, 10**8)}")
            t0 = time.time() * 1000
            resp = client.post(f"/api/v1/incidents/{incident.pk}/callouts/", json={"community": community.pk, "needed": 2},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
            resp.raise_for_status()
            sent[str(resp.json()["id"])] = t0
            post_ms.append(time.time() * 1000 - t0)
            time.sleep(1.0)
            client.post(f"/api/v1/callouts/{resp.json()['id']}/cancel/", json={})
            time.sleep(0.3)
        seen = [p.evaluate("() => window.__seen") for p in pages]
        browser.close()
    latencies, lost = [], 0
    for per_page in seen:
        for cid, t0 in sent.items():
            if cid in per_page:
                latencies.append(per_page[cid] - t0)
            else:
                lost += 1
    weight["post_p50_ms"] = percentile(post_ms, 50) if post_ms else None
    weight["post_p99_ms"] = percentile(post_ms, 99) if post_ms else None
    return latencies, lost, weight


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--callouts", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse the bench database")
    args = parser.parse_args()
    env = env_for(db_url(DB_NAME))
    if not args.keep:
        create_database(DB_NAME, drop=True)
        migrate(env)
        manage("load_demo", "-v", "0", env=env)
    os.environ.update(env)
    import django

    django.setup()
    rng = random.Random(11)
    t0 = time.monotonic()
    total = seed(args.members, rng)
    log(f"{total} members (seeded in {time.monotonic() - t0:.0f} s)")
    rows, plan = selection(args.queries, rng)
    port = free_port()
    server = spawn([sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", "2", "--no-access-log", "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_http_ok(url + "/login/", timeout=40):
            raise SystemExit("uvicorn did not start")
        latencies, lost, weight = phone_latency(url, args.callouts)
    finally:
        stop_processes([server])
    load = os.getloadavg()
    mach = machine()
    print()
    print(f"Machine: {mach['cpu']}, {mach['cores']} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min) at the end")
    print(f"Command: {' '.join(sys.argv)}; members: {total}")
    print()
    print("| radius | p50 ms | p99 ms | max ms | members returned (mean, ≤ 50) |")
    print("|---|---|---|---|---|")
    for radius, p50, p99, mx, mean in rows:
        print(f"| {radius / 1000:g} km | {p50:.1f} | {p99:.1f} | {mx:.1f} | {mean:.1f} |")
    print("\nPlan of one selection (5 km, first_aid):\n")
    print("\n".join("    " + line for line in plan.splitlines()))
    print(f"\ncall-outs sent: {args.callouts} × {len(PHONES)} phones; lost {lost}")
    if latencies:
        print(f"\ncall-out → phone page ({len(latencies)} cards on {len(PHONES)} phones, POST sent → card drawn): "
              f"p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms; lost {lost}; "
              f"of which the POST itself (alert {7} members, queue their SMS, commit): p50 {weight['post_p50_ms']:.0f} ms, p99 {weight['post_p99_ms']:.0f} ms")
    print(f"\nphone page first load: {weight.get('requests')} requests, {weight.get('total', 0) / 1024:.1f} kB transferred "
          f"({weight.get('decoded', 0) / 1024:.1f} kB decoded; HTML {weight.get('html', 0) / 1024:.1f} kB); "
          f"Slow 3G (400 kbit/s, 400 ms RTT): load {weight.get('load_ms', 0) / 1000:.1f} s, live {weight.get('slow3g_live_s', 0):.1f} s")


if __name__ == "__main__":
    main()
