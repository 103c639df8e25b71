"""A centre whose server goes away for a minute while the call-taker keeps taking calls (issue 26).

    flock /tmp/bench.lock .venv/bin/python bench/offline_outage.py [--interval 8] [--before 40] [--outage 60] [--after 40]

A uvicorn server on the bench's own database, and one call-taker console in headless Chromium taking a genuine call
every --interval seconds by the keyboard as an operator does (F2, number, category, coordinates, description, Enter;
routing with Enter when the server answers). After --before seconds the server is stopped (SIGTERM to its process
group: the web server is gone, as in a restart or a crash) for --outage seconds while the console keeps taking calls
— started locally, queued in IndexedDB with their keys; once in the middle of the outage the page is reloaded, served
by the Service Worker — then the server is started again on the same port and the calls go on for --after seconds.
At the end the script waits for the console's queue to empty and counts, from the database:
- calls taken in all, during the outage, and sent after it (the queue at its longest);
- duplicates: a caller number (one per call taken) with more than one incident, or more than one call — must be 0;
- lost: a call taken whose incident is not in the database — must be 0;
- how long after the restart the queue was empty.

Prints the machine, its load average and a table (copy them into docs/performance.md).
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

DB = "bench_offline_outage"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")


def setup_world():
    """The bench centre, its call-taker with a session cookie (Django set up on DB)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.test import Client

    from agencies.models import Agency, Unit
    from incidents.models import IncidentCategory

    centre = common.bench_centre()
    IncidentCategory.objects.filter(code="kebakaran").update(question_script=[])
    agency = Agency.objects.get(short_name="Damkar Bench")
    Unit.objects.get_or_create(call_sign="BEN-DMK-01", defaults={"agency": agency, "type": "fire_engine", "capabilities": [],
                                                                 "position": Point(*common.PKY, srid=4326)})
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench_ct_offline", defaults={"role": "call_taker", "command_centre": centre})
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


class Server:
    def __init__(self, env, port):
        self.env, self.port, self.proc = env, port, None
        self.log = open("/tmp/bench-offline-outage-uvicorn.log", "a")
        self.base = f"http://127.0.0.1:{port}"

    def start(self):
        self.proc = common.spawn([sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1",
                                  "--port", str(self.port), "--no-access-log"], env=self.env, log=self.log)
        if not common.wait_http_ok(self.base + "/api/v1/ping/", 60):
            sys.exit("server did not start: /tmp/bench-offline-outage-uvicorn.log")

    def stop(self):
        common.stop_processes([self.proc])


