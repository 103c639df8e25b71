"""Where an intake's time and statements go (issues 15, 27; not collected by default, run explicitly):

    PYTEST_DB_SUFFIX=prof .venv/bin/pytest -q -s -p no:cacheprovider tests/api/profile_intake.py

Through the real API views with token auth (as the call-taker console and bench/surge.py send them):
prints every SQL statement of one create and of its route, the Python CPU per create + route (process_time, no
profiler), then a CPU-time sampling profile (bench/flame.py: SIGPROF on this process's CPU clock, so waiting for
PostgreSQL is not sampled) of 600 pairs: the top frames by self time, and with PROFILE_FLAME=docs/perf/intake-after
the folded stacks and an SVG flame graph. PROFILE_PYINSTRUMENT=1 adds the wall-clock pyinstrument profile of issue 15
(PROFILE_HTML=DIR: its HTML too).

Instructions instead of time (the machine is shared; the count does not depend on its load): run it under callgrind
with PROFILE_CALLGRIND=N (N pairs instrumented, nothing else) and read the total `Ir` divided by N:

    PROFILE_CALLGRIND=20 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.%p \
        .venv/bin/python -m pytest -q -s -p no:cacheprovider --reuse-db tests/api/profile_intake.py
    callgrind_annotate /tmp/cg.<pid> | head
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents import timers
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

N = 200


def _statements(label, ctx):
    print(f"\n--- {label}: {len(ctx.captured_queries)} statements")
    for i, q in enumerate(ctx.captured_queries, 1):
        print(f"{i:2d}. {q['sql'][:220]}")


def test_profile_intake(call_taker, damkar, incident_body):
    from pyinstrument import Profiler

    for i in range(20):
        f.UnitFactory(agency=damkar, call_sign=f"U{i}")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=call_taker).key}")
    # warm every per-process cache first: the steady state is what a surge sees
    r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="warm")
    api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    # the timer sender thread's first Celery message imports half of Celery: done here, not in a measured pair (it
    # landed in some callgrind windows and not in others: ≈ 0.4 M instructions per pair of noise over 20 pairs)
    timers.flush()
    with CaptureQueriesContext(connection) as q_create:
        r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="q")
    with CaptureQueriesContext(connection) as q_route:
        r2 = api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    assert r.status_code == 201 and r2.status_code == 200, (r.content, r2.content)
    _statements("create", q_create)
    _statements("route", q_route)
    if os.environ.get("PROFILE_CALLGRIND"):
        # Under `valgrind --tool=callgrind --instr-atstart=no`: instructions of N pairs only, load-independent.
        n = int(os.environ["PROFILE_CALLGRIND"])
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
        for i in range(n):
            r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=f"c{i}")
            api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)
        return
    # CPU of this process (client + Django, not PostgreSQL) per create+route, without the profiler's overhead
    cpu, wall = [], []
    for i in range(N):
        c0, w0 = time.process_time(), time.perf_counter()
        r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=f"t{i}")
        api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    cpu.sort(), wall.sort()
    print(f"\n{N} create+route in-process, no profiler: CPU p50 {cpu[N // 2]:.2f} ms, wall p50 {wall[N // 2]:.2f} ms, "
          f"wall p95 {wall[int(N * 0.95)]:.2f} ms (os.getloadavg {os.getloadavg()})")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import flame  # noqa: E402 — bench/ is a folder of scripts, not a package

    with flame.CpuSampler(interval=0.0005) as sampler:
        for i in range(3 * N):
            r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=f"f{i}")
            api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    counts = sampler.trimmed("test_profile_intake")
    total = sum(counts.values()) or 1
    print(f"\nCPU samples over {3 * N} create+route: {total}, process CPU {sampler.cpu_s * 1000 / (3 * N):.2f} ms per pair "
          f"with the sampler on")
    print("self time, top 25:")
    for label, n in flame.self_time(counts, 25):
        print(f"  {100 * n / total:5.1f} %  {label}")
    print("inclusive:")
    for needle in ("IncidentListCreateApi.post", "IncidentRouteApi.post", "authenticate (", "incident_create (", "incident_route (",
                   "nearest_available_units", "execute (django/db/backends/utils.py", "represent", "publish_events", "APIClient",
                   "render (", "initial (rest_framework", "is_valid"):
        print(f"  {100 * flame.inclusive(counts, needle) / total:5.1f} %  {needle}")
    if os.environ.get("PROFILE_FLAME"):
        prefix = os.environ["PROFILE_FLAME"]
        sampler.write_folded(prefix + ".folded", counts)
        flame.write_svg(counts, prefix + ".svg", title=f"create + route, CPU time in the Django process ({prefix})")
    if not os.environ.get("PROFILE_PYINSTRUMENT"):
        return
    profiler = Profiler(interval=0.001)
    t0 = time.perf_counter()
    with profiler:
        for i in range(N):
            r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=f"k{i}")
            api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    print(f"\n{N} create+route in-process: {(time.perf_counter() - t0) / N * 1000:.2f} ms each")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if os.environ.get("PROFILE_HTML"):
        with open(os.path.join(os.environ["PROFILE_HTML"], "intake-profile.html"), "w") as fh:
            fh.write(profiler.output_html())
