#!/usr/bin/env python
"""Disaster surge (issue 15): N call-takers submitting intakes as fast as they can, with consoles live.

    flock /tmp/bench.lock .venv/bin/python bench/surge.py [--call-takers 8] [--seconds 60] [--consoles 200]
        [--workers 2] [--server uvicorn|gunicorn [--http-workers 2 --http-threads 4]] [--keep-db]

1. A fresh database (`bench_surge`), migrated and loaded with the demo data (bench/intake.py's steps, its Redis
   db 12 as broker so the queued ack timers reach no worker; they are removed afterwards).
2. uvicorn `dispatch.asgi:application --workers 2` on a free loopback port (intake.start_server); with
   `--server gunicorn` the production split of docs/deploy.md instead: gunicorn `dispatch.wsgi:application` serves
   the API (sync WSGI: no event loop, no sync_to_async thread hop per request; `--http-threads 1` = the sync worker
   class, more = gthread) and uvicorn `--workers N` only the consoles' sockets — "sync vs async workers" of issue 27.
3. The statements of one intake, counted in this process through the same API views (token auth, Django's
   CaptureQueriesContext): what every intake of the run costs the database.
4. --consoles WebSocket consoles (`/ws/events/`, token header, one client process) stay connected and count
   the events they receive.
5. --call-takers client processes, each one keep-alive HTTP connection and the call-taker's token, loop
   create (`POST /api/v1/incidents/`, Idempotency-Key) + route (`POST …/route/` `{}`) for --seconds after a
   short warm-up. Reports intakes/s, p50/p95/p99 of create+route, failed, CPU per intake and where the cores
   went (per-process CPU from /proc: server workers, PostgreSQL, Redis, clients, consoles).
"""
import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
import uuid

import intake
from common import ROOT, cpu_by_role, cpu_snapshot, drop_database, machine, percentile, process_tree

DB_NAME = "bench_surge"
intake.DB_NAME = DB_NAME  # intake's helpers (prepare_database, start_server, bench_env) read it at call time
WARMUP_S = 3


def log(msg):
    print(f"[surge] {msg}", flush=True)


# -- statements per intake (through the same views, in a Django process of its own) ------------------------
STATEMENTS_CODE = """
import json, random, uuid
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from agencies.models import User
import intake

api = APIClient(SERVER_NAME="localhost")
user = User.objects.get(username=intake.USERNAME)
api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
rng = random.Random(7)
for _ in range(2):  # the first loads this process's caches; the second is the steady state
    with CaptureQueriesContext(connection) as created:
        r = api.post("/api/v1/incidents/", intake.incident_body(rng), format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    with CaptureQueriesContext(connection) as routed:
        api.post("/api/v1/incidents/%d/route/" % r.json()["id"], {}, format="json")
print(json.dumps([len(created.captured_queries), len(routed.captured_queries)]))
"""


def count_statements() -> tuple[int, int]:
    """Create + route once to warm up, then once counted (token auth, Django's CaptureQueriesContext)."""
    env = dict(intake.bench_env(), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]))
    # cwd = the project first on the path: bench/ holds modules named like the apps (volunteers.py, reports.py)
    out = subprocess.run([intake.PYTHON, "-c", STATEMENTS_CODE], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    create, route = json.loads(out.strip().splitlines()[-1])
    return create, route


# -- consoles ------------------------------------------------------------------------------------------
# 200 consoles × 3 events per intake × 100 intakes/s is 60,000 frames a second arriving on the same 2 cores as the
# server: the client must cost as little as possible. As bench/push_latency.py's (which is not importable: it sets
# up its own environment at import), a bare asyncio Protocol per socket speaks RFC 6455 directly, on uvloop; here it
# only counts frames and the `incident.created` among them (a prefix test, no JSON parsing).
CREATED = b'"kind":"incident.created"'


def _masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class CountingConsole(asyncio.Protocol):
    def __init__(self, port, key, stats):
        self.port, self.key, self.stats = port, key, stats
        self.buf = b""
        self.open = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        nonce = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (f"GET /ws/events/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token {self.key}\r\n\r\n").encode()
        )

    def connection_lost(self, exc):
        if not self.open.done():
            self.open.set_exception(ConnectionError("closed during handshake"))
        else:
            self.stats["closed"] += 1

    def data_received(self, data):
        buf = self.buf + data if self.buf else data
        if not self.open.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 101 " not in buf[: buf.find(b"\r\n")]:
                self.open.set_exception(ConnectionError(buf[:100].decode("latin-1")))
                self.transport.close()
                return
            self.open.set_result(True)
            buf = buf[end + 4:]
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + length:
                break
            opcode = b0 & 0x0F
            if opcode == 1:
                self.stats["frames"] += 1
                if CREATED in buf[pos + head:pos + head + 80]:
                    self.stats["created"] += 1
            elif opcode == 9:  # the server's keep-alive ping: unanswered, uvicorn closes the socket after ~40 s
                self.transport.write(_masked(0xA, buf[pos + head:pos + head + length]))
            pos += head + length
        self.buf = buf[pos:] if pos < n else b""