def take_call(page, n, run):
    """One genuine call by the keyboard; returns 'sent' (the server took it at once) or 'queued'."""
    number = f"0812{run % 10000:04d}{n:04d}"
    page.keyboard.press("F2")
    try:
        page.wait_for_selector("#call-panel.active", timeout=1500)
    except Exception:  # noqa: BLE001 - the routing panel held an unrouted incident: the second F2 goes on
        page.keyboard.press("F2")
        page.wait_for_selector("#call-panel.active", timeout=5000)
    page.keyboard.type(number, delay=10)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("keb", delay=10)
    page.wait_for_selector("#category-list li", timeout=5000)
    page.keyboard.press("Enter")
    lon = 113.9 + (n % 50) / 1000
    page.keyboard.type(f"-2.21{n % 10}0, {lon:.4f}", delay=10)
    page.wait_for_selector("#place-list li", timeout=5000)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # the address: the coordinates' label
    page.keyboard.type(f"bench-{run}-{n}", delay=5)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(m => m.includes('tercatat') || m.includes('disimpan di komputer ini'))(document.querySelector('#call-message').textContent)",
        timeout=15000,
    )
    if "tercatat" in page.locator("#call-message").inner_text():
        try:  # route it as the operator does: Enter on the proposal
            page.wait_for_selector("#routing:not([hidden]) .agency.checked", timeout=3000)
            page.keyboard.press("Enter")
            page.wait_for_selector("#assignments .assignment", timeout=5000)
        except Exception:  # noqa: BLE001 - no proposal (the server went away just now): the tray keeps it
            pass
        return number, "sent"
    return number, "queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=8.0, help="seconds between calls")
    parser.add_argument("--before", type=float, default=40.0)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--after", type=float, default=40.0)
    args = parser.parse_args()
    env = common.start_django_bench(DB, REDIS)
    cookie = setup_world()
    from django.db import connection

    connection.close()
    server = Server(env, common.free_port())
    server.start()
    run = int(time.time()) % 100000
    taken = []  # (number, phase, how)
    from playwright.sync_api import sync_playwright

    from tests.support import launch_chromium

    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            context = browser.new_context(locale="id-ID", viewport={"width": 1600, "height": 1000})
            context.add_cookies([{**cookie, "url": server.base}])
            context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
            page = context.new_page()
            page.set_default_timeout(15000)
            page.goto(server.base + "/console/call-taker/")
            page.wait_for_selector("html[data-ct-ready='1']")
            page.wait_for_selector("html[data-page-kept='1']", state="attached", timeout=30000)
            page.wait_for_selector("html[data-offline-reference='1']", state="attached")
            t0 = time.monotonic()
            stop_at, restart_at, end_at = args.before, args.before + args.outage, args.before + args.outage + args.after
            phase, n, reloaded, max_queue, restarted_t = "before", 0, False, 0, None
            while True:
                now = time.monotonic() - t0
                if phase == "before" and now >= stop_at:
                    server.stop()
                    phase = "outage"
                    print(f"{now:6.1f} s  server stopped")
                if phase == "outage" and not reloaded and now >= stop_at + args.outage / 2:
                    page.reload()  # served by the Service Worker: the server is gone
                    page.wait_for_selector("html[data-ct-ready='1']")
                    assert page.evaluate("document.documentElement.dataset.offlineCopy") == "1", "the reload did not come from the worker"
                    reloaded = True
                    print(f"{now:6.1f} s  page reloaded during the outage (Service Worker copy)")
                if phase == "outage" and now >= restart_at:
                    max_queue = int(page.evaluate("document.documentElement.dataset.outboxPending || '0'"))
                    server.start()
                    restarted_t = time.monotonic()
                    phase = "after"
                    print(f"{now:6.1f} s  server started again; queue {max_queue}")
                if now >= end_at:
                    break
                n += 1
                number, how = take_call(page, n, run)
                taken.append((number, phase, how))
                wait = n * args.interval - (time.monotonic() - t0)
                if wait > 0:
                    page.wait_for_timeout(wait * 1000)
            page.wait_for_function("document.documentElement.dataset.outboxPending === '0'", timeout=120000)
            drained_s = time.monotonic() - restarted_t if restarted_t else float("nan")
            browser.close()
    finally:
        server.stop()
    time.sleep(1)

    from django.db.models import Count

    from incidents.models import Call, Incident

    numbers = [t[0] for t in taken]
    incidents = dict(Incident.objects.filter(caller_number__in=numbers).values_list("caller_number").annotate(n=Count("id")))
    calls = dict(Call.objects.filter(caller_number__in=numbers).values_list("caller_number").annotate(n=Count("id")))
    duplicates = sum(1 for x in numbers if incidents.get(x, 0) > 1 or calls.get(x, 0) > 1)
    lost = sum(1 for x in numbers if incidents.get(x, 0) == 0)
    during = [t for t in taken if t[1] == "outage"]
    queued = [t for t in taken if t[2] == "queued"]
    genuine_linked = Incident.objects.filter(caller_number__in=numbers, calls__isnull=False).distinct().count()
    rows = [
        ("calls taken", len(taken)),
        ("… while the server was stopped", len(during)),
        ("… queued on the console (sent after the restart)", len(queued)),
        ("queue at the restart (calls + incidents + closes)", max_queue),
        ("queue empty after the restart", f"{drained_s:.1f} s"),
        ("incidents in the database", sum(incidents.values())),
        ("incidents with their call", genuine_linked),
        ("duplicates (must be 0)", duplicates),
        ("lost (must be 0)", lost),
    ]
    print()
    print("\n".join(common.md_table(["", ""], rows)))
    print(f"load average at end: {open('/proc/loadavg').read().strip()}")
    common.drop_database(DB)
    if duplicates or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
