"""Push latency: commit → receipt on N real WebSocket consoles, and lost events.

    .venv/bin/python bench/push_latency.py [--consoles 100,500,1000] [--rate 20] [--seconds 10]
        [--servers uvicorn,daphne] [--workers 2] [--client-procs 2] [--write docs/perf-live.md]

Runs against its own database (`bench_dispatch112`, created and migrated if missing) and its own Redis db and
live channel prefix (bench/live_bench_settings.py), so it never touches development or test data. For each
server (uvicorn with --workers N, or N daphne processes sharing one listening socket — both "several ASGI
processes behind one address") and each console count it:

1. starts the server on a free loopback port;
2. connects N WebSocket clients (token header, spread over --client-procs processes running uvloop);
3. creates incidents through the public API (`POST /api/v1/incidents/`) at --rate per second for --seconds;
4. waits for the stragglers, then reports, per `incident.created` event received by each console,
   receipt time − the event's `at` (taken inside the committing transaction; same machine clock), p50/p99/max,
   and lost = (consoles × incidents created) − (distinct (console, incident) pairs received).

Client, server, PostgreSQL and Redis share the machine's cores, as the issue's target assumes.
"""
import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = os.environ.get("BENCH_DB", "bench_dispatch112")
DB_URL = f"postgis://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
USERS = 10  # console accounts (call-takers of the bench centre); sockets share them round-robin

os.environ.update(
    DJANGO_SETTINGS_MODULE="live_bench_settings",
    PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS,
    CELERY_BROKER_URL=REDIS,
    LOG_LEVEL="WARNING",
)
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]


# -- setup -------------------------------------------------------------------------------------------
def ensure_database():
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True, env=os.environ)


def fixtures() -> list[str]:
    """A centre serving Palangka Raya, the fire category, and USERS call-takers with API tokens."""
    import django

    django.setup()
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from rest_framework.authtoken.models import Token

    from agencies.models import Agency, CommandCentre, Region, User
    from incidents.models import IncidentCategory

    lon, lat, h = 113.9213, -2.2096, 0.2
    square = MultiPolygon(Polygon(((lon - h, lat - h), (lon + h, lat - h), (lon + h, lat + h), (lon - h, lat + h), (lon - h, lat - h))), srid=4326)
    province, _ = Region.objects.get_or_create(code="62", defaults={"level": "province", "name": "Kalimantan Tengah", "timezone": "Asia/Jakarta"})
    regency, _ = Region.objects.get_or_create(
        code="62.71", defaults={"level": "regency", "name": "Kota Palangka Raya", "parent": province, "timezone": "Asia/Jakarta", "boundary": square}
    )
    centre, _ = CommandCentre.objects.get_or_create(
        code="bench", defaults={"reference_prefix": "BEN", "name": "112 Bench", "province": province, "timezone": "Asia/Jakarta"}
    )
    centre.regions.add(regency)
    IncidentCategory.objects.get_or_create(
        code="kebakaran", defaults={"name_id": "Kebakaran", "name_en": "Fire", "default_priority": 2, "responsible_agency_types": ["fire"]}
    )
    agency, _ = Agency.objects.get_or_create(short_name="Damkar Bench", defaults={"name": "Damkar Bench", "type": "fire", "command_centre": centre})
    agency.regions.add(regency)
    keys = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(username=f"bench_ct{i}", defaults={"role": "call_taker", "command_centre": centre})
        keys.append(Token.objects.get_or_create(user=user)[0].key)
    return keys


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, Python {platform.python_version()}"


# -- server ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_LOG = Path(os.environ.get("BENCH_SERVER_LOG", "/tmp/push_latency_server.log"))


