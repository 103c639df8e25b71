"""Where an intake's time and statements go (issue 15; not collected by default, run explicitly):

    PYTEST_DB_SUFFIX=prof .venv/bin/pytest -q -s -p no:cacheprovider tests/api/profile_intake.py [--profile-html DIR]

Through the real API views with token auth (as the call-taker console and bench/surge.py send them):
prints every SQL statement of one create and of its route, then a pyinstrument profile of 200 create+route
pairs (text; HTML too when PROFILE_HTML names a folder).
"""
import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
    with CaptureQueriesContext(connection) as q_create:
        r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="q")
    with CaptureQueriesContext(connection) as q_route:
        r2 = api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    assert r.status_code == 201 and r2.status_code == 200, (r.content, r2.content)
    _statements("create", q_create)
    _statements("route", q_route)
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
