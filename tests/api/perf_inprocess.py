"""In-process cost of the API's hot paths (not collected by default; run explicitly):

    PYTEST_DB_SUFFIX=api .venv/bin/pytest -q -s tests/api/perf_inprocess.py -p no:cacheprovider

Measures, through DRF's test client (no HTTP, no network): create + route of an incident (wall and
CPU time, queries), and the lean incidents list with 500 open incidents. The real-HTTP intake benchmark
is bench/ (call-taker console); this one isolates the API layer and the services under it.
"""
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

N = 200


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _row(name, wall, cpu):
    return f"| {name} | {statistics.median(wall):.1f} | {_pct(wall, 95):.1f} | {statistics.median(cpu):.1f} |"


def test_perf(call_taker, damkar, incident_body):
    for i in range(20):
        f.UnitFactory(agency=damkar, call_sign=f"U{i}")
    api = client_for(call_taker)
    # Count queries first and keep the numbers: captured_queries is re-read from Django's 9000-entry log.
    with CaptureQueriesContext(connection) as q_create:
        r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="q")
    with CaptureQueriesContext(connection) as q_route:
        api.post(f"/api/v1/incidents/{r.json()['id']}/route/")
    n_create, n_route = len(q_create.captured_queries), len(q_route.captured_queries)
    wall_c, cpu_c, wall_r, cpu_r, wall_b = [], [], [], [], []
    for i in range(N):
        w0, c0 = time.perf_counter(), time.process_time()
        r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY=f"k{i}")
        w1, c1 = time.perf_counter(), time.process_time()
        r2 = api.post(f"/api/v1/incidents/{r.json()['id']}/route/")
        w2, c2 = time.perf_counter(), time.process_time()
        assert r.status_code == 201 and r2.status_code == 200
        wall_c.append((w1 - w0) * 1000), cpu_c.append((c1 - c0) * 1000)
        wall_r.append((w2 - w1) * 1000), cpu_r.append((c2 - c1) * 1000)
        wall_b.append((w2 - w0) * 1000)
    for _i in range(500 - N - 1):
        api.post("/api/v1/incidents/", incident_body, format="json")
    wall_l, cpu_l = [], []
    for _i in range(20):
        w0, c0 = time.perf_counter(), time.process_time()
        body = api.get("/api/v1/incidents/?open=1&limit=500").json()
        wall_l.append((time.perf_counter() - w0) * 1000), cpu_l.append((time.process_time() - c0) * 1000)
    assert len(body["results"]) == 500
    print("\n| operation | wall p50 ms | wall p95 ms | Python CPU p50 ms |\n|---|---|---|---|")
    print(_row("POST /incidents/ (create)", wall_c, cpu_c))
    print(_row("POST /incidents/{id}/route/", wall_r, cpu_r))
    print(f"| create + route | {statistics.median(wall_b):.1f} | {_pct(wall_b, 95):.1f} | |")
    print(_row("GET /incidents/?open=1&limit=500", wall_l, cpu_l))
    print(f"queries: create {n_create}, route {n_route}")