def console_proc(port, key, n, ready, stop, out):
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run

    async def main():
        loop = asyncio.get_running_loop()
        stats = {"open": 0, "failed": 0, "closed": 0, "frames": 0, "created": 0}
        socks, sem = [], asyncio.Semaphore(50)

        async def open_one():
            async with sem:
                try:
                    _, proto = await loop.create_connection(lambda: CountingConsole(port, key, stats), "127.0.0.1", port)
                    await asyncio.wait_for(proto.open, 30)
                except Exception:  # noqa: BLE001 — counted, the run goes on with the others
                    stats["failed"] += 1
                    return
                stats["open"] += 1
                socks.append(proto)

        await asyncio.gather(*(open_one() for _ in range(n)))
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        out.put(dict(stats))  # before closing: "closed" counts only what the server closed
        for proto in socks:
            proto.transport.close()

    run(main())


# -- call-takers ---------------------------------------------------------------------------------------
def call_taker_proc(url, key, index, go, seconds, out):
    import httpx

    rng = random.Random(1000 + index)
    latencies, failed, errors = [], 0, {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Token {key}"}, timeout=30) as client:
        go.wait()
        t_end = time.monotonic() + WARMUP_S
        while time.monotonic() < t_end:  # warm-up: connections, caches of every worker
            try:
                intake.one_intake(client, rng)
            except Exception:  # noqa: BLE001 — counted in the measured part only
                pass
        start = time.monotonic()
        deadline = start + seconds
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                intake.one_intake(client, rng)
            except Exception as exc:  # noqa: BLE001 — a failed intake is a result, not a crash
                failed += 1
                name = str(exc)[:60]
                errors[name] = errors.get(name, 0) + 1
                continue
            latencies.append(time.perf_counter() - t0)
        wall = time.monotonic() - start
    out.put({"latencies": latencies, "failed": failed, "errors": errors, "wall": wall})


def start_gunicorn(workers, threads):
    """gunicorn for HTTP on its own port (the WSGI side of the split topology), next to intake.start_server's uvicorn."""
    from common import free_port, spawn, wait_http_ok

    port = free_port()
    klass = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else ["--worker-class", "sync"]
    cmd = [str(intake.ROOT / ".venv" / "bin" / "gunicorn"), "dispatch.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), *klass, "--keep-alive", "30", "--log-level", "warning"]
    proc = spawn(cmd, env=intake.bench_env())
    url = f"http://127.0.0.1:{port}"
    if wait_http_ok(url + "/login/", timeout=30):
        log(f"gunicorn ({workers} workers, {threads} threads) up at {url}")
        return proc, url
    intake.stop_server(proc)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--call-takers", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--server", choices=["uvicorn", "gunicorn"], default="uvicorn",
                        help="who serves the API: uvicorn (ASGI, also the sockets) or gunicorn (WSGI) beside uvicorn for the sockets")
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn processes (--server gunicorn)")
    parser.add_argument("--http-threads", type=int, default=4, help="threads per gunicorn process; 1 = the sync worker class")
    parser.add_argument("--keep-db", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()
    command = "python bench/surge.py " + " ".join(sys.argv[1:])

    intake.prepare_database()
    statements = count_statements()
    log(f"statements per intake: create {statements[0]} + route {statements[1]} = {sum(statements)}")
    proc, url, _cmd = intake.start_server(args.workers)
    port = int(url.rsplit(":", 1)[1])  # the consoles' sockets always go to uvicorn
    http_proc = None
    if args.server == "gunicorn":
        http_proc, url = start_gunicorn(args.http_workers, args.http_threads)
    ctx = mp.get_context("spawn")
    try:
        key = intake.token(url)
        ready, stop, go, out = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue()
        consoles = ctx.Process(target=console_proc, args=(port, key, args.consoles, ready, stop, out))
        consoles.start()
        ready.wait(90)
        log(f"{args.consoles} consoles connected")
        takers = [ctx.Process(target=call_taker_proc, args=(url, key, i, go, args.seconds, out)) for i in range(args.call_takers)]
        for p in takers:
            p.start()
        time.sleep(1.0)  # the clients import httpx and connect before the start signal
        go.set()
        time.sleep(WARMUP_S)
        roles = {pid: "uvicorn" for pid in process_tree(proc.pid)}
        if http_proc is not None:
            roles.update({pid: "gunicorn" for pid in process_tree(http_proc.pid)})
        roles.update({p.pid: "call-taker clients" for p in takers})
        roles[consoles.pid] = "consoles (WebSocket clients)"
        roles[os.getpid()] = "bench"
        # PostgreSQL backends serving this run (their title names the database) apart from other databases' on a
        # shared machine; the rest of the postgres processes (WAL writer, checkpointer, other databases) stay "postgresql".
        for pid, (comm, cmd, _cpu) in cpu_snapshot().items():
            if comm.startswith("postgres") and f" {DB_NAME} " in f" {cmd} ":
                roles[pid] = f"postgresql ({DB_NAME})"
        load_before = os.getloadavg()
        cpu0, t0 = cpu_snapshot(), time.monotonic()
        time.sleep(args.seconds)
        cpu1, elapsed = cpu_snapshot(), time.monotonic() - t0
        load_after = os.getloadavg()
        results = [out.get(timeout=120) for _ in takers]
        for p in takers:
            p.join(30)
        time.sleep(2)  # the last events reach the consoles
        stop.set()
        console_stats = out.get(timeout=60)
        consoles.join(30)
    finally:
        intake.stop_server(proc)
        if http_proc is not None:
            intake.stop_server(http_proc)
        try:
            import redis

            r = redis.Redis.from_url(f"redis://127.0.0.1:6379/{intake.REDIS_DB}")
            for k in [*r.scan_iter("timers*"), *r.scan_iter("_kombu.binding.timers*"), *r.scan_iter("unacked*")]:
                r.delete(k)
        except Exception:  # noqa: BLE001
            pass
        if not args.keep_db:
            drop_database(DB_NAME)

    latencies = [v for r in results for v in r["latencies"]]
    failed = sum(r["failed"] for r in results)
    errors = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    wall = max(r["wall"] for r in results)
    n = len(latencies)
    cores = cpu_by_role(cpu0, cpu1, elapsed, roles)
    server_roles = ("uvicorn", "gunicorn", f"postgresql ({DB_NAME})", "redis")
    server_cores = sum(v for k, v in cores.items() if k in server_roles)
    total_cores = sum(cores.values())
    per_s = n / wall if wall else 0.0
    ms = lambda v: round(v * 1000, 1)  # noqa: E731
    mach = machine()
    summary = {
        "server": args.server if args.server == "uvicorn" else f"gunicorn {args.http_workers}x{args.http_threads} + uvicorn",
        "call_takers": args.call_takers, "consoles": args.consoles, "seconds": args.seconds, "intakes": n, "per_s": round(per_s, 1),
        "p50_ms": ms(percentile(latencies, 50)), "p95_ms": ms(percentile(latencies, 95)), "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies)) if latencies else None, "failed": failed, "errors": errors,
        "statements_per_intake": {"create": statements[0], "route": statements[1], "total": sum(statements)},
        "cpu_ms_per_intake_server": round(server_cores / per_s * 1000, 1) if per_s else None,
        "cpu_ms_per_intake_all": round(total_cores / per_s * 1000, 1) if per_s else None,
        "cores": cores, "consoles_stats": console_stats,
        "load_avg_before": [round(x, 2) for x in load_before], "load_avg_after": [round(x, 2) for x in load_after],
    }
    print()
    print(f"Machine: {mach['cpu']}, {mach['cores']} cores, {round(mach['ram_gib'] or 0, 1)} GiB RAM, Python {mach['python']}")
    print(f"Command: flock /tmp/bench.lock .venv/bin/{command}")
    print(f"load average (1/5/15 min) at start {summary['load_avg_before']}, at end {summary['load_avg_after']}")
    print(f"API served by {summary['server']} (uvicorn --workers {args.workers} for the sockets)")
    print(f"{args.call_takers} call-takers, {args.consoles} consoles ({console_stats['open']} connected, {console_stats['failed']} failed to "
          f"connect, {console_stats['closed']} closed by the server; {console_stats['frames']} frames received, "
          f"{console_stats['created']} of them incident.created), {args.seconds} s")
    print(f"intakes: {n} = {summary['per_s']}/s; create+route p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
          f"p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms; failed {failed} {errors or ''}")
    print(f"statements per intake: create {statements[0]} + route {statements[1]} = {sum(statements)}")
    print(f"CPU per intake: {summary['cpu_ms_per_intake_server']} ms server side (uvicorn/gunicorn + this run's PostgreSQL backends + Redis), "
          f"{summary['cpu_ms_per_intake_all']} ms with the clients")
    print("where the cores went (cores busy on average): " + ", ".join(f"{k} {v}" for k, v in cores.items()))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