def start_server(kind: str, workers: int):
    port = free_port()
    env = dict(os.environ)
    log = open(SERVER_LOG, "a")
    if kind == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log", "--ws-max-queue", "1024"]
        procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
        listener = None
    else:
        # Daphne has no --workers: N processes accept on one inherited listening socket (same as uvicorn's workers).
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(2048)
        daphne = str(Path(sys.executable).with_name("daphne"))
        procs = [
            subprocess.Popen([daphne, "--fd", str(listener.fileno()), "-v", "0", "dispatch.asgi:application"], cwd=ROOT, env=env,
                             pass_fds=[listener.fileno()], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            for _ in range(workers)
        ]
    import httpx

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        stop_server(procs, listener)
        raise RuntimeError(f"{kind} did not start")
    return port, procs, listener


def stop_server(procs, listener):
    import signal

    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
    if listener is not None:
        listener.close()


# -- consoles (client processes) ---------------------------------------------------------------------
def console_proc(port, keys, n, ready, go_stop, out):
    import uvloop

    async def main():
        from websockets.asyncio.client import connect

        received = [dict() for _ in range(n)]  # per console: incident id → latency ms
        dupes, failed = [0], [0]
        socks = []
        sem = asyncio.Semaphore(50)

        async def open_one(i):
            async with sem:
                for attempt in range(5):
                    try:
                        ws = await connect(f"ws://127.0.0.1:{port}/ws/events/", additional_headers={"Authorization": f"Token {keys[i % len(keys)]}"},
                                           max_queue=None, ping_interval=None, open_timeout=30)
                        break
                    except Exception:  # noqa: BLE001
                        await asyncio.sleep(0.5 * (attempt + 1))
                else:
                    failed[0] += 1  # reported as connect_failures; the run goes on with the others
                    return
                socks.append((i, ws))

        async def reader(i, ws):
            mine = received[i]
            try:
                async for raw in ws:
                    now = time.time()
                    ev = json.loads(raw)
                    if ev.get("kind") != "incident.created":
                        continue
                    if ev["incident"] in mine:
                        dupes[0] += 1
                        continue
                    mine[ev["incident"]] = (now - datetime.fromisoformat(ev["at"]).timestamp()) * 1000
            except Exception:  # noqa: BLE001 — closed at the end
                pass

        await asyncio.gather(*(open_one(i) for i in range(n)))
        tasks = [asyncio.create_task(reader(i, ws)) for i, ws in socks]
        ready.set()
        while not go_stop.is_set():
            await asyncio.sleep(0.1)
        for _, ws in socks:
            await ws.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        connected = {i for i, _ in socks}
        out.put({"received": [r for i, r in enumerate(received) if i in connected], "dupes": dupes[0], "failed": failed[0]})

    uvloop.run(main())


def create_incidents(port, key, rate, seconds) -> tuple[list[int], int]:
    import httpx

    async def main():
        ids, errors = [], 0
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {key}"}, timeout=30) as api:
            async def one(i):
                nonlocal errors
                lon, lat = 113.9213 + random.uniform(-0.05, 0.05), -2.2096 + random.uniform(-0.05, 0.05)
                try:
                    r = await api.post("/api/v1/incidents/", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
                        "category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [lon, lat]},
                        "address": f"Jl. Bench {i}", "description": "bench", "caller_number": f"0812{i:08d}", "caller_name": "Bench",
                    })
                except httpx.HTTPError as exc:
                    errors += 1
                    print("  create failed:", repr(exc), file=sys.stderr)
                    return
                if r.status_code == 201:
                    ids.append(r.json()["id"])
                else:
                    errors += 1
                    if errors <= 3:
                        print("  create failed:", r.status_code, r.text[:300], file=sys.stderr)

            start, pending = time.monotonic(), []
            for i in range(int(rate * seconds)):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(one(i)))
            await asyncio.gather(*pending)
        return ids, errors

    return asyncio.run(main())


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_one(kind, workers, consoles, rate, seconds, client_procs, keys):
    port, procs, listener = start_server(kind, workers)
    ctx = mp.get_context("spawn")
    try:
        per = [consoles // client_procs + (1 if i < consoles % client_procs else 0) for i in range(client_procs)]
        go_stop, out = ctx.Event(), ctx.Queue()
        readies, clients = [], []
        for n in per:
            ready = ctx.Event()
            p = ctx.Process(target=console_proc, args=(port, keys, n, ready, go_stop, out), daemon=True)
            p.start()
            readies.append(ready)
            clients.append(p)
        t0 = time.monotonic()
        for ready in readies:
            if not ready.wait(timeout=180):
                raise RuntimeError("consoles did not connect")
        connect_s = time.monotonic() - t0
        time.sleep(2)
        ids, errors = create_incidents(port, keys[0], rate, seconds)
        time.sleep(5)  # stragglers
        go_stop.set()
        results = [out.get(timeout=60) for _ in clients]
        for p in clients:
            p.join(timeout=10)
    finally:
        stop_server(procs, listener)
    expected = set(ids)
    latencies, got_pairs, dupes, failed = [], 0, 0, 0
    for r in results:
        dupes += r["dupes"]
        failed += r["failed"]
        for mine in r["received"]:
            hits = {k: v for k, v in mine.items() if k in expected}
            got_pairs += len(hits)
            latencies.extend(hits.values())
    lost = (consoles - failed) * len(expected) - got_pairs
    row = {
        "server": kind, "workers": workers, "consoles": consoles, "rate": rate, "incidents": len(expected), "create_errors": errors,
        "p50_ms": round(pct(latencies, 50), 1), "p99_ms": round(pct(latencies, 99), 1), "max_ms": round(max(latencies or [0]), 1),
        "lost": lost, "duplicates": dupes, "connect_failures": failed, "connect_s": round(connect_s, 1),
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--consoles", default="100,500,1000")
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--servers", default="uvicorn,daphne")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--write", default=None, help="append a markdown table to this file")
    args = ap.parse_args()

    ensure_database()
    keys = fixtures()
    rows = []
    for kind in args.servers.split(","):
        for n in [int(x) for x in args.consoles.split(",")]:
            rows.append(run_one(kind, args.workers, n, args.rate, args.seconds, args.client_procs, keys))
    table = ["| server | processes | consoles | incidents/s | incidents (create errors) | p50 ms | p99 ms | max ms | lost | duplicates | sockets refused |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        table.append(f"| {r['server']} | {r['workers']} | {r['consoles']} | {r['rate']:g} | {r['incidents']} ({r['create_errors']}) | {r['p50_ms']} | "
                     f"{r['p99_ms']} | {r['max_ms']} | {r['lost']} | {r['duplicates']} | {r['connect_failures']} |")
    text = "\n".join(table)
    print(f"\nMachine: {machine()}\nCommand: {' '.join([Path(sys.executable).name, *sys.argv])}\n\n{text}")
    if args.write:
        with open(ROOT / args.write, "a") as fh:
            fh.write(f"\nMachine: {machine()}  \nCommand: `.venv/bin/python {' '.join(sys.argv)}`\n\n{text}\n")


if __name__ == "__main__":
    main()
